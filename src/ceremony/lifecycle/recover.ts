/**
 * Recovery from a key compromise, as PEP 480 "In the Event of a Key Compromise" lays it out. A
 * compromise means a threshold of a role's keys is in other hands, so every key of each affected
 * role is replaced:
 *
 * - an online key (timestamp, snapshot, recently-claimed, unclaimed): root replaces the timestamp,
 *   snapshot and targets keys; targets (signed by its new keys) replaces the recently-claimed and
 *   unclaimed keys; the online service clears recently-claimed, audits the online roles against
 *   the last known good snapshot, re-signs them and issues a new snapshot and timestamp;
 * - a targets key: root replaces the targets keys (and targets is re-signed by the new ones);
 * - a claimed key: targets replaces the claimed keys (and claimed is re-signed by the new ones);
 *   with online keys as well, claimed's projects are audited before it is signed again;
 * - root: the steps for targets, and every root key replaced (signed by the old and new root).
 *
 * The planner says which roles change, which keys go and which new keys are needed; with the new
 * keys it prepares one signing event and the list of steps left to the online service.
 */
import { UsageError } from '../../tuf/base/index.js';
import type { Key } from '../../tuf/model/index.js';
import { authorityFor, loadCurrentRoles, type CurrentRoles } from './expiry-signers.js';
import { ONLINE_ROLES } from '../state/plan.js';
import type { Repository } from '../state/repository.js';
import { createKeyChangeEvent, RECOVER_KIND, type KeyChangeEventResult } from './rotate-event.js';
import type { KeyChange } from './rotate.js';

export const COMPROMISABLE = [
  'timestamp',
  'snapshot',
  'recently-claimed',
  'unclaimed',
  'targets',
  'claimed',
  'root',
] as const;
export type CompromisedRole = (typeof COMPROMISABLE)[number];

const ONLINE = new Set<string>(ONLINE_ROLES);

/** Roles whose keys PEP 480 replaces for each compromised role, in the order the metadata changes. */
const REPLACED_KEYS: Record<CompromisedRole, string[]> = {
  timestamp: ['timestamp', 'snapshot', 'targets', 'recently-claimed', 'unclaimed'],
  snapshot: ['timestamp', 'snapshot', 'targets', 'recently-claimed', 'unclaimed'],
  'recently-claimed': ['timestamp', 'snapshot', 'targets', 'recently-claimed', 'unclaimed'],
  unclaimed: ['timestamp', 'snapshot', 'targets', 'recently-claimed', 'unclaimed'],
  targets: ['targets'],
  claimed: ['claimed'],
  root: ['root', 'targets'],
};
const CHANGE_ORDER = ['root', 'timestamp', 'snapshot', 'targets', 'claimed', 'recently-claimed', 'unclaimed'];

export interface ReplacedRole {
  role: string;
  /** Where the keys are listed: root or targets. */
  changedIn: string;
  keyids: string[];
  holders: string[];
  threshold: number;
  /** Who makes the new keys: the admins on their tokens, or the online service. */
  newKeysFrom: 'admins' | 'online service';
  /** New keys given for it so far. */
  newKeys: Key[];
}

export interface RecoveryPlan {
  compromised: CompromisedRole[];
  replaced: ReplacedRole[];
  /** Roles with no new key given yet. */
  missingKeys: string[];
  /** What the admins do offline, in order. */
  offlineSteps: string[];
  /** What the online service does, in order, once the new metadata is published. */
  onlineSteps: string[];
}

export function parseCompromised(values: string[]): CompromisedRole[] {
  const out: CompromisedRole[] = [];
  for (const v of values
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(COMPROMISABLE as readonly string[]).includes(v))
      throw new UsageError(
        `--compromised ${v}: not one of ${COMPROMISABLE.join(', ')} (a compromised developer key is revoked in claimed: tuf-ceremony revoke)`,
      );
    if (!out.includes(v as CompromisedRole)) out.push(v as CompromisedRole);
  }
  if (out.length === 0) throw new UsageError('name the compromised role(s) with --compromised');
  return out;
}

/** Work out the recovery for the current repository state and the new keys given so far. */
export function planRecovery(
  current: CurrentRoles,
  compromised: CompromisedRole[],
  newKeys: Map<string, Key[]>,
): RecoveryPlan {
  const roles = new Set(compromised.flatMap((c) => REPLACED_KEYS[c]));
  for (const role of newKeys.keys())
    if (!roles.has(role))
      throw new UsageError(
        `--new-key ${role}=…: ${role}'s keys are not replaced when ${compromised.join(', ')} is compromised (PEP 480); replaced: ${[...roles].join(', ')}`,
      );
  const replaced: ReplacedRole[] = [];
  for (const role of CHANGE_ORDER.filter((r) => roles.has(r))) {
    const auth = authorityFor(current, role);
    if (!auth)
      throw new UsageError(`the repository's metadata does not delegate ${role}; there is no key of it to replace`);
    replaced.push({
      role,
      changedIn: auth.delegator,
      keyids: auth.keyids,
      holders: auth.holders,
      threshold: auth.threshold,
      newKeysFrom: ONLINE.has(role) ? 'online service' : 'admins',
      newKeys: newKeys.get(role) ?? [],
    });
  }
  const missingKeys = replaced.filter((r) => r.newKeys.length === 0).map((r) => r.role);
  const anyOnline = compromised.some((c) => ONLINE.has(c));
  const changedIn = [...new Set(replaced.map((r) => r.changedIn))];
  const resigned = replaced.filter((r) => current.has(r.role) && r.role !== 'root').map((r) => r.role);

  const offlineSteps: string[] = [];
  const adminRoles = replaced.filter((r) => r.newKeysFrom === 'admins');
  const onlineRoles = replaced.filter((r) => r.newKeysFrom === 'online service');
  if (adminRoles.length)
    offlineSteps.push(
      'admins generate new keys on their tokens for ' +
        `${adminRoles.map((r) => `${r.role} (now held by ${r.holders.join(', ')})`).join('; ')}, ` +
        'and export the public keys (tuf-ceremony key generate / key export)',
    );
  if (onlineRoles.length)
    offlineSteps.push(
      `the online service makes new keys for ${onlineRoles.map((r) => r.role).join(', ')} and hands over their PUBLIC key files`,
    );
  if (compromised.includes('claimed') && anyOnline)
    offlineSteps.push(
      'before signing claimed again, compare its project delegations with the last known good ' +
        "snapshot and restore any that changed (PEP 480); then prepare claimed's new content " +
        'with the claim intake',
    );
  offlineSteps.push(
    `prepare the event: tuf-ceremony recover --compromised ${compromised.join(',')} ` +
      `${replaced.map((r) => `--new-key ${r.role}=<key file>`).join(' ')} --event <new folder>`,
  );
  const alsoResigned = resigned.length
    ? `, and ${resigned.join(', ')} ${resigned.length > 1 ? 'are' : 'is'} re-signed by the new keys`
    : '';
  offlineSteps.push(
    `sign it: ${changedIn.join(' and ')} change${alsoResigned}; then tuf-ceremony event finalize and export a bundle`,
  );

  const onlineSteps: string[] = [];
  if (anyOnline) {
    onlineSteps.push(
      'install the new timestamp, snapshot, recently-claimed and unclaimed keys; never sign with the old ones again',
    );
    onlineSteps.push(
      'clear every target and delegation in recently-claimed and delete its delegated project ' +
        'metadata; recently registered projects register their developer keys again',
    );
    onlineSteps.push(
      'compare every target of recently-claimed and unclaimed with the last known good ' +
        'consistent snapshot (before the compromise); restore the ones added, changed or deleted ' +
        'since, then regenerate unclaimed and its bins',
    );
    onlineSteps.push('give recently-claimed and unclaimed new versions and expiry, and sign them with the new keys');
  }
  if (compromised.includes('claimed') && anyOnline)
    onlineSteps.push(
      'compare the project targets delegated by claimed with the last known good consistent snapshot; restore what changed since',
    );
  onlineSteps.push(
    'import the bundle and publish every new version (all N.root.json stay published), then ' +
      'issue a new snapshot and timestamp listing them (a new timestamped consistent snapshot)',
  );
  onlineSteps.push('publish a security bulletin saying which keys were replaced and why (PEP 480 recommends it)');
  return { compromised, replaced, missingKeys, offlineSteps, onlineSteps };
}

export function renderRecoveryPlan(plan: RecoveryPlan): string {
  const lines = [
    `Recovery from a compromise of ${plan.compromised.join(', ')} (PEP 480, "In the Event of a Key Compromise")`,
    '',
    'Keys replaced (every key of each role: a threshold is in other hands):',
  ];
  for (const r of plan.replaced) {
    lines.push(
      `  ${r.role} (listed in ${r.changedIn}): ${r.threshold} of ${r.keyids.length} keys, held ` +
        `by ${r.holders.join(', ')}; new keys from the ` +
        `${r.newKeysFrom}${r.newKeys.length ? `: ${r.newKeys.length} given` : ': NONE GIVEN YET'}`,
    );
  }
  lines.push('', 'Offline, at the ceremony:');
  plan.offlineSteps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  lines.push('', 'Left to the online service, in order:');
  plan.onlineSteps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  return lines.join('\n');
}

export interface RecoverOptions {
  compromised: CompromisedRole[];
  newKeys: Map<string, Key[]>;
  thresholds: Map<string, number>;
  at: Date;
}

/** The plan, and with every new key given, the recovery signing event. */
export function prepareRecovery(
  repo: Repository,
  eventDir: string | undefined,
  options: RecoverOptions,
): { plan: RecoveryPlan; result?: KeyChangeEventResult } {
  const current = loadCurrentRoles(repo);
  const plan = planRecovery(current, options.compromised, options.newKeys);
  for (const role of options.thresholds.keys())
    if (!plan.replaced.some((r) => r.role === role))
      throw new UsageError(`--threshold ${role}=…: ${role}'s keys are not replaced in this recovery`);
  if (eventDir === undefined) return { plan };
  if (plan.missingKeys.length)
    throw new UsageError(
      `new keys are needed for ${plan.missingKeys.join(', ')}: give --new-key <role>=<key file> for each (run without --event to see the plan)`,
    );
  const changes: KeyChange[] = plan.replaced.map((r) => ({
    role: r.role,
    remove: r.keyids,
    add: r.newKeys,
    threshold: options.thresholds.get(r.role),
  }));
  const result = createKeyChangeEvent(repo, eventDir, {
    kind: RECOVER_KIND,
    description: `Recover from a compromise of ${plan.compromised.join(', ')}: replace every key of ${plan.replaced.map((r) => r.role).join(', ')} (PEP 480)`,
    changes,
    at: options.at,
    compromised: true,
    details: { compromised: plan.compromised, recovery_online_steps: plan.onlineSteps },
    current,
  });
  return { plan, result };
}
