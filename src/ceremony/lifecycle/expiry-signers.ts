/**
 * Who must sign an offline role: the keys and threshold its delegator names (root for root and
 * targets, targets for claimed, claimed for its succinct bins), with the holder of each key read
 * from its `x-ceremony-owner` field. Reminders, re-sign events and rotations all say this.
 */
import { type AnySigned, type Key, type Metadata, type Root, TOP_LEVEL_ROLES } from '../../tuf/model/index.js';
import { ownerOf } from '../state/holders.js';
import type { Repository } from '../state/repository.js';

export interface RoleAuthority {
  role: string;
  /** The role whose metadata names these keys (root, targets, claimed). */
  delegator: string;
  threshold: number;
  keyids: string[];
  /** keyid → key, for every keyid above. */
  keys: Map<string, Key>;
  /** One entry per keyid, in keyid order: its holder, or "(no holder named)". */
  holders: string[];
}

/** The current, finalized version of every offline role in a repository, by role name. */
export type CurrentRoles = Map<string, Metadata<AnySigned>>;

export function loadCurrentRoles(repo: Repository): CurrentRoles {
  const out: CurrentRoles = new Map();
  for (const role of repo.roles()) out.set(role, repo.current(role));
  return out;
}

export const NO_HOLDER = '(no holder named)';

function authority(
  role: string,
  delegator: string,
  threshold: number,
  keyids: readonly string[],
  lookup: (k: string) => Key | undefined,
): RoleAuthority {
  const keys = new Map<string, Key>();
  for (const k of keyids) {
    const key = lookup(k);
    if (key) keys.set(k, key);
  }
  return {
    role,
    delegator,
    threshold,
    keyids: [...keyids],
    keys,
    holders: keyids.map((k) => ownerOf(keys.get(k)) ?? NO_HOLDER),
  };
}

/**
 * The keys that authorize `role` in the current metadata (TUF spec 5.3 for top-level roles, 5.6.x
 * for delegated ones); undefined when no loaded role delegates to it.
 */
export function authorityFor(current: CurrentRoles, role: string): RoleAuthority | undefined {
  const root = current.get('root') as Metadata<Root> | undefined;
  if ((TOP_LEVEL_ROLES as readonly string[]).includes(role)) {
    if (!root) return undefined;
    const r = root.signed.roles[role as (typeof TOP_LEVEL_ROLES)[number]];
    return authority(role, 'root', r.threshold, r.keyids, (k) => root.signed.keys.get(k));
  }
  for (const [name, md] of current) {
    if (md.signed.type !== 'targets') continue;
    const delegations = md.signed.delegations;
    const r = delegations?.roleKeys(role);
    if (r && delegations) return authority(role, name, r.threshold, r.keyids, (k) => delegations.keys.get(k));
  }
  return undefined;
}

/** "2 of alice, bob, carol" */
export function describeAuthority(a: RoleAuthority): string {
  return `${a.threshold} of ${a.holders.join(', ')}`;
}
