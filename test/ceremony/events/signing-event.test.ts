/**
 * The bootstrap ceremony end to end on three fresh SoftHSM2 tokens, through the command line:
 * init, event show, confirmations, one signature not enough, two from separate copies merged,
 * an edited copy refused, the wrong admin's token refused, finalize verified here and with
 * @tufjs/models, never overwriting; the transcript verifies and breaks at any edited record.
 */
import * as tufjs from '@tufjs/models';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FolderSource } from '../../../src/bundle/metadata-folder.js';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { signEvent } from '../../../src/ceremony/events/event-sign.js';
import { finalizeEvent } from '../../../src/ceremony/events/event-finalize.js';
import { Repository } from '../../../src/ceremony/state/repository.js';
import { TokenProvider } from '../../../src/ceremony/signers/token-provider.js';
import { verifyTranscript } from '../../../src/ceremony/state/transcript.js';
import { pinSource } from '../../../src/keys/pin.js';
import { loadProfile } from '../../../src/keys/profile.js';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { Metadata, Targets } from '../../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../../src/tuf/verify/repository-verifier.js';
import { addSeconds } from '../../../src/tuf/base/time.js';
import { runCli } from '../../helpers/cli.js';
import { main } from '../../../src/cli/main.js';
import type { CliIO } from '../../../src/cli/io.js';
import { PassThrough, Writable } from 'node:stream';
import { holderEntry, makeAdmins, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let repoDir: string;
let eventDir: string;
let digests: string[];
let wrongProfile: string;

const fileDigests = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, sha256Hex(readFileSync(join(dir, f)))]),
  );
const tufjsOf = (path: string, kind: tufjs.MetadataKind) =>
  tufjs.Metadata.fromJSON(kind as any, JSON.parse(readFileSync(path, 'utf8')));

beforeAll(async () => {
  a = makeAdmins('ceremony-event');
  repoDir = join(a.dir, 'repo');
  const init = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repoDir, '--json']);
  expect(init.stderr).not.toMatch(/internal error/);
  expect(init.code).toBe(0);
  const out = JSON.parse(init.stdout);
  eventDir = out.event.dir;
  digests = out.roles.map((r: { payload_sha256: string }) => r.payload_sha256);
  // A profile in which admin-c's entry opens admin-a's token: "the wrong token inserted".
  const profile = JSON.parse(readFileSync(a.profilePath, 'utf8'));
  profile.holders['admin-c'] = holderEntry('admin-c', 'admin-a');
  wrongProfile = join(a.dir, 'wrong-profile.json');
  writeFileSync(wrongProfile, JSON.stringify(profile));
});

describe('bootstrap signing event', () => {
  it('init made keys on the three tokens and an event with root, targets and claimed v1', async () => {
    const show = await runCli(['event', 'show', eventDir, '--repo', repoDir, '--json']);
    expect(show.code).toBe(0);
    const s = JSON.parse(show.stdout);
    expect(s.roles.map((r: any) => `${r.role} v${r.version}`)).toEqual(['root v1', 'targets v1', 'claimed v1']);
    expect(s.roles[0].payload_words).toHaveLength(32);
    expect(s.roles[0].keys_added.filter((k: any) => k.role === 'root').map((k: any) => k.key.holder)).toEqual([
      'admin-a',
      'admin-b',
      'admin-c',
    ]);
    expect(s.roles[0].thresholds).toContainEqual({ role: 'root', from: null, to: 2 });
    // PEP 480 order: claimed, recently-claimed, unclaimed; none terminating at the top level.
    expect(s.roles[1].delegations.added.map((d: any) => [d.name, d.terminating, d.paths])).toEqual([
      ['claimed', false, ['*/*']],
      ['recently-claimed', false, ['*/*']],
      ['unclaimed', false, ['*/*']],
    ]);
    expect(s.roles[2].signers[0]).toMatchObject({ label: 'targets v1 → claimed', threshold: 2 });
    const text = await runCli(['event', 'show', eventDir, '--repo', repoDir, '--no-qr']);
    expect(text.stdout).toContain('+ root: admin-b (ecdsa');
    expect(text.stdout).toContain(`root v1 payload SHA-256 (1.root.json):`);
  });

  it('a witness recomputes the event digest from event.json with jq and sha256sum', () => {
    const e = SigningEvent.load(eventDir);
    // docs/formats/event.md, "The event digest": the command given there, run as written.
    const witness = execFileSync(
      'sh',
      ['-c', `jq -j '.roles[] | "\\(.payload_sha256) \\(.file)\\n"' "$1/event.json" | sha256sum`, 'sh', eventDir],
      { encoding: 'utf8' },
    );
    expect(witness.split(' ')[0]).toBe(e.digest);
    expect(e.digest).not.toBe(e.roles()[0]!.payloadSha256);
  });

  it('status needs two of three everywhere (exit 6)', async () => {
    const st = await runCli(['event', 'status', eventDir, '--json']);
    expect(st.code).toBe(6);
    const s = JSON.parse(st.stdout);
    expect(s.complete).toBe(false);
    expect(s.roles.flatMap((r: any) => r.thresholds.map((t: any) => [t.have, t.need]))).toEqual([
      [0, 2],
      [0, 2],
      [0, 2],
    ]);
    expect(s.missing_holders).toEqual(['admin-a', 'admin-b', 'admin-c']);
  });

  it('without the exact confirmation nothing is signed (exit 5)', async () => {
    const before = fileDigests(eventDir);
    const none = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-a',
    ]);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/nothing was signed without a confirmation/);
    const partial = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-a',
      '--confirm',
      digests.slice(0, 2).join(','),
    ]);
    expect(partial.code).toBe(5);
    const eventDigest = SigningEvent.load(eventDir).digest;
    expect(partial.stderr).toContain(`claimed v1 was not confirmed: pass --confirm ${eventDigest} (the event digest`);
    const wrong = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-a',
      '--confirm',
      [...digests, '0'.repeat(64)].join(','),
    ]);
    expect(wrong.code).toBe(5);
    // A prefix of the event digest is not a confirmation, however long the matching part.
    const prefix = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-a',
      '--confirm',
      eventDigest.slice(0, 8),
    ]);
    expect(prefix.code).toBe(5);
    expect(prefix.stderr).toContain('is not a full SHA-256 (64 hex characters)');
    expect(fileDigests(eventDir)).toEqual(before);
  });

  it('one signature is not enough: a copy signed by admin-b alone cannot be finalized', async () => {
    cpSync(eventDir, join(a.dir, 'copy-b'), { recursive: true });
    cpSync(eventDir, join(a.dir, 'copy-c'), { recursive: true });
    // The event digest alone confirms every role (the per-role form is still taken, below).
    const signed = await runCli([
      'event',
      'sign',
      join(a.dir, 'copy-b'),
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-b',
      '--confirm',
      SigningEvent.load(eventDir).digest,
      '--json',
    ]);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.stdout).signed.map((s: any) => `${s.role}:${s.holder}`)).toEqual([
      'root:admin-b',
      'targets:admin-b',
      'claimed:admin-b',
    ]);
    expect((await runCli(['event', 'status', join(a.dir, 'copy-b')])).code).toBe(6);
    const fin = await runCli(['event', 'finalize', join(a.dir, 'copy-b'), '--repo', repoDir]);
    expect(fin.code).toBe(5);
    expect(fin.stderr).toMatch(/not every threshold is met: root v1 needs 1 more/);
    expect(readdirSync(join(repoDir, 'metadata'))).toEqual([]);
  });

  it('the same key never signs twice', async () => {
    const again = await runCli([
      'event',
      'sign',
      join(a.dir, 'copy-b'),
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-b',
      '--confirm',
      digests.join(','),
    ]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/admin-b has already signed every role/);
    const root = Metadata.fromBytes(readFileSync(join(a.dir, 'copy-b', '1.root.json')), '1.root.json');
    expect(root.signatures.size).toBe(1);
  });

  it("the wrong admin's token is refused, naming whose key it holds (exit 4)", async () => {
    const before = fileDigests(join(a.dir, 'copy-c'));
    const r = await runCli([
      'event',
      'sign',
      join(a.dir, 'copy-c'),
      '--profile',
      wrongProfile,
      '--repo',
      repoDir,
      '--holder',
      'admin-c',
      '--confirm',
      digests.join(','),
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /the token opened for admin-c \(serial [0-9a-f]+\) holds admin-a's root key .*not admin-c's: insert admin-c's token/,
    );
    expect(fileDigests(join(a.dir, 'copy-c'))).toEqual(before);
  });

  it('a copy with an edited payload is refused at merge, and says which', async () => {
    const ok = await runCli([
      'event',
      'sign',
      join(a.dir, 'copy-c'),
      '--profile',
      a.profilePath,
      '--repo',
      repoDir,
      '--holder',
      'admin-c',
      '--confirm',
      digests.join(','),
    ]);
    expect(ok.code).toBe(0);
    // Edited metadata under the same event.json.
    const edited = join(a.dir, 'copy-edited');
    cpSync(join(a.dir, 'copy-c'), edited, { recursive: true });
    writeFileSync(
      join(edited, '1.targets.json'),
      readFileSync(join(edited, '1.targets.json'), 'utf8').replace(
        /"expires":"(\d{4})/,
        (_m, y) => `"expires":"${Number(y) + 5}`,
      ),
    );
    const before = fileDigests(eventDir);
    const r1 = await runCli(['event', 'merge', eventDir, join(a.dir, 'copy-b'), edited]);
    expect(r1.code).toBe(5);
    expect(r1.stderr).toMatch(
      /refusing the copy .*copy-edited: 1\.targets\.json .* payload SHA-256 [0-9a-f]{64} is not the [0-9a-f]{64} recorded in event\.json/,
    );
    // A consistent but different event (its event.json rewritten too) is not a copy of this one.
    const other = join(a.dir, 'copy-other');
    cpSync(edited, other, { recursive: true });
    const wire = JSON.parse(readFileSync(join(other, 'event.json'), 'utf8'));
    const md = Metadata.fromBytes(readFileSync(join(other, '1.targets.json')), '1.targets.json');
    wire.roles[1].payload_sha256 = sha256Hex(md.payload());
    writeFileSync(join(other, 'event.json'), JSON.stringify(wire));
    const r2 = await runCli(['event', 'merge', eventDir, other]);
    expect(r2.code).toBe(5);
    expect(r2.stderr).toMatch(/it is not a copy of this event: the payload of targets v1 differs/);
    expect(fileDigests(eventDir)).toEqual(before);
  });

  it('two signatures from separate copies, merged, are enough', async () => {
    const r = await runCli([
      'event',
      'merge',
      eventDir,
      join(a.dir, 'copy-b'),
      join(a.dir, 'copy-c'),
      '--repo',
      repoDir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).added).toHaveLength(6);
    const st = await runCli(['event', 'status', eventDir]);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('✓ 2 of 2 needed from root v1 (its own root keys); signed: admin-b, admin-c');
  });

  it('finalize verifies as a client would and writes v1 of each role; the result verifies with @tufjs/models', async () => {
    const r = await runCli(['event', 'finalize', eventDir, '--repo', repoDir, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).report.ok).toBe(true);
    const md = join(repoDir, 'metadata');
    expect(readdirSync(md).sort()).toEqual(['1.claimed.json', '1.root.json', '1.targets.json']);
    const report = verifyRepository(readFileSync(join(md, '1.root.json')), new FolderSource(md), {
      trustedRootName: '1.root.json',
      at: new Date(),
    });
    expect(report.ok).toBe(true);
    const root = tufjsOf(join(md, '1.root.json'), tufjs.MetadataKind.Root);
    const targets = tufjsOf(
      join(md, '1.targets.json'),
      tufjs.MetadataKind.Targets,
    ) as unknown as tufjs.Metadata<tufjs.Targets>;
    expect(() => root.verifyDelegate('root', root)).not.toThrow();
    expect(() => root.verifyDelegate('targets', targets)).not.toThrow();
    expect(() =>
      targets.verifyDelegate('claimed', tufjsOf(join(md, '1.claimed.json'), tufjs.MetadataKind.Targets)),
    ).not.toThrow();
    const verify = await runCli(['verify', '--root', join(md, '1.root.json'), md]);
    expect(verify.code).toBe(0);
  });

  it('finalize never overwrites a version', async () => {
    const md = join(repoDir, 'metadata');
    const before = fileDigests(md);
    const r = await runCli(['event', 'finalize', eventDir, '--repo', repoDir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/root v1 is in the repository already \(was this event finalized before\?\)/);
    expect(fileDigests(md)).toEqual(before);
  });

  it('the transcript verifies, and editing any record breaks it at that record', async () => {
    const path = join(repoDir, 'transcript.jsonl');
    const ok = await runCli(['transcript', 'verify', '--repo', repoDir, '--json']);
    expect(ok.code).toBe(0);
    const check = JSON.parse(ok.stdout);
    expect(check.records).toBeGreaterThanOrEqual(4);
    const records = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = records.map((r) => `${r.step}${r.details?.outcome ? ` ${r.details.outcome}` : ''}`);
    // The copies were signed with --repo (the base verified against it), so their signing is recorded
    // too; the finalize refused before the threshold was met, admin-c's turn with admin-a's token, and
    // the finalize run again afterwards, are recorded as refusals and failures
    // (docs/formats/transcript.md, "Refusals and failures").
    expect(steps).toEqual([
      'init',
      'event-create',
      'event-sign',
      'event-finalize refused',
      'event-sign failed',
      'event-sign',
      'event-merge',
      'event-finalize',
      'event-finalize refused',
    ]);
    const original = readFileSync(path, 'utf8');
    const lines = original.trimEnd().split('\n');
    for (let i = 0; i < lines.length; i++) {
      const edited = [...lines];
      edited[i] = edited[i]!.replace(/"time":"(\d{4})/, (_m, y) => `"time":"${Number(y) - 1}`);
      writeFileSync(path, `${edited.join('\n')}\n`);
      expect(verifyTranscript(path)).toMatchObject({ ok: false, brokenAt: i + 1 });
    }
    writeFileSync(path, original);
    expect(verifyTranscript(path).ok).toBe(true);
  });
});

describe('the summary from trusted data only', () => {
  let honest: string;
  let forged: string;

  beforeAll(() => {
    const r = Repository.open(repoDir);
    const current = r.current<Targets>('claimed');
    const next = new Metadata(
      new Targets({ version: 2, expires: addSeconds(new Date(), 60 * 86400), delegations: current.signed.delegations }),
    );
    honest = SigningEvent.create(join(a.dir, 'claimed-trust'), {
      kind: 'test-resign',
      description: 'claimed v2',
      roles: [{ role: 'claimed', metadata: next }],
      repo: r,
    }).dir;
    // The attacker with the medium: another base/1.claimed.json, and event.json's digest of it to match.
    forged = join(a.dir, 'claimed-forged');
    cpSync(honest, forged, { recursive: true });
    const basePath = join(forged, 'base', '1.claimed.json');
    const base = JSON.parse(readFileSync(basePath, 'utf8'));
    base.signed.expires = '2030-01-01T00:00:00Z';
    const baseBytes = canonicalize(base);
    writeFileSync(basePath, baseBytes);
    const wire = JSON.parse(readFileSync(join(forged, 'event.json'), 'utf8'));
    wire.base.find((b: { file: string }) => b.file === 'base/1.claimed.json').sha256 = sha256Hex(baseBytes);
    writeFileSync(join(forged, 'event.json'), Buffer.concat([canonicalize(wire), Buffer.from('\n')]));
    expect(SigningEvent.load(forged).digest).toBe(SigningEvent.load(honest).digest);
  });

  it('a forged base/ is refused by event show with --repo or --root, and no summary is shown', async () => {
    const byRepo = await runCli(['event', 'show', forged, '--repo', repoDir, '--no-qr']);
    expect(byRepo.code).toBe(3);
    expect(byRepo.stdout).toContain("claimed v1 in the event's base/ differs from the repository's");
    expect(byRepo.stdout).not.toContain('expires');
    const byRoot = await runCli([
      'event',
      'show',
      forged,
      '--root',
      join(repoDir, 'metadata', '1.root.json'),
      '--json',
    ]);
    expect(byRoot.code).toBe(3);
    expect(JSON.parse(byRoot.stdout).repository_check.problems.join('\n')).toMatch(
      /does not verify from .*1\.root\.json/,
    );
    const honestByRoot = await runCli([
      'event',
      'show',
      honest,
      '--root',
      join(repoDir, 'metadata', '1.root.json'),
      '--no-qr',
    ]);
    expect(honestByRoot.code).toBe(0);
    expect(honestByRoot.stdout).toContain('Verified from the trusted root');
  });

  it('event show shows nothing without --repo or --root; --unverified asks for the medium view by name', async () => {
    for (const extra of [[], ['--raw'], ['--json']]) {
      const refused = await runCli(['event', 'show', forged, '--no-qr', ...extra]);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/nothing is shown: .*pass --repo .* or --root .*, or --unverified/);
      expect(refused.stderr).not.toContain('expires');
    }
    const asked = await runCli(['event', 'show', forged, '--no-qr', '--unverified']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/^UNVERIFIED: computed from the event's own base\//);
    const both = await runCli(['event', 'show', forged, '--unverified', '--repo', repoDir]);
    expect(both.code).toBe(2);
  });

  /** An event for targets v2: the repository's targets v1 as JSON, changed by `edit`. */
  const targetsV2Event = (name: string, edit: (signed: any) => void): SigningEvent => {
    const r = Repository.open(repoDir);
    const json = JSON.parse(r.readBytes('targets', 1).toString('utf8'));
    json.signed.version = 2;
    edit(json.signed);
    const next = Metadata.fromBytes(
      Buffer.from(JSON.stringify({ signatures: [], signed: json.signed })),
      '2.targets.json',
    );
    return SigningEvent.create(join(a.dir, name), {
      kind: 'test-rotate',
      description: 'targets v2',
      roles: [{ role: 'targets', metadata: next }],
      repo: r,
    });
  };

  it('a delegation moved ahead of another is shown as an order change, and --raw lists every field', async () => {
    const e = targetsV2Event('targets-order', (signed) => {
      signed.delegations.roles.reverse();
      signed.delegations.roles[0]['x-custom'] = { deep: 1 };
    });
    const show = await runCli(['event', 'show', e.dir, '--repo', repoDir, '--no-qr']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('delegation ORDER changed');
    expect(show.stdout).toMatch(
      /before: claimed, recently-claimed, unclaimed\n\s+after: {2}unclaimed, recently-claimed, claimed/,
    );
    expect(show.stdout).toContain('+ delegations.roles[name=unclaimed].x-custom: {"deep":1}');
    const raw = await runCli(['event', 'show', e.dir, '--repo', repoDir, '--raw']);
    expect(raw.stdout).toContain('2.targets.json against targets v1');
    expect(raw.stdout).toContain(
      'order of delegations from position 1: claimed, recently-claimed, unclaimed → unclaimed, recently-claimed, claimed',
    );
  });

  it('event show lists a key no delegation uses, a key under a keyid not its own, a field named like one it shows', async () => {
    const unused = 'ab'.repeat(32);
    const misfiled = 'ef'.repeat(32);
    const key = (pub: string) => ({ keytype: 'ed25519', keyval: { public: pub }, scheme: 'ed25519' });
    const e = targetsV2Event('targets-unused-key', (signed) => {
      signed.delegations.keys[unused] = key('cd'.repeat(32));
      signed.delegations.keys[misfiled] = key('12'.repeat(32));
      signed.delegations.roles[0]['paths[0]'] = 'x';
      signed.delegations.roles[1].keyids = [misfiled];
      signed.delegations.roles[1].threshold = 1;
    });
    const show = await runCli(['event', 'show', e.dir, '--repo', repoDir, '--no-qr']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('other fields changed (3):');
    expect(show.stdout).toContain(`+ delegations.keys.${unused}: {"keytype":"ed25519"`);
    expect(show.stdout).toContain(`+ delegations.keys.${misfiled}: {"keytype":"ed25519","keyval":{"public":"1212`);
    expect(show.stdout).toMatch(/\+ delegations\.roles\[name=[a-z-]+\]\["paths\[0\]"\]: "x"/);
    expect(show.stdout).toMatch(/\(ed25519 efef[ ef]*\) NOT ITS OWN KEYID \(the key's own is [0-9a-f ]{79}\)/);
    const asJson = await runCli(['event', 'show', e.dir, '--repo', repoDir, '--json']);
    expect(asJson.code).toBe(0);
    const rekeyed = JSON.parse(asJson.stdout).roles[0].delegations.rekeyed[0];
    expect(rekeyed.to.keys[0]).toMatchObject({ keyid: misfiled, own_keyid: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('event sign signs nothing without --repo or --root, or when the base does not verify from them', async () => {
    const before = fileDigests(forged);
    const digest = SigningEvent.load(forged).digest;
    const sign = (...trust: string[]) =>
      runCli([
        'event',
        'sign',
        forged,
        '--profile',
        a.profilePath,
        '--holder',
        'admin-a',
        '--confirm',
        digest,
        ...trust,
      ]);
    const none = await sign();
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/pass --repo <your repository state folder> or --root <a root you trust>/);
    expect((await sign('--repo', repoDir)).stderr).toMatch(
      /nothing was signed: the event's base is not verified from the repository/,
    );
    const byRoot = await sign('--root', join(repoDir, 'metadata', '1.root.json'));
    expect(byRoot.code).toBe(5);
    expect(byRoot.stderr).toMatch(/does not verify from/);
    expect(fileDigests(forged)).toEqual(before);
  });
});

describe('several admins in turn at one machine', () => {
  let claimedEvent: SigningEvent;
  const repo = () => Repository.open(repoDir);

  beforeAll(() => {
    const r = repo();
    const current = r.current<Targets>('claimed');
    const next = new Metadata(
      new Targets({ version: 2, expires: addSeconds(new Date(), 60 * 86400), delegations: current.signed.delegations }),
    );
    claimedEvent = SigningEvent.create(join(a.dir, 'claimed-v2'), {
      kind: 'test-resign',
      description: 'claimed v2, new expiry',
      roles: [{ role: 'claimed', metadata: next }],
      repo: r,
    });
  });

  it("asks for each token in turn and refuses a token that holds another admin's key", async () => {
    const messages: string[] = [];
    const prompter = {
      confirmExact: async (_q: string, acceptable: string[]) => acceptable.includes(claimedEvent.digest),
      waitUntil: async () => true,
    };
    const wrong = new TokenProvider(loadProfile(wrongProfile), pinSource({}));
    const log = (m: string) => void (m.startsWith('Insert') && messages.push(m));
    await expect(
      signEvent({ event: claimedEvent, holders: ['admin-b', 'admin-c'], provider: wrong, prompter, log }),
    ).rejects.toThrow(/holds admin-a's claimed key/);
    expect(messages).toEqual([
      'Insert the token of admin-b.',
      'Insert the token of admin-c (remove the token of admin-b).',
    ]);
    const st = SigningEvent.load(claimedEvent.dir).status();
    expect(st.roles[0]!.thresholds[0]!.signed.map((s) => s.holder)).toEqual(['admin-b']);
  });

  it('a wrong typed confirmation signs nothing; the words at the positions asked do', async () => {
    const digest = claimedEvent.digest;
    const { fingerprintWords } = await import('../../../src/tuf/model/fingerprint-words.js');
    const words = fingerprintWords(digest);
    const typed = (answer: (question: string) => string) => ({
      confirmExact: async (q: string, acceptable: string[]) => acceptable.includes(answer(q)),
      waitUntil: async () => true,
    });
    // As a person would: the positions are read from the question.
    const positions = (q: string) =>
      [
        ...q
          .replace(/.*number /, '')
          .replace(/\(or all.*/, '')
          .matchAll(/\d+/g),
      ].map((m) => Number(m[0]) - 1);
    const asked = (q: string) =>
      positions(q)
        .map((p) => words[p])
        .join(' ');
    const notAsked = (q: string) =>
      words
        .filter((_, i) => !positions(q).includes(i))
        .slice(0, 4)
        .join(' ');
    await expect(
      signEvent({
        event: claimedEvent,
        holders: ['admin-c'],
        provider: a.provider,
        prompter: typed(() => digest.slice(0, 8)),
        log: () => {},
      }),
    ).rejects.toThrow(/admin-c did not confirm the event digest/);
    await expect(
      signEvent({
        event: claimedEvent,
        holders: ['admin-c'],
        provider: a.provider,
        prompter: typed(notAsked),
        log: () => {},
      }),
    ).rejects.toThrow(/did not confirm/);
    expect(SigningEvent.load(claimedEvent.dir).status().complete).toBe(false);
    const shown: string[] = [];
    const res = await signEvent({
      event: claimedEvent,
      holders: ['admin-c'],
      provider: a.provider,
      prompter: typed(asked),
      log: (t) => shown.push(t),
      repo: repo(),
    });
    expect(shown.join('\n')).toContain(`1:${words[0]} 2:${words[1]}`);
    expect(res.status.complete).toBe(true);
    const written = finalizeEvent(repo(), claimedEvent);
    expect(written.written.map((w) => `${w.role} v${w.version}`)).toEqual(['claimed v2']);
    expect(existsSync(join(repoDir, 'metadata', '2.claimed.json'))).toBe(true);
    expect(verifyTranscript(join(repoDir, 'transcript.jsonl')).ok).toBe(true);
  });

  it('at a terminal: each admin is asked for their token and types the digest before the PIN', async () => {
    const r = repo();
    const current = r.current<Targets>('claimed');
    const next = new Metadata(
      new Targets({ version: 3, expires: addSeconds(new Date(), 60 * 86400), delegations: current.signed.delegations }),
    );
    const e = SigningEvent.create(join(a.dir, 'claimed-v3'), {
      kind: 'test-resign',
      description: 'claimed v3',
      roles: [{ role: 'claimed', metadata: next }],
      repo: r,
    });
    const digest = e.digest;
    const { fingerprintWords } = await import('../../../src/tuf/model/fingerprint-words.js');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let shown = '';
    let answered = 0;
    const typeAsked = (screen: string) =>
      [
        ...screen
          .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
          .replace(/[^]*number /, '')
          .replace(/\(or all[^]*/, '')
          .matchAll(/\d+/g),
      ]
        .map((m) => fingerprintWords(digest)[Number(m[0]) - 1])
        .join(' ');
    // The tokens are inserted already: nobody is asked to press anything for them.
    const answers: Array<(screen: string) => string> = [() => digest, typeAsked];
    // A terminal screen: like process.stderr, it stays open when a prompt library ends its output.
    const stderr = new (class extends Writable {
      override end(): this {
        return this;
      }
    })({
      write(chunk, _enc, done) {
        shown += chunk;
        // Each admin answers once their question is on screen whole, as a person would.
        const holder = ['admin-a', 'admin-b'][answered];
        const plainText = shown.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
        const at = holder === undefined ? -1 : plainText.lastIndexOf(`? ${holder}: compare`);
        if (at >= 0 && /or all 64 hex characters\)/.test(plainText.slice(at))) {
          const answer = answers[answered++]!(plainText.slice(at));
          setTimeout(() => stdin.write(`${answer}\n`), 20);
        }
        done();
      },
    });
    let printed = '';
    stdout.on('data', (d) => (printed += d));
    const io: CliIO = { stdin, stderr, stdout, env: process.env, interactive: true, cwd: a.dir };
    const code = await main(
      [
        'event',
        'sign',
        e.dir,
        '--profile',
        a.profilePath,
        '--holders',
        'admin-a,admin-b',
        '--no-qr',
        '--repo',
        repoDir,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(answered).toBe(2);
    expect(shown).toContain('Insert the token of admin-b (remove the token of admin-a)');
    expect(shown).not.toContain(`(type "`);
    expect(printed).toContain('Every threshold is met');
    const records = readFileSync(join(repoDir, 'transcript.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.slice(-2).map((x) => [x.step, x.operator])).toEqual([
      ['event-sign', 'admin-a'],
      ['event-sign', 'admin-b'],
    ]);
  });
});
