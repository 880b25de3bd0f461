/**
 * An honest mistake at `event sign` does not end the ceremony, at a real pseudo-terminal with
 * SoftHSM tokens: a wrong PIN is asked again, a mistyped confirmation too (for the same words), a
 * token inserted late is waited for, one admin's failure in a --holders run lets the others sign,
 * and the same command run again signs only for those still missing. Without a terminal, a
 * missing token fails at once.
 */
import { cpSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { softhsmTokenFolder } from '../../../src/keys/softhsm.js';
import { fingerprintWords } from '../../../src/tuf/model/fingerprint-words.js';
import { Metadata, Targets } from '../../../src/tuf/model/metadata.js';
import { addSeconds } from '../../../src/tuf/base/time.js';
import { Repository } from '../../../src/ceremony/state/repository.js';
import { readTranscript } from '../../../src/ceremony/state/transcript.js';
import { runCli } from '../../helpers/cli.js';
import { askedWordPositions, builtCli, plain, PtyRun, removeBuiltCli } from '../../helpers/pty.js';
import { bootstrapped, pinOf, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let repoDir: string;
let eventDir: string;
let digest: string;
let typedPins: string;
let copies = 0;

/** A fresh copy of the bootstrap event, as an admin would carry on a medium. */
function copyOfEvent(): string {
  const dir = join(a.dir, `copy-${++copies}`);
  cpSync(eventDir, dir, { recursive: true });
  return dir;
}

/** Who signed each role of an event. */
const signers = (dir: string) =>
  SigningEvent.load(dir)
    .status()
    .roles.map((r) => r.thresholds[0]!.signed.map((s) => s.holder).sort());

/** Hide a token's folder, as if it were unplugged; the returned function plugs it back in (once). */
function unplug(label: string): () => void {
  const folder = softhsmTokenFolder(process.env['SOFTHSM2_CONF']!, a.serials[label]!);
  // Out of SoftHSM's token folder: it reads every folder in there, whatever its name.
  const away = join(a.dir, `unplugged-${label}`);
  renameSync(folder, away);
  return () => {
    if (existsSync(away)) renameSync(away, folder);
  };
}

const sign = (dir: string, ...more: string[]) => [
  'event',
  'sign',
  dir,
  '--repo',
  repoDir,
  '--no-qr',
  '--confirm',
  digest,
  ...more,
];

beforeAll(async () => {
  builtCli();
  ({ a, repoDir, eventDir } = await bootstrapped('signer-mistakes'));
  digest = SigningEvent.load(eventDir).digest;
  typedPins = a.typedPinsProfile();
}, 120_000);
afterAll(() => removeBuiltCli());

describe('a typo is asked again', () => {
  it('a wrong PIN is asked again, saying how many tries are left, and the right one signs', async () => {
    const copy = copyOfEvent();
    const run = new PtyRun([...sign(copy), '--profile', typedPins, '--holder', 'admin-a'], { cwd: a.dir });
    await run.waitFor(/PIN of token "admin-a" \(holder admin-a\)/);
    const from = plain(run.raw).length;
    run.type('not-the-pin');
    await run.waitFor(/Wrong PIN; 2 tries left[^]*PIN of token "admin-a"/, from);
    run.type(pinOf(a, 'admin-a'));
    expect(await run.done()).toBe(0);
    expect(run.raw).not.toContain('not-the-pin');
    expect(signers(copy)).toEqual([['admin-a'], ['admin-a'], ['admin-a']]);
  }, 60_000);

  it('a mistyped confirmation is asked again for the same words, and the right words sign', async () => {
    const copy = copyOfEvent();
    const args = [
      'event',
      'sign',
      copy,
      '--repo',
      repoDir,
      '--no-qr',
      '--profile',
      a.profilePath,
      '--holder',
      'admin-b',
    ];
    const run = new PtyRun(args, { cwd: a.dir });
    const first = await run.waitFor(/or all 64 hex characters/);
    // What the admin reads, from the first line to the question, fits a 50-line screen.
    const screen = first.slice(first.indexOf('Verified from'), first.indexOf('or all 64 hex characters'));
    expect(screen.split('\n').length).toBeLessThanOrEqual(50);
    expect(screen).toContain('Signing event: bootstrap');
    const positions = askedWordPositions(first);
    const from = plain(run.raw).length;
    run.type('aardvark aardvark');
    const second = await run.waitFor(/That was not it \(2 tries left\)[^]*or all 64 hex\s+characters/, from);
    // The digest is on screen again right above the question, and the same words are asked.
    expect(second).toContain(`32:${fingerprintWords(digest)[31]}`);
    expect(askedWordPositions(second)).toEqual(positions);
    run.type(positions.map((p) => fingerprintWords(digest)[p - 1]).join(' '));
    expect(await run.done()).toBe(0);
    expect(signers(copy)).toEqual([['admin-b'], ['admin-b'], ['admin-b']]);
  }, 60_000);
});

describe('Ctrl-C', () => {
  it("at the second admin's PIN: exit 130, one line with who signed and the command that goes on", async () => {
    const copy = copyOfEvent();
    const run = new PtyRun([...sign(copy), '--profile', typedPins, '--holders', 'admin-a,admin-b'], { cwd: a.dir });
    await run.waitFor(/PIN of token "admin-a"/);
    run.type(pinOf(a, 'admin-a'));
    await run.waitFor(/PIN of token "admin-b"/);
    run.interrupt();
    expect(await run.done()).toBe(130);
    const screen = plain(run.raw);
    expect(screen).toContain(
      `tuf-ceremony event sign: interrupted (Ctrl-C) at admin-b's turn; signed here: admin-a ` +
        '(root v1, targets v1, claimed v1); not signed: admin-b; to go on: tuf-ceremony event ' +
        `sign ${copy} --profile ${typedPins} --holder admin-b --repo ${repoDir} --confirm ${digest}`,
    );
    expect(screen).not.toMatch(/internal error|ExitPromptError| {4}at /);
    expect(signers(copy)).toEqual([['admin-a'], ['admin-a'], ['admin-a']]);
  }, 60_000);
});

describe('a token inserted late', () => {
  it('is waited for at a terminal; what is typed meanwhile is neither shown nor kept', async () => {
    const copy = copyOfEvent();
    const plugIn = unplug('admin-c');
    try {
      const run = new PtyRun([...sign(copy), '--profile', a.profilePath, '--holders', 'admin-b,admin-c'], {
        cwd: a.dir,
      });
      await run.waitFor(/waiting for the token with label "admin-c" of admin-c [^]*Ctrl-C to stop/);
      run.type('typed-too-early');
      await new Promise((r) => setTimeout(r, 1500));
      plugIn();
      expect(await run.done()).toBe(0);
      expect(plain(run.raw)).toContain('the token with label "admin-c" of admin-c: found');
      expect(run.raw).not.toContain('typed-too-early');
      expect(signers(copy)).toEqual([
        ['admin-b', 'admin-c'],
        ['admin-b', 'admin-c'],
        ['admin-b', 'admin-c'],
      ]);
    } finally {
      plugIn();
    }
  }, 60_000);

  it('Ctrl-C while waiting exits 130 with one line: who signed, who did not, and what to run', async () => {
    const copy = copyOfEvent();
    const plugIn = unplug('admin-c');
    try {
      const run = new PtyRun([...sign(copy), '--profile', a.profilePath, '--holders', 'admin-b,admin-c'], {
        cwd: a.dir,
      });
      await run.waitFor(/waiting for the token with label "admin-c"/);
      run.interrupt();
      expect(await run.done()).toBe(130);
      const screen = plain(run.raw);
      expect(screen).toContain(
        `tuf-ceremony event sign: interrupted (Ctrl-C) at admin-c's turn; signed here: admin-b ` +
          '(root v1, targets v1, claimed v1); not signed: admin-c; to go on: tuf-ceremony event ' +
          `sign ${copy} --profile ${a.profilePath} --holder admin-c --repo ${repoDir} --confirm ${digest}`,
      );
      expect(screen).not.toMatch(/internal error| {4}at /);
      expect(signers(copy)).toEqual([['admin-b'], ['admin-b'], ['admin-b']]);
    } finally {
      plugIn();
    }
  }, 60_000);

  it('without a terminal a missing token fails at once, in one line, and the next holder still signs', async () => {
    const copy = copyOfEvent();
    const plugIn = unplug('admin-b');
    try {
      const started = Date.now();
      const r = await runCli([...sign(copy), '--profile', a.profilePath, '--holders', 'admin-b,admin-c']);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.code).toBe(4);
      // The same as one JSON document: who did not sign, why, and the command that goes on.
      const again = await runCli([...sign(copy), '--profile', a.profilePath, '--holders', 'admin-b,admin-c', '--json']);
      expect(again.code).toBe(4);
      const doc = JSON.parse(again.stdout);
      expect(doc).toMatchObject({
        ok: false,
        error: { code: 'E_TOKEN_NOT_FOUND', exit_code: 4 },
        signed: [],
        skipped: ['admin-c'],
        not_signed: [{ holder: 'admin-b', code: 'E_TOKEN_NOT_FOUND', exit_code: 4 }],
      });
      expect(doc.next).toBe(
        `tuf-ceremony event sign ${copy} --profile ${a.profilePath} --holder admin-b --repo ${repoDir} --confirm ${digest}`,
      );
      expect(r.stdout).toMatch(
        /^NOT signed by admin-b: the token with label "admin-b" of admin-b is not inserted, and without a terminal nothing waits for it/m,
      );
      expect(signers(copy)).toEqual([['admin-c'], ['admin-c'], ['admin-c']]);
    } finally {
      plugIn();
    }
  }, 60_000);
});

describe('three holders, the second fails', () => {
  let copy: string;

  it('the first and third sign; the report names who did not and the command that goes on', async () => {
    copy = copyOfEvent();
    const before = readTranscript(join(repoDir, 'transcript.jsonl')).length;
    const args = [...sign(copy), '--profile', typedPins, '--holders', 'admin-a,admin-b,admin-c'];
    const run = new PtyRun(args, { cwd: a.dir });
    await run.waitFor(/PIN of token "admin-a"/);
    run.type(pinOf(a, 'admin-a'));
    for (const left of ['', 'Wrong PIN; 2 tries left', 'Wrong PIN; 1 try left']) {
      const from = plain(run.raw).length;
      await run.waitFor(new RegExp(`${left}[^]*PIN of token "admin-b"`), from);
      run.type('a-typo');
    }
    await run.waitFor(/PIN of token "admin-c"/);
    run.type(pinOf(a, 'admin-c'));
    expect(await run.done()).toBe(4);
    const screen = plain(run.raw);
    expect(screen).toContain('Signed in this run: admin-a, admin-c.');
    expect(screen).toMatch(/NOT signed by admin-b: wrong PIN for token "admin-b" \(serial \w+\) 3 times/);
    expect(screen).toContain(
      `To go on, with the holders still missing: tuf-ceremony event sign ${copy} --profile ${typedPins} --holder admin-b --repo ${repoDir} --confirm ${digest}`,
    );
    expect(signers(copy)).toEqual([
      ['admin-a', 'admin-c'],
      ['admin-a', 'admin-c'],
      ['admin-a', 'admin-c'],
    ]);
    // The transcript keeps why admin-b did not sign, between the records of those who did.
    const records = readTranscript(join(repoDir, 'transcript.jsonl')).slice(before);
    const steps = records.map((r) => `${r.step} ${r.operator} ${(r.details?.['outcome'] as string) ?? 'signed'}`);
    expect(steps).toEqual(['event-sign admin-a signed', 'event-sign admin-b failed', 'event-sign admin-c signed']);
    const failure = records.find((r) => r.operator === 'admin-b');
    expect(failure?.details?.['error']).toMatchObject({ message: expect.stringMatching(/wrong PIN.*3 times/) });
  }, 90_000);

  it('the same command again skips those who signed, saying so, and signs for the second', async () => {
    const args = [...sign(copy), '--profile', typedPins, '--holders', 'admin-a,admin-b,admin-c'];
    const run = new PtyRun(args, { cwd: a.dir });
    await run.waitFor(/PIN of token "admin-b"/);
    run.type(pinOf(a, 'admin-b'));
    expect(await run.done()).toBe(0);
    const screen = plain(run.raw);
    expect(screen).toContain('admin-a has already signed root v1, targets v1, claimed v1; skipped');
    expect(screen).toContain('admin-c has already signed root v1, targets v1, claimed v1; skipped');
    expect(screen).not.toMatch(/PIN of token "admin-(a|c)"/);
    expect(signers(copy)).toEqual([
      ['admin-a', 'admin-b', 'admin-c'],
      ['admin-a', 'admin-b', 'admin-c'],
      ['admin-a', 'admin-b', 'admin-c'],
    ]);
  }, 60_000);

  it('an event that no longer builds on the repository is refused before any PIN, naming the role', async () => {
    const fin = await runCli(['event', 'finalize', copy, '--repo', repoDir]);
    expect(fin.code).toBe(0);
    const repo = Repository.open(repoDir);
    const claimed = repo.current<Targets>('claimed');
    const resign = (dir: string) =>
      SigningEvent.create(join(a.dir, dir), {
        kind: 'test-resign',
        description: 'claimed v2',
        roles: [
          {
            role: 'claimed',
            metadata: new Metadata(
              new Targets({
                version: 2,
                expires: addSeconds(new Date(), 40 * 86400),
                delegations: claimed.signed.delegations,
              }),
            ),
          },
        ],
        repo,
      });
    const first = resign('claimed-v2-first');
    const second = resign('claimed-v2-second');
    const both = ['--profile', a.profilePath, '--holders', 'admin-a,admin-b'];
    expect(
      (await runCli(['event', 'sign', first.dir, '--repo', repoDir, '--confirm', first.digest, ...both])).code,
    ).toBe(0);
    expect((await runCli(['event', 'finalize', first.dir, '--repo', repoDir])).code).toBe(0);
    const late = new PtyRun(
      ['event', 'sign', second.dir, '--repo', repoDir, '--profile', typedPins, '--holder', 'admin-a'],
      {
        cwd: a.dir,
      },
    );
    expect(await late.done()).toBe(5);
    const screen = plain(late.raw);
    expect(screen).toContain(
      "claimed moved on: the event's claimed v2 builds on v1, and the repository holds v2 now " +
        '(an event was finalized since this one was made); make the event again from the ' +
        'repository',
    );
    expect(screen).not.toContain('PIN of token');
  }, 90_000);
});
