/**
 * `init`: the bootstrap ceremony. From a reviewed plan, generate (or import) each admin's keys,
 * then write root v1, targets v1 and an empty claimed v1 as one signing event (PEP 480: targets
 * delegates to claimed, recently-claimed and unclaimed, in that order). Nothing is signed here:
 * the admins sign the event with `event sign`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RefusedError } from '../../tuf/model/errors.js';
import type { Key } from '../../tuf/model/key.js';
import { Metadata, Root, Targets } from '../../tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role } from '../../tuf/model/roles.js';
import { addSeconds } from '../../tuf/model/time.js';
import type { SigningEvent } from '../events/event.js';
import { createRecordedEvent } from '../state/event-journal.js';
import { OWNER_FIELD } from '../state/holders.js';
import {
  checkDistinctKeys,
  holdersOf,
  loadPlan,
  OFFLINE_ROLES,
  signOnlyRoles,
  topLevelDelegationPaths,
  type CeremonyPlan,
  type LoadedPlan,
  type OfflineRole,
  type OnlineRole,
} from '../state/plan.js';
import { Repository } from '../state/repository.js';
import type { CeremonyPrompter } from '../events/prompts.js';
import { beyondSigning, type GeneratedKey, type SignerProvider } from '../signers/signer-provider.js';
import { appendTranscript, type TranscriptToken } from '../state/transcript.js';

export const BOOTSTRAP_EVENT_DIR = 'events/bootstrap';

export interface BootstrapMetadata {
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  claimed: Metadata<Targets>;
}

/** `${admin}/${role}` → the admin's key for the role, owner field set. */
export type AdminKeys = Map<string, Key>;

function keysOf(plan: CeremonyPlan, adminKeys: AdminKeys, role: OfflineRole): Key[] {
  return holdersOf(plan, role).map((a) => adminKeys.get(`${a.name}/${role}`)!);
}

function keyTable(keys: Key[]): Map<string, Key> {
  return new Map(keys.map((k) => [k.keyid, k]));
}

/** Root v1, targets v1 and claimed v1, unsigned, from the plan and the keys. */
export function buildBootstrapMetadata(
  plan: CeremonyPlan,
  adminKeys: AdminKeys,
  onlineKeys: Record<OnlineRole, Key>,
  now: Date,
): BootstrapMetadata {
  const rootKeys = keysOf(plan, adminKeys, 'root');
  const targetsKeys = keysOf(plan, adminKeys, 'targets');
  const claimedKeys = keysOf(plan, adminKeys, 'claimed');
  const ids = (keys: Key[]) => keys.map((k) => k.keyid);
  const expires = (role: OfflineRole) => addSeconds(now, plan.roles[role].expiresSeconds);

  const root = new Metadata(
    new Root({
      version: 1,
      expires: expires('root'),
      consistentSnapshot: true,
      keys: keyTable([...rootKeys, ...targetsKeys, onlineKeys.snapshot, onlineKeys.timestamp]),
      roles: {
        root: new Role(ids(rootKeys), plan.roles.root.threshold),
        targets: new Role(ids(targetsKeys), plan.roles.targets.threshold),
        snapshot: new Role([onlineKeys.snapshot.keyid], 1),
        timestamp: new Role([onlineKeys.timestamp.keyid], 1),
      },
    }),
  );

  // PEP 480: claimed first, then recently-claimed, then unclaimed. None terminating at this level,
  // so a project not (yet) in claimed falls through to the online roles; the project delegations
  // inside claimed are terminating (PEP 480). Paths: every project's paths.
  const paths = topLevelDelegationPaths(plan);
  const rc = onlineKeys['recently-claimed'];
  const uc = onlineKeys.unclaimed;
  const targets = new Metadata(
    new Targets({
      version: 1,
      expires: expires('targets'),
      delegations: new Delegations(
        keyTable([...claimedKeys, rc, uc]),
        [
          new DelegatedRole('claimed', ids(claimedKeys), plan.roles.claimed.threshold, false, [...paths], undefined),
          new DelegatedRole('recently-claimed', [rc.keyid], 1, false, [...paths], undefined),
          new DelegatedRole('unclaimed', [uc.keyid], 1, false, [...paths], undefined),
        ],
        undefined,
      ),
    }),
  );

  // Claimed v1 delegates no project yet, flat or sharded: intake adds the bins as they fill
  // (claimed-build.ts). Never TAP 15 succinct_roles here: succinct bins are terminating, which
  // would stop every client search in claimed (docs/decisions/0003-claimed-sharding.md).
  const claimed = new Metadata(new Targets({ version: 1, expires: expires('claimed') }));
  return { root, targets, claimed };
}

/** A generated key kept although the token reported an attribute the profile accepts for its module. */
export interface AcceptedDeviation {
  holder: string;
  purpose: OfflineRole;
  keyid: string;
  serial: string;
  /** The profile's module name, and its library. */
  module: string;
  library: string;
  /** As the profile's "accept" writes them: "CKA_LOCAL=false". */
  accepted: string[];
}

export interface InitOptions {
  planPath: string;
  repoDir: string;
  /** Where the bootstrap signing event goes; default `<repo>/events/bootstrap`. */
  eventDir?: string;
  provider: SignerProvider;
  /** At a terminal: "insert the token of admin-b" waits for Enter. */
  prompter?: CeremonyPrompter;
  now?: Date;
  log: (text: string) => void;
}

export interface InitResult {
  repo: Repository;
  event: SigningEvent;
  plan: LoadedPlan;
  adminKeys: AdminKeys;
  warnings: string[];
}

function refuseExisting(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new RefusedError(`${what} ${dir} exists and is not empty; init never overwrites`, 'E_EXISTS');
}

export async function initRepository(o: InitOptions): Promise<InitResult> {
  const now = o.now ?? new Date();
  // The whole plan and every key file are checked before any token is touched (boulder's rule).
  const loaded = loadPlan(o.planPath);
  const { plan } = loaded;
  const repoDir = resolve(o.repoDir);
  const eventDir = resolve(o.eventDir ?? join(repoDir, BOOTSTRAP_EVENT_DIR));
  refuseExisting(repoDir, 'the repository folder');
  if (existsSync(eventDir)) throw new RefusedError(`the event folder ${eventDir} exists already`, 'E_EXISTS');
  for (const w of loaded.warnings) o.log(`warning: ${w}`);

  const adminKeys: AdminKeys = new Map(loaded.importedKeys);
  const tokens = new Map<string, TranscriptToken>();
  const accepted: AcceptedDeviation[] = [];
  const signOnly = signOnlyRoles(plan);
  for (const admin of plan.admins) {
    const wanted = OFFLINE_ROLES.flatMap((purpose) => {
      const spec = admin.keys[purpose];
      return spec?.source === 'generate' ? [{ purpose, type: spec.type }] : [];
    });
    if (wanted.length === 0) continue;
    const msg = `Insert the token of ${admin.name} (${admin.contact}); ${wanted.map((w) => `${w.purpose} (${w.type})`).join(', ')} key(s) will be generated on it.`;
    if (o.prompter) await o.prompter.waitForEnter(msg);
    else o.log(msg);
    let generated: GeneratedKey[];
    if (o.provider.generateKeys) generated = await o.provider.generateKeys(admin.name, wanted);
    else {
      generated = [];
      for (const w of wanted) generated.push(await o.provider.generate(admin.name, w.purpose, w.type));
    }
    generated.forEach((g, i) => {
      const purpose = wanted[i]!.purpose;
      const extra = beyondSigning(g.capabilities ?? []);
      if (extra.length && signOnly.includes(purpose)) {
        throw new RefusedError(
          `${admin.name}'s new ${purpose} key "${g.label ?? ''}" (token serial ${g.serial}) can also ${extra.join(', ')}, not only sign; the plan requires sign-only ${purpose} keys (roles.${purpose}.sign_only)`,
          'E_KEY_NOT_SIGN_ONLY',
        );
      }
      const key =
        g.key.unrecognized[OWNER_FIELD] === admin.name ? g.key : g.key.withCustomFields({ [OWNER_FIELD]: admin.name });
      adminKeys.set(`${admin.name}/${purpose}`, key);
      // One entry per token: an admin's keys may be on several tokens (docs/formats/token-profile.md).
      const where = JSON.stringify([admin.name, g.serial]);
      const t = tokens.get(where) ?? { holder: admin.name, serial: g.serial, keyids: [] };
      t.keyids.push(key.keyid);
      tokens.set(where, t);
      o.log(`  ${admin.name} ${purpose}: keyid ${key.keyid}`);
      if (g.accepted?.length) {
        const module = g.module ?? { name: '', path: '' };
        accepted.push({
          holder: admin.name,
          purpose,
          keyid: key.keyid,
          serial: g.serial,
          module: module.name,
          library: module.path,
          accepted: g.accepted,
        });
        o.log(
          `  note: the token reported ${g.accepted.join(', ')} for ${admin.name}'s ${purpose} key; kept because the profile accepts it for module "${module.name}" (${module.path})`,
        );
      }
    });
  }
  // No key twice, across admins and roles (issue 4 guard rail), now that generated keys are known.
  checkDistinctKeys(loaded.onlineKeys, adminKeys);

  const md = buildBootstrapMetadata(plan, adminKeys, loaded.onlineKeys, now);
  const repo = Repository.create(repoDir, loaded.bytes);
  appendTranscript(repo.dir, {
    step: 'init',
    inputs: {
      'plan.json': loaded.sha256,
      // A keyid is the SHA-256 of the canonical key object (TUF specification 1.0.x section 4.2).
      ...Object.fromEntries(Object.entries(loaded.onlineKeys).map(([role, k]) => [`online key ${role}`, k.keyid])),
    },
    outputs: Object.fromEntries([...adminKeys].map(([where, k]) => [`public key ${where}`, k.keyid])),
    tokens: [...tokens.values()],
    details: {
      repository: plan.repository,
      warnings: loaded.warnings,
      // Deviations from the required key attributes that the profile accepted, with the module
      // (docs/formats/token-profile.md, "accept"; docs/formats/transcript.md).
      ...(accepted.length ? { accepted_deviations: accepted } : {}),
    },
  });
  // The event and its record are one unit (event-journal.ts): a cut between them is finished
  // or undone when the repository is next opened.
  const init = {
    kind: 'bootstrap',
    description: `Bootstrap of ${plan.repository}: root v1 (${plan.roles.root.threshold} of ${holdersOf(plan, 'root').length}), targets v1 delegating to claimed, recently-claimed and unclaimed, and an empty claimed v1`,
    repository: plan.repository,
    roles: [
      { role: 'root', metadata: md.root },
      { role: 'targets', metadata: md.targets },
      { role: 'claimed', metadata: md.claimed, delegatedBy: 'targets' },
    ],
    created: now,
  };
  const event = createRecordedEvent(repo, eventDir, init, (e) => ({
    step: 'event-create',
    inputs: { 'plan.json': loaded.sha256 },
    outputs: {
      'event.json': e.id,
      ...Object.fromEntries(e.roles().map((r) => [`${r.file} payload`, r.payloadSha256])),
    },
    details: { event: e.dir, kind: e.kind },
  }));
  return { repo, event, plan: loaded, adminKeys, warnings: loaded.warnings };
}
