/**
 * `event sign` at a real pseudo-terminal with SoftHSM tokens (docs/formats/event.md, "The
 * confirmation before the PIN"; docs/threat-model.md section 7): the event digest is on screen
 * right above the question, a prefix of it is not a confirmation, and the words at the positions
 * drawn are.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { fingerprintWords } from '../../../src/tuf/model/fingerprint-words.js';
import { askedWordPositions, builtCli, plain, PtyRun, removeBuiltCli } from '../../helpers/pty.js';
import { bootstrapped, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let repoDir: string;
let eventDir: string;

const fileDigests = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, sha256Hex(readFileSync(join(dir, f)))]),
  );

beforeAll(async () => {
  builtCli();
  ({ a, repoDir, eventDir } = await bootstrapped('pty-confirm'));
}, 120_000);
afterAll(() => removeBuiltCli());

describe('event sign at a terminal', () => {
  it('a digest that matches the event digest in its first 8 hex characters is not accepted', async () => {
    const digest = SigningEvent.load(eventDir).digest;
    const before = fileDigests(eventDir);
    const run = new PtyRun(
      ['event', 'sign', eventDir, '--profile', a.profilePath, '--holder', 'admin-a', '--repo', repoDir, '--no-qr'],
      { cwd: a.dir },
    );
    const screen = await run.waitFor(/or all 64 hex characters/);
    // The whole digest is on screen right above the question: hex and the 32 numbered words.
    const above = screen.slice(0, screen.lastIndexOf('type its words'));
    expect(above.slice(above.lastIndexOf('the event digest'))).toContain(digest.slice(0, 4) + ' ' + digest.slice(4, 8));
    expect(above).toContain(`32:${fingerprintWords(digest)[31]}`);
    expect(askedWordPositions(screen)).toHaveLength(6);
    // Asked again after each, three answers in all.
    run.type(digest.slice(0, 8));
    for (const left of ['2 tries', '1 try']) {
      await run.waitFor(new RegExp(`That was not it \\(${left} left\\)`));
      run.type(digest.slice(0, 8));
    }
    expect(await run.done()).toBe(5);
    expect(run.raw).toMatch(/admin-a did not confirm the event digest/);
    expect(fileDigests(eventDir)).toEqual(before);
  }, 60_000);

  it('an escape sequence planted in every unsigned field of event.json never reaches the terminal raw', async () => {
    const planted = join(a.dir, 'planted');
    cpSync(eventDir, planted, { recursive: true });
    const hide = '\u001b[8m';
    const wire = JSON.parse(readFileSync(join(planted, 'event.json'), 'utf8'));
    wire.description = `${hide}all is well\r\n    keys added (0):`;
    wire.kind = `bootstrap${hide}`;
    wire.repository = `${hide}rehearsal-index\u202e`;
    wire.details = { note: hide };
    writeFileSync(join(planted, 'event.json'), `${JSON.stringify(wire)}\n`);
    const digest = SigningEvent.load(planted).digest;
    const runs = [
      new PtyRun(['event', 'show', planted, '--unverified', '--no-qr'], { cwd: a.dir }),
      new PtyRun(['event', 'show', planted, '--repo', repoDir, '--no-qr'], { cwd: a.dir }),
      new PtyRun(['event', 'show', planted, '--unverified', '--raw'], { cwd: a.dir }),
      new PtyRun(
        [
          'event',
          'sign',
          planted,
          '--profile',
          a.profilePath,
          '--holder',
          'admin-b',
          '--repo',
          repoDir,
          '--confirm',
          digest,
        ],
        { cwd: a.dir },
      ),
    ];
    for (const run of runs) {
      await run.done();
      expect(run.raw).not.toContain('\u001b[8m');
      expect(run.raw).not.toContain('\u202e');
      expect(run.raw).not.toContain('all is well\r');
    }
    expect(runs[0]!.raw).toContain('\\u001b[8mall is well\\u000d\\u000a    keys added (0):');
    expect(runs[1]!.raw).toContain('\\u001b[8mrehearsal-index\\u202e');
    expect(runs[3]!.raw).toContain('\\u001b[8mrehearsal-index');
  }, 60_000);

  it('the words at the positions asked are accepted, and the signature is made', async () => {
    const digest = SigningEvent.load(eventDir).digest;
    const words = fingerprintWords(digest);
    const run = new PtyRun(
      ['event', 'sign', eventDir, '--profile', a.profilePath, '--holder', 'admin-a', '--repo', repoDir, '--no-qr'],
      { cwd: a.dir },
    );
    const screen = await run.waitFor(/or all 64 hex characters/);
    run.type(
      askedWordPositions(screen)
        .map((p) => words[p - 1])
        .join(' '),
    );
    expect(await run.done()).toBe(0);
    expect(
      SigningEvent.load(eventDir)
        .status()
        .roles.every((r) => r.thresholds.every((t) => t.signed.some((s) => s.holder === 'admin-a'))),
    ).toBe(true);
  }, 60_000);

  it('Ctrl-C at the confirmation exits 130 with one line, no stack trace', async () => {
    const before = fileDigests(eventDir);
    const run = new PtyRun(
      ['event', 'sign', eventDir, '--profile', a.profilePath, '--holder', 'admin-c', '--repo', repoDir, '--no-qr'],
      { cwd: a.dir },
    );
    await run.waitFor(/or all 64 hex characters/);
    run.interrupt();
    expect(await run.done()).toBe(130);
    const after = plain(run.raw).slice(plain(run.raw).lastIndexOf('or all 64 hex characters'));
    expect(after).toMatch(/tuf-ceremony event sign: interrupted \(Ctrl-C\)/);
    expect(after).not.toMatch(/internal error|ExitPromptError| {4}at /);
    expect(fileDigests(eventDir)).toEqual(before);
  }, 60_000);
});

describe('a closed stdout', () => {
  it("ends quietly with the command's exit code (EPIPE)", () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        'set -o pipefail; "$0" "$1" event show "$2" --repo "$3" --all | true; echo "status ${PIPESTATUS[0]}" >&2',
        process.execPath,
        builtCli(),
        eventDir,
        repoDir,
      ],
      { encoding: 'utf8', cwd: a.dir },
    );
    expect(r.stderr).not.toMatch(/EPIPE|internal error| {4}at /);
    expect(r.stderr).toContain('status 0');
  }, 60_000);
});
