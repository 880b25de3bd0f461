import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { readTranscript, verifyTranscript } from '../../src/ceremony/state/transcript.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { readKeyFilePublicKey } from '../../src/keys/key-file.js';
import { Key } from '../../src/tuf/model/key.js';
import type { Targets } from '../../src/tuf/model/metadata.js';
import { formatExpires } from '../../src/tuf/base/time.js';
import { runCli } from '../helpers/cli.js';
import { makeRepository, recentlyClaimed, writeRequest, signer, type Fixture } from './fixtures.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const at = formatExpires(now);

/** Sign every role of an event with the fixture's software claimed keys (what `event sign` does on tokens). */
async function signWithSoftwareKeys(f: Fixture, dir: string): Promise<void> {
  const event = SigningEvent.load(dir);
  for (const r of event.roles()) {
    const sigs = [];
    for (const s of f.claimedSigners)
      sigs.push({ keyid: s.key.keyid, sig: Buffer.from(await s.sign(r.metadata.payload())).toString('hex') });
    event.addSignatures(r.role, sigs);
  }
}

describe('developer and admin commands: dev keygen, dev request, claim, revoke', () => {
  let tmp: string;
  let f: Fixture;
  let passFile: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'requests-cli-'));
    f = await makeRepository(join(tmp, 'repo'), now);
    passFile = join(tmp, 'passphrase');
    writeFileSync(passFile, 'correct horse battery staple\n', { mode: 0o600 });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('dev keygen makes an encrypted key file and never overwrites it', async () => {
    const out = join(tmp, 'alice.key.json');
    const r = await runCli([
      'dev',
      'keygen',
      '--out',
      out,
      '--public-out',
      join(tmp, 'alice.pub.json'),
      '--owner',
      'alice@example.org',
      '--passphrase-file',
      passFile,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const key = readKeyFilePublicKey(out);
    expect(Key.fromJSON(JSON.parse(readFileSync(join(tmp, 'alice.pub.json'), 'utf8'))).keyid).toBe(key.keyid);
    expect(json.keyid).toBe(key.keyid);
    expect(key.unrecognized['x-ceremony-owner']).toBe('alice@example.org');
    expect((readFileSync(out, 'utf8').match(/"ciphertext"/) ?? []).length).toBe(1);
    const again = await runCli(['dev', 'keygen', '--out', out, '--passphrase-file', passFile]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/never overwritten/);
    const noTerminal = await runCli(['dev', 'keygen', '--out', join(tmp, 'other.key.json')]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toMatch(/--passphrase-file/);
  });

  it('dev request writes a request signed by the key, normalizing the name; a wrong passphrase writes nothing', async () => {
    const key = join(tmp, 'alice.key.json');
    mkdirSync(join(tmp, 'inbox'));
    const out = join(tmp, 'inbox', 'my-project.json');
    const wrong = join(tmp, 'wrong-pass');
    writeFileSync(wrong, 'not the passphrase\n', { mode: 0o600 });
    const bad = await runCli([
      'dev',
      'request',
      '--project',
      'My_Project',
      '--key',
      key,
      '--passphrase-file',
      wrong,
      '--contact',
      'alice@example.org',
      '--out',
      out,
      '--at',
      at,
    ]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/wrong passphrase/);
    expect(readdirSync(join(tmp, 'inbox'))).toEqual([]);
    const r = await runCli([
      'dev',
      'request',
      '--project',
      'My_Project',
      '--key',
      key,
      '--passphrase-file',
      passFile,
      '--contact',
      'alice@example.org',
      '--out',
      out,
      '--at',
      at,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ project: 'my-project', threshold: 1, created: at, expires: '2031-07-31T12:00:00Z' });
    expect(json.keys.map((k: any) => k.keyid)).toEqual([readKeyFilePublicKey(key).keyid]);
    const text = await runCli([
      'dev',
      'request',
      '--project',
      'other',
      '--key',
      key,
      '--passphrase-file',
      passFile,
      '--contact',
      'a@example.org',
      '--out',
      join(tmp, 'inbox', 'other.json'),
      '--threshold',
      '2',
      '--at',
      at,
    ]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/threshold/);
  });

  it('claim takes the folder in, reports, and writes a signing event that finalizes into claimed v2', async () => {
    writeFileSync(join(tmp, 'inbox', 'garbage.json'), '\u0000\u0001 not json');
    const eventDir = join(tmp, 'claim-event');
    const r = await runCli([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--requests',
      join(tmp, 'inbox'),
      '--event',
      eventDir,
      '--at',
      at,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ add: 1, rekey: 0, unchanged: 0, rejected: 1, files: 2 });
    expect(report.requests.find((x: any) => x.file === 'garbage.json')).toMatchObject({
      decision: 'rejected',
      reason_code: 'not-json',
    });
    expect(report.event.dir).toBe(eventDir);

    const event = SigningEvent.load(eventDir);
    expect(event.kind).toBe('claim');
    expect(event.description).toMatch(/claimed v2: 1 project added/);
    expect(event.roles().map((x) => [x.role, x.version])).toEqual([['claimed', 2]]);
    expect(event.status().complete).toBe(false);
    const shown = await runCli(['event', 'show', eventDir, '--repo', f.dir, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).roles[0].delegations.added.map((d: any) => d.name)).toEqual(['my-project']);

    await signWithSoftwareKeys(f, eventDir);
    const fin = await runCli(['event', 'finalize', eventDir, '--repo', f.dir, '--at', at]);
    expect(fin.stderr).toBe('');
    expect(fin.code).toBe(0);
    const claimed = f.repo.current<Targets>('claimed').signed;
    expect(claimed.version).toBe(2);
    expect(claimed.delegations!.roles!.map((x) => [x.name, x.paths, x.terminating])).toEqual([
      ['my-project', ['my-project'], true],
    ]);
    const check = verifyTranscript(f.repo.transcriptPath);
    expect(check.ok).toBe(true);
    const claimRecord = readTranscript(f.repo.transcriptPath).find((x) => x.step === 'claim')!;
    expect(claimRecord.details).toMatchObject({ counts: { add: 1, rejected: 1 } });
    expect(Object.keys(claimRecord.inputs)).toContain('requests (2 files)');
  });

  it('claim again with the same folder: unchanged, nothing to sign, no event', async () => {
    const eventDir = join(tmp, 'claim-again');
    const r = await runCli([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--requests',
      join(tmp, 'inbox'),
      '--event',
      eventDir,
      '--at',
      at,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unchanged 1/);
    expect(r.stdout).toMatch(/Nothing to sign/);
    expect(() => readdirSync(eventDir)).toThrow();
  });

  it('revoke refuses to go below the threshold, and otherwise prepares claimed v3 without the project', async () => {
    const keyid = readKeyFilePublicKey(join(tmp, 'alice.key.json')).keyid;
    const below = await runCli([
      'revoke',
      '--repo',
      f.dir,
      '--project',
      'My.Project',
      '--key',
      keyid.slice(0, 10),
      '--event',
      join(tmp, 'revoke-key'),
      '--at',
      at,
    ]);
    expect(below.code).toBe(5);
    expect(below.stderr).toMatch(/fewer than its threshold 1/);
    const r = await runCli([
      'revoke',
      '--repo',
      f.dir,
      '--project',
      'my-project',
      '--event',
      join(tmp, 'revoke'),
      '--reason',
      'laptop stolen',
      '--at',
      at,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/claimed v3/);
    const event = SigningEvent.load(join(tmp, 'revoke'));
    expect(event.kind).toBe('revoke');
    expect(event.description).toMatch(/laptop stolen/);
    expect((event.roles()[0]!.metadata.signed as Targets).delegations!.roles).toEqual([]);
    const shown = await runCli(['event', 'show', join(tmp, 'revoke'), '--repo', f.dir, '--json']);
    expect(JSON.parse(shown.stdout).roles[0].delegations.removed.map((d: any) => d.name)).toEqual(['my-project']);
    const unknown = await runCli([
      'revoke',
      '--repo',
      f.dir,
      '--project',
      'nobody',
      '--event',
      join(tmp, 'revoke-nobody'),
      '--at',
      at,
    ]);
    expect(unknown.code).toBe(5);
  });

  it('claim checks against the recently-claimed a bundle brought into <repo>/online/ when none is named', async () => {
    const listed = signer(60);
    mkdirSync(f.repo.onlineDir);
    writeFileSync(
      join(f.repo.onlineDir, '7.recently-claimed.json'),
      await recentlyClaimed(f, [{ name: 'listed', keys: [listed.key] }], now),
    );
    const dir = join(tmp, 'inbox-online');
    await writeRequest(dir, 'listed.json', { project: 'listed', signers: [listed] }, now);
    await writeRequest(dir, 'unlisted.json', { project: 'unlisted', signers: [signer(61)] }, now);
    const r = await runCli([
      'claim',
      '--repo',
      f.dir,
      '--requests',
      dir,
      '--event',
      join(tmp, 'claim-online'),
      '--at',
      at,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.recently_claimed).toMatchObject({ file: '7.recently-claimed.json', version: 7, without_request: [] });
    expect(report.requests.map((x: any) => [x.file, x.decision, x.reason_code])).toEqual([
      ['listed.json', 'add', null],
      ['unlisted.json', 'rejected', 'not-registered-online'],
    ]);
  });

  it('shows a progress bar on a terminal for a large batch, and none without one', async () => {
    const dir = join(tmp, 'big');
    await writeRequest(dir, 'one.json', { project: 'one', signers: [signer(50)] }, now);
    for (let i = 0; i < 120; i++) copyFileSync(join(dir, 'one.json'), join(dir, `copy-${i}.json`));
    const run = async (interactive: boolean, event: string) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let e = '';
      stdout.resume();
      stderr.on('data', (d) => (e += d));
      const io: CliIO = { stdout, stderr, stdin: new PassThrough(), env: process.env, interactive, cwd: tmp };
      expect(
        await main(['claim', '--repo', f.dir, '--requests', dir, '--event', join(tmp, event), '--at', at], io),
      ).toBe(0);
      return e;
    };
    expect(await run(true, 'big-1')).toMatch(/reading requests \[#+\] 121\/121\n/);
    expect(await run(false, 'big-2')).toBe('');
  });
});
