/**
 * The rehearsal: the whole mission on fresh SoftHSM2 tokens, non-interactively, in one new folder.
 *
 *  1. three admins' tokens (PINs in files), fresh online keys, the plan and profile copied;
 *  2. bootstrap: init, then root, targets and claimed v1 signed by admin-a and admin-b in turn at
 *     one machine ("insert the token of admin-b"), finalized;
 *  3. developers' delegation requests (one of them bad), intake into a claimed v2 signing event;
 *  4. claimed v2 signed by admin-b and admin-c at separate "machines" (copies of the event
 *     folder), merged, finalized;
 *  5. a bundle exported to a "medium" and verified as the online side would;
 *  6. a re-sign ceremony walked through the shipped runbook (ceremony-scripts/runbooks/resign.json)
 *     as `ceremony run` walks it, the room played by the rehearsal: the plan's ceremony
 *     administrator and witness confirm each step, each admin confirms the event digest;
 *  7. the repository verified from root v1 as a client would, and the transcript checked;
 *  8. the end of the chain (rehearsal-online.ts): the reference online side takes in the bundle
 *     and publishes, a developer signs a release with `dev sign`, the online side publishes it,
 *     and a client on 127.0.0.1 downloads it and checks it with `verify-download`.
 *
 * Everything it writes stays inside the output folder. SOFTHSM2_CONF points at the folder's
 * tokens while it runs and is restored afterwards.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FolderSource, verifyBundle } from '../../bundle/index.js';
import { createEncryptedKeyFile, createTestTokens, Ed25519Signer, loadProfile, pinSource } from '../../keys/index.js';
import { serializeJson } from '../../tuf/json/index.js';
import { DelegatedRole, Delegations, Metadata, normalizeProjectName, Targets } from '../../tuf/model/index.js';
import { addSeconds, formatExpires, RefusedError } from '../../tuf/base/index.js';
import { firstProblem, type RepositoryReport, verifyRepository } from '../../tuf/verify/index.js';
import { initRepository } from './bootstrap.js';
import { finalizeEvent } from '../events/event-finalize.js';
import { mergeEvents } from '../events/event-merge.js';
import { signEvent } from '../events/event-sign.js';
import { renderSummary, summarizeEvent } from '../events/event-summary.js';
import { SigningEvent } from '../events/event.js';
import { claimFromRequests } from '../claims/intake-claim.js';
import { ONLINE_ROLES, projectPathsFor } from '../state/plan.js';
import { exportRepository } from '../state/repository-export.js';
import { createRequest, encodeRequest } from '../claims/requests-format.js';
import { TokenProvider } from '../signers/token-provider.js';
import { readTranscript, TRANSCRIPT_FILE, verifyTranscript, type TranscriptCheck } from '../state/transcript.js';
import { CeremonyRun, runPeople, type RunPeople } from './ceremony-run.js';
import { loadRunbook } from './runbook.js';
import { rehearseOnlineSide, type OnlineRehearsal } from './rehearsal-online.js';

export const REHEARSAL_ADMINS = ['admin-a', 'admin-b', 'admin-c'] as const;

export interface RehearsalOptions {
  out: string;
  /** The reviewed plan and the SoftHSM profile (ceremony-scripts/rehearsal-*.json). */
  planPath: string;
  profilePath: string;
  toolVersion: string;
  /** The narrative, step by step, for people. */
  log: (text: string) => void;
  /** The runbook walked in step 6, and how a step of it, or of step 8, runs (`tuf-ceremony <argv>`, its exit code). */
  runbook: { path: string; execute: (argv: string[]) => Promise<number> };
}

export interface RehearsalStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface RehearsalResult {
  out: string;
  repo: string;
  steps: RehearsalStep[];
  bundle?: { dir: string; manifestSha256: string; sequence: number };
  verify: RepositoryReport;
  transcript: TranscriptCheck;
  /** The end of the chain: the online side's repository and the client's download. */
  online: OnlineRehearsal;
  ok: boolean;
}

/**
 * Key files made for this rehearsal only (online keys, a developer's key) use the lowest scrypt
 * cost the reader accepts, so that the README's first command stays quick; real ones use the default.
 */
const REHEARSAL_SCRYPT = { scrypt: { n: 2 ** 14, r: 8, p: 1 } };

/** The re-sign runbook's values in a rehearsal: every offline role is renewed (root's period is a year). */
const RESIGN_WITHIN = '400d';

/**
 * Step 6: the re-sign runbook run as `ceremony run` runs it, with the room played here: the plan's
 * ceremony administrator and witness confirm each step, and each admin confirms the event digest
 * (with nobody at a terminal, as a script passes it to event sign).
 */
async function walkRunbook(
  o: RehearsalOptions,
  w: { repoDir: string; profilePath: string; event: string; medium: string; people: RunPeople },
): Promise<{ ok: boolean; detail: string; bundle?: string }> {
  const runbook = loadRunbook(o.runbook.path);
  const administrator = w.people.administrators[0] ?? 'the ceremony administrator';
  const witness = w.people.witnesses[0] ?? 'a witness';
  const { run, resumed } = CeremonyRun.open({
    repoDir: w.repoDir,
    runbook,
    given: {
      within: RESIGN_WITHIN,
      event: w.event,
      profile: w.profilePath,
      signer1: 'admin-a',
      signer2: 'admin-b',
      medium: w.medium,
    },
    hooks: {
      say: (text) => o.log(text),
      ask: (question) => Promise.resolve(question.startsWith('Witness') ? witness : administrator),
      execute: (argv) =>
        o.runbook.execute(
          argv[0] === 'event' && argv[1] === 'sign' ? [...argv, '--confirm', SigningEvent.load(argv[2]!).digest] : argv,
        ),
    },
  });
  const result = await run.run(resumed);
  const exported = readTranscript(join(w.repoDir, TRANSCRIPT_FILE)).findLast((r) => r.step === 'bundle-export');
  const bundle = typeof exported?.details?.['bundle'] === 'string' ? exported.details['bundle'] : undefined;
  const steps = result.state.steps;
  const detail =
    result.exitCode === 0
      ? `${runbook.title} (${o.runbook.path}): ${steps.length} steps, each confirmed by ${administrator} ` +
        `(ceremony administrator) and ${witness} (witness); the printable record is ${result.state.parameters['record']}.`
      : `${runbook.title}: stopped at step ${result.stopped?.id} (${result.stopped?.status}, exit code ${result.exitCode})`;
  return { ok: result.exitCode === 0, detail, ...(bundle ? { bundle } : {}) };
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

export async function runRehearsal(o: RehearsalOptions): Promise<RehearsalResult> {
  const out = resolve(o.out);
  if (existsSync(out))
    throw new RefusedError(`${o.out} exists already; the rehearsal always writes a new folder`, 'E_EXISTS');
  mkdirSync(out, { recursive: true });
  const steps: RehearsalStep[] = [];
  const say = (step: string, detail: string): void => {
    steps.push({ step, ok: true, detail });
    o.log(`\n== ${step}\n${detail}`);
  };
  const previousConf = process.env['SOFTHSM2_CONF'];
  try {
    // 1. Tokens, online keys, plan and profile: all inside the output folder.
    const tokens = createTestTokens(
      join(out, 'softhsm'),
      REHEARSAL_ADMINS.map((label) => ({
        label,
        soPin: randomBytes(8).toString('hex'),
        userPin: randomBytes(8).toString('hex'),
      })),
    );
    process.env['SOFTHSM2_CONF'] = tokens.conf;
    mkdirSync(join(out, 'online-keys', 'private'), { recursive: true });
    const online = new Map<string, Ed25519Signer>();
    const onlinePassphrase = join(out, 'online-keys', 'private', 'passphrase');
    const secret = `rehearsal ${randomBytes(16).toString('hex')}`;
    writeSecret(onlinePassphrase, `${secret}\n`);
    const onlineKeyFiles: string[] = [];
    for (const role of ONLINE_ROLES) {
      const file = join(out, 'online-keys', 'private', `${role}.key.json`);
      const signer = createEncryptedKeyFile(file, secret, {}, REHEARSAL_SCRYPT);
      online.set(role, signer);
      onlineKeyFiles.push(file);
      writeFileSync(join(out, 'online-keys', `${role}.pub.json`), serializeJson(signer.key.toJSON()), { flag: 'wx' });
    }
    const planPath = join(out, 'rehearsal-plan.json');
    const profilePath = join(out, 'rehearsal-profile.json');
    copyFileSync(o.planPath, planPath);
    copyFileSync(o.profilePath, profilePath);
    say(
      'Tokens and keys',
      'SoftHSM tokens ' +
        `${tokens.tokens.map((t) => `${t.label} (serial ${t.serial})`).join(', ')} in ` +
        `${join(out, 'softhsm')}; PINs in ${join(out, 'softhsm', 'pins')}.\n` +
        `Fresh online public keys in ${join(out, 'online-keys')} (the online service's key files in online-keys/private, for this rehearsal only).`,
    );

    // 2. Bootstrap.
    const provider = new TokenProvider(loadProfile(profilePath), pinSource({}));
    const repoDir = join(out, 'repo');
    const eventsDir = join(out, 'events');
    mkdirSync(eventsDir);
    const init = await initRepository({
      planPath,
      repoDir,
      eventDir: join(eventsDir, '1-bootstrap'),
      provider,
      log: (t) => o.log(`  ${t}`),
    });
    const { repo } = init;
    say(
      'Bootstrap: init',
      `Admin keys generated on the tokens; repository state in ${repoDir}; bootstrap event in ` +
        `${init.event.dir}.\n\n${renderSummary(summarizeEvent(init.event))}`,
    );
    const digests = (e: SigningEvent) => e.roles().map((r) => r.payloadSha256);
    const bootSign = await signEvent({
      event: init.event,
      holders: ['admin-a', 'admin-b'],
      provider,
      confirm: digests(init.event),
      log: (t) => o.log(`  ${t}`),
      repo,
    });
    say(
      'Bootstrap: signing at one machine',
      'admin-a and admin-b confirmed the payload digests and signed in turn ' +
        `(${bootSign.signed.length} signatures, each verified at once); every threshold met: ` +
        `${bootSign.status.complete}.`,
    );
    const boot = finalizeEvent(repo, init.event);
    say(
      'Bootstrap: finalize',
      `Verified as a client would, then written: ${boot.written.map((w) => `${w.role} v${w.version}`).join(', ')}.`,
    );

    // 3. Developer requests and intake into claimed v2.
    const requestsDir = join(out, 'requests');
    mkdirSync(requestsDir);
    const now = new Date();
    // The developer of example-project keeps a key file: they sign a release in step 8.
    mkdirSync(join(out, 'developer-keys'));
    const developerKeyFile = join(out, 'developer-keys', 'example-project.key.json');
    const developerPassphrase = join(out, 'developer-keys', 'passphrase');
    const developerSecret = `developer ${randomBytes(16).toString('hex')}`;
    writeSecret(developerPassphrase, `${developerSecret}\n`);
    const developers = [
      {
        project: 'example-project',
        signer: createEncryptedKeyFile(developerKeyFile, developerSecret, {}, REHEARSAL_SCRYPT),
      },
      { project: 'Another_Project', signer: Ed25519Signer.generate('developer of another-project') },
    ];
    for (const d of developers) {
      const req = await createRequest({
        project: d.project,
        signers: [d.signer],
        threshold: 1,
        contact: `maintainer@${d.project.toLowerCase()}.example`,
        created: now,
        expires: addSeconds(now, 30 * 86400),
      });
      writeFileSync(join(requestsDir, `${d.project.toLowerCase()}.json`), encodeRequest(req), { flag: 'wx' });
    }
    // A request whose proof of possession was made by another key: intake must reject it, alone.
    const forged = await createRequest({
      project: 'forged-project',
      signers: [Ed25519Signer.generate()],
      threshold: 1,
      contact: 'x@example.org',
      created: now,
      expires: addSeconds(now, 30 * 86400),
    });
    const forgedSigned = forged['signed'] as Record<string, unknown>;
    forgedSigned['keys'] = [Ed25519Signer.generate().key.toJSON()];
    writeFileSync(join(requestsDir, 'forged-project.json'), encodeRequest(forged), { flag: 'wx' });
    // The rehearsal plays the online service too: recently-claimed lists the projects registered
    // at upload, signed with the online key targets delegates recently-claimed to.
    const plan = repo.plan();
    const rcKeys = new Map(developers.map((d) => [d.signer.key.keyid, d.signer.key]));
    const rcRoles = developers.map((d) => {
      const name = normalizeProjectName(d.project);
      return new DelegatedRole(name, [d.signer.key.keyid], 1, true, projectPathsFor(plan, name), undefined);
    });
    const recentlyClaimed = new Metadata(
      new Targets({
        version: 1,
        expires: addSeconds(now, 86400),
        delegations: new Delegations(rcKeys, rcRoles, undefined),
      }),
    );
    await recentlyClaimed.sign(online.get('recently-claimed')!, 'append');
    mkdirSync(join(out, 'online'));
    const rcPath = join(out, 'online', '1.recently-claimed.json');
    writeFileSync(rcPath, recentlyClaimed.toBytes(), { flag: 'wx' });
    const claimEventDir = join(eventsDir, '2-claim');
    const claim = claimFromRequests(repo, {
      requestsDir,
      recentlyClaimedPath: rcPath,
      allowRekey: false,
      at: now,
      eventDir: claimEventDir,
    });
    const intake = claim.intake;
    const outcomes = intake.decisions.files
      .map(
        (f) =>
          `  ${f.file}: ${f.decision}${f.project ? ` ${f.project}` : ''}${f.reason ? ` (${f.reason}: ${f.message ?? ''})` : ''}`,
      )
      .join('\n');
    if (!claim.event) throw new RefusedError('the rehearsal intake proposed nothing to sign', 'E_REHEARSAL');
    const claimEvent = claim.event;
    say(
      'Developer requests and intake',
      `${developers.length + 1} request files in ${requestsDir}, checked against the online ` +
        `service's recently-claimed list ${rcPath}:\n${outcomes}\nClaimed signing event: ` +
        `${claimEvent.dir}\n\n${renderSummary(summarizeEvent(claimEvent))}`,
    );

    // 4. Two admins sign copies of the event at separate machines; the copies are merged back.
    const copies: string[] = [];
    for (const holder of ['admin-b', 'admin-c']) {
      const copy = join(out, 'machines', holder, '2-claim');
      mkdirSync(join(out, 'machines', holder), { recursive: true });
      cpSync(claimEvent.dir, copy, { recursive: true, errorOnExist: true, force: false });
      await signEvent({
        event: SigningEvent.load(copy),
        holders: [holder],
        provider,
        confirm: digests(claimEvent),
        log: (t) => o.log(`  [${holder}'s machine] ${t}`),
      });
      copies.push(copy);
    }
    const before = claimEvent.status();
    const merged = mergeEvents(claimEvent, copies, repo);
    const after = claimEvent.status();
    say(
      'Claimed role: two machines, merged',
      `Copies signed separately: ${copies.join(', ')}.\nBefore the merge every threshold met: ` +
        `${before.complete}; after merging ${merged.added.length} signature(s): ` +
        `${after.complete}.`,
    );
    const claimFinal = finalizeEvent(repo, claimEvent);
    say('Claimed role: finalize', `Written: ${claimFinal.written.map((w) => `${w.role} v${w.version}`).join(', ')}.`);

    // 5. Bundle to the "medium", verified as the online side would from the root it trusts.
    const medium = join(out, 'medium');
    mkdirSync(medium);
    const exported = await exportRepository(repo, { to: medium, toolVersion: o.toolVersion, now: new Date() });
    const rootV1 = repo.readBytes('root', 1);
    const checked = verifyBundle(exported.dir, { trustedRoot: rootV1, at: new Date() });
    say(
      'Bundle',
      `Exported bundle ${exported.sequence} to ${exported.dir} (manifest SHA-256 ` +
        `${exported.manifestSha256}); verified on the "online side": ${checked.files.size} ` +
        'files, hashes and TUF metadata good.',
    );

    // 6. A re-sign ceremony, guided by the runbook as `ceremony run` guides people.
    const walked = await walkRunbook(o, {
      repoDir,
      profilePath,
      event: join(eventsDir, '3-resign'),
      medium,
      people: runPeople(plan),
    });
    steps.push({ step: 'Re-sign ceremony, guided by a runbook', ok: walked.ok, detail: walked.detail });
    o.log(`\n== Re-sign ceremony, guided by a runbook\n${walked.detail}`);
    const latest = walked.bundle ?? exported.dir;
    const checkedLatest =
      latest === exported.dir ? checked : verifyBundle(latest, { trustedRoot: rootV1, at: new Date() });

    // 7. Verify as a client, and the transcript.
    const verify = verifyRepository(rootV1, new FolderSource(repo.metadataDir), {
      trustedRootName: '1.root.json',
      at: new Date(),
    });
    const transcript = verifyTranscript(repo.transcriptPath);
    steps.push({
      step: 'verify',
      ok: verify.ok,
      detail: verify.ok ? `verified from root v1 at ${verify.at}` : `FAILED: ${firstProblem(verify)}`,
    });
    steps.push({
      step: 'transcript',
      ok: transcript.ok,
      detail: transcript.ok
        ? `${transcript.records} records, head ${transcript.head}`
        : `BROKEN at ${transcript.brokenAt}: ${transcript.reason}`,
    });
    // 8. The end of the chain: the online side publishes, a developer releases, a client downloads.
    o.log('\n== The online side, a release and a download');
    const onlineSide = await rehearseOnlineSide({
      out,
      trustedRoot: join(repo.metadataDir, '1.root.json'),
      planPath,
      bundle: latest,
      onlineKeys: onlineKeyFiles,
      passphraseFile: onlinePassphrase,
      developer: { project: 'example-project', keyFile: developerKeyFile, passphraseFile: developerPassphrase },
      execute: o.runbook.execute,
      log: o.log,
    });
    steps.push({ step: 'Online side, release and download', ok: onlineSide.ok, detail: onlineSide.detail });
    writeFileSync(
      join(out, 'REHEARSAL.txt'),
      `Rehearsal of ${formatExpires(now)}\n${steps.map((s) => `${s.ok ? 'ok ' : 'FAILED '} ${s.step}: ${s.detail.split('\n')[0]}`).join('\n')}\n`,
      { flag: 'wx' },
    );
    return {
      out,
      repo: repoDir,
      steps,
      bundle: {
        dir: latest,
        manifestSha256: checkedLatest.manifestSha256,
        sequence: checkedLatest.manifest.sequence,
      },
      verify,
      transcript,
      online: onlineSide,
      ok: verify.ok && transcript.ok && walked.ok && onlineSide.ok,
    };
  } finally {
    if (previousConf === undefined) delete process.env['SOFTHSM2_CONF'];
    else process.env['SOFTHSM2_CONF'] = previousConf;
  }
}
