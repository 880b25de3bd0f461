/**
 * Key rotation (docs/runbook-maintenance.md section 3; PEP 480): the keys of a role are changed in the
 * metadata of the role that delegates it — root and targets keys in root, claimed (and the online
 * recently-claimed and unclaimed) keys in targets, snapshot and timestamp keys in root. Every
 * changed role gets version N+1 and a fresh expiry; a role whose own keys changed is re-signed
 * with its new keys in the same event, so the result verifies as a whole.
 *
 * Guard rails: threshold between 1 and the number of keys (root at least 2), no key listed twice,
 * no offline key shared with another role, a key whose custom fields changed gets its new keyid
 * (and the event says so), the same person moving to a new key is named.
 */
import {
  type AnySigned,
  DelegatedRole,
  Delegations,
  groupedHex,
  type Key,
  Metadata,
  Role,
  Root,
  Targets,
  TOP_LEVEL_ROLES,
  type TopLevelRole,
} from '../../tuf/model/index.js';
import { formatExpires, RefusedError, UsageError } from '../../tuf/base/index.js';
import type { CurrentRoles } from './expiry-signers.js';
import { ownerOf } from '../state/holders.js';
import { ONLINE_ROLES, type CeremonyPlan } from '../state/plan.js';
import { periodFor, resignedCopy } from './resign.js';

/** One role whose keys change. */
export interface KeyChange {
  role: string;
  add: Key[];
  /** keyids to remove. */
  remove: readonly string[];
  /** The new threshold; the current one when absent. */
  threshold?: number;
}

export interface KeyRef {
  keyid: string;
  holder?: string;
}

/** What changed in one role's keys, for the summary and the event details. */
export interface KeyChangeSummary {
  role: string;
  /** The role whose metadata holds the change (root or targets). */
  changedIn: string;
  added: KeyRef[];
  removed: KeyRef[];
  /** Same key material, other custom fields: a new keyid (TUF keyids cover the whole key object). */
  refreshed: Array<{ from: string; to: string; holder?: string; fields: string[] }>;
  /** A holder whose old key leaves and whose new key comes in. */
  sameHolder: Array<{ holder: string; from: string; to: string }>;
  thresholdFrom: number;
  thresholdTo: number;
  keysFrom: number;
  keysTo: number;
}

export interface RotationResult {
  /** The new versions to sign, in the order root, targets, others. */
  roles: Array<{ role: string; metadata: Metadata; why: string }>;
  changes: KeyChangeSummary[];
  /** Lines for people: refreshed keyids, same-holder rotations, who signs what. */
  notes: string[];
  warnings: string[];
  /** What the online service must do once the result is published. */
  onlineSteps: string[];
}

const isOnline = (role: string): boolean => (ONLINE_ROLES as readonly string[]).includes(role);
const isTopLevel = (role: string): role is TopLevelRole => (TOP_LEVEL_ROLES as readonly string[]).includes(role);
/** A keyid in the one form people compare (src/tuf/model/fingerprint-words.ts). */
const keyidHex = groupedHex;
const who = (key: Key | undefined): string => ownerOf(key) ?? 'no holder named';

/** The entry of one role inside the metadata that delegates it, and that metadata's key table. */
interface Slot {
  keyids: string[];
  threshold: number;
  keys: Map<string, Key>;
  /** Write a new keyids/threshold back, keeping every other field of the entry. */
  set(keyids: string[], threshold: number): void;
}

function rootSlot(root: Root, role: TopLevelRole): Slot {
  const entry = root.roles[role];
  return {
    keyids: [...entry.keyids],
    threshold: entry.threshold,
    keys: root.keys,
    set(keyids, threshold) {
      root.roles[role] = new Role(keyids, threshold, entry.unrecognized);
    },
  };
}

function delegationSlot(targets: Targets, role: string, where: string): Slot {
  const d = targets.delegations;
  const i = d?.roles?.findIndex((r) => r.name === role) ?? -1;
  if (!d || !d.roles || i < 0) {
    if (d?.succinctRoles?.binOfName(role) !== undefined)
      throw new UsageError(
        `${role} is one of the succinct bins of ${where}; their keys change together with ${where}'s succinct_roles, not one bin at a time`,
      );
    throw new UsageError(`${where} does not delegate ${role}`);
  }
  const entry = d.roles[i]!;
  return {
    keyids: [...entry.keyids],
    threshold: entry.threshold,
    keys: d.keys,
    set(keyids, threshold) {
      const roles = [...d.roles!];
      roles[i] = new DelegatedRole(
        entry.name,
        keyids,
        threshold,
        entry.terminating,
        entry.paths,
        entry.pathHashPrefixes,
        entry.unrecognized,
      );
      // A fresh Delegations: its name index must not remember the old entry.
      targets.delegations = new Delegations(d.keys, roles, undefined, d.unrecognized);
    },
  };
}

/** keyids used by any role in the container's key table (so an unused key leaves the table). */
function usedKeyids(md: AnySigned): Set<string> {
  if (md instanceof Root) return new Set(TOP_LEVEL_ROLES.flatMap((r) => md.roles[r].keyids));
  const d = (md as Targets).delegations;
  return new Set([...(d?.roles ?? []).flatMap((r) => r.keyids), ...(d?.succinctRoles?.keyids ?? [])]);
}

function pruneKeys(md: AnySigned, keys: Map<string, Key>): void {
  const used = usedKeyids(md);
  for (const id of [...keys.keys()]) if (!used.has(id)) keys.delete(id);
}

/** Every key named anywhere in the offline metadata, with the roles that use it. */
function keyUsage(containers: Map<string, Metadata>): Array<{ role: string; key: Key; keyid: string }> {
  const out: Array<{ role: string; key: Key; keyid: string }> = [];
  for (const md of containers.values()) {
    const s = md.signed;
    if (s instanceof Root) {
      for (const r of TOP_LEVEL_ROLES)
        for (const id of s.roles[r].keyids) out.push({ role: r, keyid: id, key: s.keys.get(id)! });
    } else if (s instanceof Targets && s.delegations) {
      const d = s.delegations;
      for (const r of d.roles ?? [])
        for (const id of r.keyids) out.push({ role: r.name, keyid: id, key: d.keys.get(id)! });
      if (d.succinctRoles)
        for (const id of d.succinctRoles.keyids)
          out.push({ role: `${d.succinctRoles.namePrefix}-*`, keyid: id, key: d.keys.get(id)! });
    }
  }
  return out;
}

function customFieldDiff(a: Key, b: Key): string[] {
  const names = new Set([...Object.keys(a.unrecognized), ...Object.keys(b.unrecognized)]);
  const out: string[] = [];
  for (const n of [...names].sort()) {
    const x = JSON.stringify(a.unrecognized[n]);
    const y = JSON.stringify(b.unrecognized[n]);
    if (x !== y) out.push(`${n}: ${x ?? '(none)'} → ${y ?? '(none)'}`);
  }
  return out;
}

/**
 * The guard rails on thresholds (docs/runbook-maintenance.md section 3; TUF spec: threshold >= 1): at most the number
 * of keys, and at least 2 for root (PEP 458/480: no single person changes root).
 */
export function checkThreshold(role: string, threshold: number, keyCount: number): string | undefined {
  // Online roles: one online key with threshold 1 is their normal form; they get no warning.
  if (!Number.isSafeInteger(threshold) || threshold < 1)
    throw new RefusedError(`${role}: threshold must be an integer of at least 1, got ${threshold}`, 'E_GUARD_RAIL');
  if (keyCount === 0) throw new RefusedError(`${role}: the change would leave no key at all`, 'E_GUARD_RAIL');
  if (threshold > keyCount)
    throw new RefusedError(
      `${role}: threshold ${threshold} is more than the ${keyCount} key(s) it would have`,
      'E_GUARD_RAIL',
    );
  if (role === 'root' && threshold < 2)
    throw new RefusedError(
      'root: threshold must be at least 2, so that no single person can change root (PEP 458/480)',
      'E_GUARD_RAIL',
    );
  if (isOnline(role)) return undefined;
  if (threshold === keyCount && keyCount > 1)
    return `${role}: threshold ${threshold} equals the number of keys; one lost or broken token locks the ${role} role`;
  if (threshold === keyCount) return `${role}: a single key; losing that token locks the ${role} role`;
  return undefined;
}

/**
 * Apply key changes to the current offline metadata. Nothing is written: the result is the set of
 * new versions to put into one signing event, and what to tell the people signing it.
 */
export function planKeyChanges(
  current: CurrentRoles,
  plan: CeremonyPlan,
  changes: KeyChange[],
  at: Date,
  options: { compromised?: boolean } = {},
): RotationResult {
  if (changes.length === 0) throw new UsageError('no key change given');
  const seenRoles = new Set<string>();
  for (const c of changes) {
    if (seenRoles.has(c.role)) throw new UsageError(`${c.role} is changed twice; give all of its keys in one change`);
    seenRoles.add(c.role);
  }
  const root = current.get('root') as Metadata<Root> | undefined;
  if (!root) throw new UsageError('the repository has no root yet');
  /** Container role → its new version (a copy, version + 1, fresh expiry). */
  const working = new Map<string, Metadata>();
  const whyOf = new Map<string, string>();
  const open = (role: string, why: string): Metadata => {
    let md = working.get(role);
    if (!md) {
      const cur = current.get(role);
      if (!cur) throw new UsageError(`the repository has no ${role} metadata to change`);
      md = resignedCopy(cur, at, periodFor(plan, role));
      working.set(role, md);
      whyOf.set(role, why);
    }
    return md;
  };
  const containersNow = (): Map<string, Metadata> => {
    const m = new Map<string, Metadata>(current);
    for (const [k, v] of working) m.set(k, v);
    return m;
  };

  const binPrefix = plan.roles.claimed.bins?.namePrefix;
  const summaries: KeyChangeSummary[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const onlineSteps: string[] = [];
  const removedMaterial: Key[] = [];

  for (const change of changes) {
    const role = change.role;
    const changedIn = isTopLevel(role) ? 'root' : 'targets';
    const md = open(changedIn, 'keys changed');
    const slot = isTopLevel(role)
      ? rootSlot(md.signed as Root, role)
      : delegationSlot(md.signed as Targets, role, changedIn);
    const original = new Map(slot.keyids.map((id) => [id, slot.keys.get(id)!]));
    const summary: KeyChangeSummary = {
      role,
      changedIn,
      added: [],
      removed: [],
      refreshed: [],
      sameHolder: [],
      thresholdFrom: slot.threshold,
      thresholdTo: slot.threshold,
      keysFrom: slot.keyids.length,
      keysTo: 0,
    };
    const removed = new Set<string>();

    for (const id of change.remove) {
      if (!original.has(id))
        throw new RefusedError(
          // Whole keyids with their holders: what --remove takes (`tuf-ceremony status` lists them too).
          `--remove ${id}: not a ${role} key (its keys: ${[...original].map(([k, key]) => `${k} of ${who(key)}`).join(', ')})`,
          'E_NOT_A_KEY',
        );
      if (removed.has(id)) throw new RefusedError(`--remove ${id} is given twice`, 'E_DUPLICATE_KEY');
      removed.add(id);
    }
    const added: Key[] = [];
    for (const key of change.add) {
      key.assertUsable();
      const id = key.keyid;
      // A role's keyids are unique (TUF specification 1.0.x section 4.3), and one key counts once whatever its
      // encoding (docs/decisions/0004): no key twice, by keyid or by decoded key material.
      const twin = added.find((k) => k.sameMaterial(key));
      if (twin) {
        const also =
          twin.keyid === id
            ? ''
            : ` (also as ${keyidHex(twin.keyid)} of ${who(twin)}, the same public key written another way)`;
        throw new RefusedError(`${role}: key ${keyidHex(id)} of ${who(key)} is given twice${also}`, 'E_DUPLICATE_KEY');
      }
      if (original.has(id) && !removed.has(id))
        throw new RefusedError(
          `${role}: key ${keyidHex(id)} of ${who(key)} is already a ${role} key`,
          'E_DUPLICATE_KEY',
        );
      if (!isOnline(role) && ownerOf(key) === undefined)
        throw new RefusedError(
          `${role}: the new key ${keyidHex(id)} names no holder (x-ceremony-owner); every offline key names the person who holds it`,
          'E_NO_HOLDER',
        );
      const sameMaterial = [...original].find(([oid, k]) => oid !== id && k.sameMaterial(key));
      // After a compromise the replaced key material is never trusted again, whatever its fields (PEP 480).
      if (options.compromised && [...original].some(([oid, k]) => removed.has(oid) && k.sameMaterial(key))) {
        throw new RefusedError(
          `${role}: the new key ${keyidHex(id)} of ${who(key)} is the compromised key being replaced`,
          'E_COMPROMISED_KEY',
        );
      }
      if (sameMaterial) {
        const [oldId, oldKey] = sameMaterial;
        // Only custom fields may change: the same public key written another way, or named as
        // another person's, would put one key in the role twice or under a second holder.
        if (!oldKey.sameEncoding(key)) {
          throw new RefusedError(
            `${role}: the new key ${keyidHex(id)} of ${who(key)} is the ${role} key ` +
              `${keyidHex(oldId)} of ${who(oldKey)} written another way (the same public key); a key ` +
              'is listed once',
            'E_DUPLICATE_KEY',
          );
        }
        if (ownerOf(oldKey) !== undefined && ownerOf(key) !== ownerOf(oldKey)) {
          throw new RefusedError(
            `${role}: the new key ${keyidHex(id)} names ${who(key)} but is the ${role} key ` +
              `${keyidHex(oldId)} of ${who(oldKey)} (the same public key); a key has one holder`,
            'E_DUPLICATE_KEY',
          );
        }
        // The same key with other custom fields: a new keyid replaces the old one (TUF spec 4.2).
        removed.add(oldId);
        summary.refreshed.push({ from: oldId, to: id, holder: ownerOf(key), fields: customFieldDiff(oldKey, key) });
      }
      added.push(key);
    }
    // No key shared between roles, except online roles sharing an online key (PEP 458 allows it).
    // Claimed bins are on the claimed keys by design and follow them (below).
    const followsRole = (other: string) =>
      other === role || (role === 'claimed' && binPrefix !== undefined && other.startsWith(`${binPrefix}-`));
    const usage = keyUsage(containersNow()).filter(
      (u) => !(followsRole(u.role) && (u.role !== role || removed.has(u.keyid))),
    );
    for (const key of change.add) {
      const clash = usage.find(
        (u) => u.role !== role && u.key.sameMaterial(key) && !(isOnline(role) && isOnline(u.role)),
      );
      if (clash)
        throw new RefusedError(
          `${role}: the new key ${keyidHex(key.keyid)} of ${who(key)} is the same key as a ` +
            `${clash.role} key (${keyidHex(clash.keyid)} of ${who(clash.key)}); every offline key ` +
            'must be distinct',
          'E_DUPLICATE_KEY',
        );
      const leaving = removedMaterial.find((k) => k.sameMaterial(key));
      if (leaving)
        throw new RefusedError(
          `${role}: the new key ${keyidHex(key.keyid)} is a key being removed elsewhere in this change (${keyidHex(leaving.keyid)} of ${who(leaving)})`,
          'E_DUPLICATE_KEY',
        );
    }

    const kept = slot.keyids.filter((id) => !removed.has(id));
    const finalIds = [...kept, ...change.add.map((k) => k.keyid)];
    const threshold = change.threshold ?? slot.threshold;
    const warning = checkThreshold(role, threshold, finalIds.length);
    if (warning) warnings.push(warning);
    for (const key of change.add) slot.keys.set(key.keyid, key);
    slot.set(finalIds, threshold);
    pruneKeys(md.signed, slot.keys);

    const refreshedFrom = new Set(summary.refreshed.map((r) => r.from));
    const refreshedTo = new Set(summary.refreshed.map((r) => r.to));
    for (const id of removed) {
      if (refreshedFrom.has(id)) continue;
      summary.removed.push({ keyid: id, holder: ownerOf(original.get(id)) });
      removedMaterial.push(original.get(id)!);
    }
    for (const key of change.add)
      if (!refreshedTo.has(key.keyid)) summary.added.push({ keyid: key.keyid, holder: ownerOf(key) });
    for (const a of summary.added) {
      const r = summary.removed.find((x) => x.holder !== undefined && x.holder === a.holder);
      if (r) summary.sameHolder.push({ holder: a.holder!, from: r.keyid, to: a.keyid });
    }
    summary.thresholdTo = threshold;
    summary.keysTo = finalIds.length;
    summaries.push(summary);

    for (const r of summary.refreshed) {
      notes.push(
        `${role}: key of ${r.holder ?? 'no holder named'} has new custom fields ` +
          `(${r.fields.join('; ')}): keyid ${keyidHex(r.from)} → ${keyidHex(r.to)}, same key material`,
      );
    }
    for (const s of summary.sameHolder) {
      notes.push(
        role === 'root'
          ? `root: ${s.holder} moves from key ${keyidHex(s.from)} to key ${keyidHex(s.to)}; ` +
              `${s.holder} signs the new root with both: the old key for the previous root's ` +
              `threshold, the new key for the new root's`
          : `${role}: ${s.holder} moves from key ${keyidHex(s.from)} to key ${keyidHex(s.to)}`,
      );
    }
  }

  // A role whose own keys changed must be signed by its new keys (TUF spec 5.6.3 / 5.3.5).
  for (const s of summaries) {
    if (s.role === 'root') continue;
    if (current.has(s.role)) open(s.role, `re-signed by its new ${s.role} keys`);
    else if (isOnline(s.role))
      onlineSteps.push(
        `sign ${s.role} with its new online key from now on (the previous ${s.role} key is no longer trusted once this is published)`,
      );
  }
  // A sharded claimed role delegates its bins to the claimed keys: they follow, and every bin is
  // re-signed by the new keys (claimed-build.ts keeps bins on the claimed keys and threshold).
  const claimedChange = summaries.find((s) => s.role === 'claimed');
  if (binPrefix && claimedChange && working.has('claimed')) {
    const targets = working.get('targets')!.signed as Targets;
    const entry = targets.delegations!.roleKeys('claimed')!;
    const bins = moveBinsToKeys(
      working.get('claimed')!,
      `${binPrefix}-`,
      entry.keyids,
      entry.threshold,
      targets.delegations!.keys,
    );
    for (const bin of bins) if (current.has(bin)) open(bin, 're-signed by the new claimed keys');
    if (bins.length)
      notes.push(
        `claimed's ${bins.length} bin delegation(s) move to the new claimed keys (${entry.threshold} of ${entry.keyids.length})`,
      );
  }
  if ([...working.keys()].some((r) => r !== 'root')) {
    onlineSteps.push(
      `publish a new snapshot listing ${[...working.keys()]
        .filter((r) => r !== 'root')
        .map((r) => `${r} v${working.get(r)!.signed.version}`)
        .join(', ')}, and a new timestamp`,
    );
  }
  if (working.has('root'))
    onlineSteps.push(
      `publish ${working.get('root')!.signed.version}.root.json beside every earlier N.root.json (clients walk the chain; an old root is never removed)`,
    );

  // Every new version must parse as it will be read back (keyids present in the key tables, etc.).
  const order = (r: string) => (r === 'root' ? 0 : r === 'targets' ? 1 : 2);
  const roles = [...working.entries()]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([role, md]) => ({
      role,
      metadata: Metadata.fromBytes(md.toBytes(), `${md.signed.version}.${role}.json`, md.signed.type),
      why: whyOf.get(role)!,
    }));
  // One note per role, but one for all the bins of a sharded claimed role (thousands of them):
  // they follow the claimed keys together, each at version + 1 with the same new expiry.
  const isBin = (role: string) => binPrefix !== undefined && role.startsWith(`${binPrefix}-`);
  const bins = roles.filter((r) => isBin(r.role));
  for (const r of bins.length > 1 ? roles.filter((x) => !isBin(x.role)) : roles)
    notes.push(
      `${r.role} v${r.metadata.signed.version} (${r.why}), expires ${formatExpires(r.metadata.signed.expires)}`,
    );
  if (bins.length > 1)
    notes.push(
      `${bins.length} bins of claimed, ${bins[0]!.role} … ${bins.at(-1)!.role}, each at version + 1 ` +
        `(${bins[0]!.why}), expires ${formatExpires(bins[0]!.metadata.signed.expires)}`,
    );
  return { roles, changes: summaries, notes, warnings, onlineSteps };
}

/** Point every bin delegation of (sharded) claimed at `keyids`/`threshold`; returns the bin names. */
function moveBinsToKeys(
  claimed: Metadata,
  prefix: string,
  keyids: readonly string[],
  threshold: number,
  keyTable: Map<string, Key>,
): string[] {
  const signed = claimed.signed as Targets;
  const d = signed.delegations;
  if (!d?.roles) return [];
  const names: string[] = [];
  const roles = d.roles.map((r) => {
    if (!r.name.startsWith(prefix)) return r;
    names.push(r.name);
    return new DelegatedRole(
      r.name,
      [...keyids],
      threshold,
      r.terminating,
      r.paths,
      r.pathHashPrefixes,
      r.unrecognized,
    );
  });
  if (names.length === 0) return [];
  const keys = new Map(d.keys);
  for (const id of keyids) keys.set(id, keyTable.get(id)!);
  signed.delegations = new Delegations(keys, roles, undefined, d.unrecognized);
  pruneKeys(signed, keys);
  return names;
}

/** The lines `event show` prints for a rotation or recovery event, from its details. */
export function describeKeyChanges(changes: KeyChangeSummary[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(
      `${c.role} keys (in ${c.changedIn}): threshold ${c.thresholdFrom} of ${c.keysFrom} → ${c.thresholdTo} of ${c.keysTo}`,
    );
    for (const a of c.added) lines.push(`  + ${a.holder ?? 'no holder named'} ${a.keyid}`);
    for (const r of c.removed) lines.push(`  - ${r.holder ?? 'no holder named'} ${r.keyid}`);
    for (const r of c.refreshed)
      lines.push(
        `  ~ ${r.holder ?? 'no holder named'}: custom fields changed (${r.fields.join('; ')}), keyid ${r.from} → ${r.to}`,
      );
    for (const s of c.sameHolder)
      lines.push(
        `  ↻ ${s.holder} replaces ${groupedHex(s.from)} with ${groupedHex(s.to)}${c.role === 'root' ? ' (signs with both)' : ''}`,
      );
  }
  return lines;
}
