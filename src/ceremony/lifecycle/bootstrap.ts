/**
 * `init`: the bootstrap ceremony. From a reviewed plan, generate (or import) each admin's keys,
 * then write root v1, targets v1 and an empty claimed v1 as one signing event (PEP 480: targets
 * delegates to claimed, recently-claimed and unclaimed, in that order). Nothing is signed here:
 * the admins sign the event with `event sign`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DelegatedRole,
  Delegations,
  type Key,
  Metadata,
  Role,
  Root,
  sha256Hex,
  Targets,
} from '../../tuf/model/index.js';
import { addSeconds, InterruptedError, RefusedError, UsageError } from '../../tuf/base/index.js';
import { SigningEvent } from '../events/event.js';
import { createRecordedEvent } from '../events/event-create.js';
import { OWNER_FIELD } from '../state/holders.js';
import {
  checkDistinctKeys,
  holdersOf,
  loadPlan,
  OFFLINE_ROLES,
  signOnlyRoles,
  topLevelDelegationPaths,
  type CeremonyPlan,
  type KeyType,
  type LoadedPlan,
  type OfflineRole,
  type OnlineRole,
} from '../state/plan.js';
import { Repository } from '../state/repository.js';
import type { CeremonyPrompter } from '../signers/prompts.js';
import { beyondSigning, type GeneratedKey, type SignerProvider } from '../signers/signer-provider.js';
import { waitForToken } from '../signers/token-wait.js';
import { INIT_JOURNAL_FILE, InitJournal, type MadeKey } from '../state/init-journal.js';
import { appendTranscript, readTranscript, type TranscriptToken } from '../state/transcript.js';

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
  /** At a terminal: "insert the token of admin-b" waits until it is there. */
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

type Wanted = { purpose: OfflineRole; type: KeyType };

/** The key with its holder in the owner field (the keyid covers it). */
function owned(key: Key, holder: string): Key {
  return key.unrecognized[OWNER_FIELD] === holder ? key : key.withCustomFields({ [OWNER_FIELD]: holder });
}

/**
 * A key an interrupted run made, read back from the token without a PIN: taken up only when the
 * token's serial, the key's CKA_ID and its public key are those recorded. A key that only has the
 * planned label is someone else's, and never adopted.
 */
async function takeUp(o: InitOptions, holder: string, purpose: OfflineRole, rec: MadeKey): Promise<Key> {
  if (!o.provider.readBack)
    throw new UsageError(
      `${holder}'s ${purpose} key was made by an interrupted init with keys that are not on a token, and is gone; start again in a new repository folder`,
    );
  const back = await o.provider.readBack(holder, purpose);
  const key = owned(back.key, holder);
  const found = `keyid ${key.keyid}, CKA_ID ${back.id ?? '(none)'}, token serial ${back.serial}`;
  const recorded = `keyid ${rec.key.keyid}, CKA_ID ${rec.id}, token serial ${rec.serial}`;
  if (key.keyid !== rec.key.keyid || back.id !== rec.id || back.serial !== rec.serial)
    throw new RefusedError(
      `the key labelled "${back.label ?? rec.label}" (${found}) is not the ${purpose} key this ` +
        `init made for ${holder} (${recorded}); it is never taken up: insert the token this init ` +
        'used, or start again in a new repository folder',
      'E_JOURNAL_CONFLICT',
    );
  return rec.key;
}

/** One admin's turn: their token, then each planned key taken up (made before) or generated. */
async function adminTurn(
  o: InitOptions,
  journal: InitJournal,
  admin: CeremonyPlan['admins'][number],
  wanted: Wanted[],
  signOnly: readonly OfflineRole[],
): Promise<Array<{ purpose: OfflineRole; made: MadeKey }>> {
  const before = wanted.filter((w) => journal.entry(admin.name, w.purpose)?.made);
  const todo = wanted.filter((w) => !journal.entry(admin.name, w.purpose)?.made);
  const says = [
    todo.length ? `${todo.map((w) => `${w.purpose} (${w.type})`).join(', ')} key(s) will be generated on it` : '',
    before.length ? `${before.map((w) => w.purpose).join(', ')} key(s) made before will be read back` : '',
  ];
  o.log(`Insert the token of ${admin.name} (${admin.contact}); ${says.filter(Boolean).join('; ')}.`);
  await waitForToken({
    provider: o.provider,
    holder: admin.name,
    purposes: wanted.map((w) => w.purpose),
    prompter: o.prompter,
    log: o.log,
  });
  const out: Array<{ purpose: OfflineRole; made: MadeKey }> = [];
  for (const w of before) {
    const rec = journal.entry(admin.name, w.purpose)!.made!;
    await takeUp(o, admin.name, w.purpose, rec);
    o.log(`  ${admin.name} ${w.purpose}: keyid ${rec.key.keyid} (made by the interrupted run; read back and matched)`);
    out.push({ purpose: w.purpose, made: rec });
  }
  // Each key's CKA_ID is recorded before it is generated, so that a cut run is told apart on the token.
  const attempts = todo.map((w) => journal.intend(admin.name, w.purpose));
  const record = (i: number, g: GeneratedKey): void => {
    const purpose = todo[i]!.purpose;
    const extra = beyondSigning(g.capabilities ?? []);
    if (extra.length && signOnly.includes(purpose)) {
      throw new RefusedError(
        `${admin.name}'s new ${purpose} key "${g.label ?? ''}" (token serial ${g.serial}) can ` +
          `also ${extra.join(', ')}, not only sign; the plan requires sign-only ${purpose} keys ` +
          `(roles.${purpose}.sign_only)`,
        'E_KEY_NOT_SIGN_ONLY',
      );
    }
    const made: MadeKey = {
      key: owned(g.key, admin.name),
      serial: g.serial,
      label: g.label ?? '',
      id: attempts[i]!.id,
      ...(g.module ? { module: g.module } : {}),
      ...(g.accepted?.length ? { accepted: g.accepted } : {}),
      ...(g.capabilities ? { capabilities: g.capabilities } : {}),
    };
    journal.made(admin.name, purpose, made);
    o.log(`  ${admin.name} ${purpose}: keyid ${made.key.keyid}`);
    if (attempts[i]!.leftover)
      o.log(`    (the interrupted run had begun this key and not finished it; it was made again)`);
    if (made.accepted)
      o.log(
        `  note: the token reported ${made.accepted.join(', ')} for ${admin.name}'s ${purpose} ` +
          `key; kept because the profile accepts it for module "${made.module?.name ?? ''}" ` +
          `(${made.module?.path ?? ''})`,
      );
    out.push({ purpose, made });
  };
  const asked = todo.map((w, i) => ({ ...w, attempt: attempts[i]! }));
  if (o.provider.generateKeys) await o.provider.generateKeys(admin.name, asked, record);
  else
    for (const [i, w] of asked.entries())
      record(i, await o.provider.generate(admin.name, w.purpose, w.type, w.attempt));
  return out;
}

/** Whose keys are made and recorded so far, for the line a person reads when init stops. */
function madeSoFar(journal: InitJournal, plan: CeremonyPlan): string {
  const who = plan.admins.flatMap((a) => {
    const made = OFFLINE_ROLES.filter((p) => journal.entry(a.name, p)?.made);
    return made.length ? [`${a.name} (${made.join(', ')})`] : [];
  });
  return who.length ? `keys made and recorded so far: ${who.join(', ')}` : 'no key was made yet';
}

export async function initRepository(o: InitOptions): Promise<InitResult> {
  const now = o.now ?? new Date();
  // The whole plan and every key file are checked before any token is touched (boulder's rule).
  const loaded = loadPlan(o.planPath);
  const { plan } = loaded;
  const repoDir = resolve(o.repoDir);
  const eventDir = resolve(o.eventDir ?? join(repoDir, BOOTSTRAP_EVENT_DIR));
  // A folder holding only the journal of an init of this plan is that init, going on.
  const journal = InitJournal.open(repoDir, loaded.sha256);
  if (!journal.resumed && existsSync(eventDir))
    throw new RefusedError(`the event folder ${eventDir} exists already`, 'E_EXISTS');
  if (journal.resumed)
    o.log(
      `${repoDir}: an init of this plan stopped before it was done (${madeSoFar(journal, plan)}); going on where it stopped`,
    );
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
    let keys: Array<{ purpose: OfflineRole; made: MadeKey }>;
    try {
      keys = await adminTurn(o, journal, admin, wanted, signOnly);
    } catch (e) {
      const next = `${madeSoFar(journal, plan)}; run the same init again to go on: it takes them up`;
      if (e instanceof InterruptedError)
        throw new InterruptedError(`interrupted (Ctrl-C) at ${admin.name}'s turn; ${next}`, { cause: e });
      o.log(`init stopped at ${admin.name}'s turn; ${next}`);
      throw e;
    }
    for (const { purpose, made } of keys) {
      adminKeys.set(`${admin.name}/${purpose}`, made.key);
      // One entry per token: an admin's keys may be on several tokens (docs/formats/token-profile.md).
      const where = JSON.stringify([admin.name, made.serial]);
      const t = tokens.get(where) ?? { holder: admin.name, serial: made.serial, keyids: [] };
      t.keyids.push(made.key.keyid);
      tokens.set(where, t);
      if (made.accepted)
        accepted.push({
          holder: admin.name,
          purpose,
          keyid: made.key.keyid,
          serial: made.serial,
          module: made.module?.name ?? '',
          library: made.module?.path ?? '',
          accepted: made.accepted,
        });
    }
  }
  // No key twice, across admins and roles (issue 4 guard rail), now that generated keys are known.
  checkDistinctKeys(loaded.onlineKeys, adminKeys);

  const md = buildBootstrapMetadata(plan, adminKeys, loaded.onlineKeys, now);
  // Each step below is done once: a rerun after a cut here finds what was done and goes on.
  const repo = journal.repositoryMade(repoDir)
    ? Repository.open(repoDir, o.log)
    : Repository.create(repoDir, loaded.bytes, [INIT_JOURNAL_FILE]);
  if (sha256Hex(readFileSync(repo.planPath)) !== loaded.sha256)
    throw new RefusedError(`${repo.planPath} is not the plan ${o.planPath}`, 'E_JOURNAL_CONFLICT');
  const records = existsSync(repo.transcriptPath) ? readTranscript(repo.transcriptPath) : [];
  if (!records.some((r) => r.step === 'init'))
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
    description:
      `Bootstrap of ${plan.repository}: root v1 (${plan.roles.root.threshold} of ` +
      `${holdersOf(plan, 'root').length}), targets v1 delegating to claimed, recently-claimed ` +
      'and unclaimed, and an empty claimed v1',
    repository: plan.repository,
    roles: [
      { role: 'root', metadata: md.root },
      { role: 'targets', metadata: md.targets },
      { role: 'claimed', metadata: md.claimed, delegatedBy: 'targets' },
    ],
    created: now,
  };
  const recorded = records.some((r) => r.step === 'event-create' && r.details?.['event'] === eventDir);
  if (existsSync(eventDir) && !recorded)
    throw new RefusedError(`the event folder ${eventDir} exists already and is not this init's`, 'E_EXISTS');
  const event = recorded
    ? SigningEvent.load(eventDir)
    : createRecordedEvent(repo, eventDir, init, (e) => ({
        step: 'event-create',
        inputs: { 'plan.json': loaded.sha256 },
        outputs: {
          'event.json': e.id,
          ...Object.fromEntries(e.roles().map((r) => [`${r.file} payload`, r.payloadSha256])),
        },
        details: { event: e.dir, kind: e.kind },
      }));
  journal.remove();
  return { repo, event, plan: loaded, adminKeys, warnings: loaded.warnings };
}
