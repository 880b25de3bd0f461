/**
 * The commands that make a signing event (claim, resign, rotate, recover, revoke) cut at every
 * call that changes the file system (docs/formats/event.md, "Crash safety"): under the event's
 * name there is the whole event or nothing; the repository verifies; once it is opened again
 * (any command) no journal or temporary is left in it; running the same command again ends with
 * the tree of the uninterrupted run, the same output and exactly one transcript record of the event.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { EVENT_JOURNAL_FILE } from '../../src/ceremony/state/event-journal.js';
import { Repository } from '../../src/ceremony/state/repository.js';
import { readTranscript, verifyTranscript } from '../../src/ceremony/state/transcript.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { runCli } from '../helpers/cli.js';
import { signer } from '../requests/fixtures.js';
import { AT, clientProblems, signedClaimEvent, startingRepository } from './fixture.js';
import { buildCli, freshCopy, hiddenEntries, pool, runChild, treeOf, type ChildRun } from './harness.js';

const LATER = '2030-01-03T00:00:00Z';

/** The starting repository, and the same with the claim event finalized (a project to revoke). */
let start: string;
let claimed: string;
let targetsKeyid: string;
beforeAll(async () => {
  buildCli();
  start = mkdtempSync(join(tmpdir(), 'crash-events-'));
  const f = await startingRepository(start);
  targetsKeyid = f.targetsSigner.key.keyid;
  mkdirSync(join(start, 'keys'));
  for (const [name, n] of [
    ['targets-new', 21],
    ['claimed-a', 22],
    ['claimed-b', 23],
  ] as const)
    writeFileSync(join(start, 'keys', `${name}.json`), serializeJson(signer(n).key.toJSON()));
  claimed = freshCopy(start, 'crash-events-claimed-');
  const g = { ...f, dir: join(claimed, 'repo'), repo: Repository.open(join(claimed, 'repo')) };
  await signedClaimEvent(g, claimed);
  const fin = await runCli(['event', 'finalize', join(claimed, 'claim-event'), '--repo', g.dir, '--at', AT]);
  if (fin.code !== 0) throw new Error(`finalize failed: ${fin.stderr}`);
}, 120_000);

const skip = (rel: string): boolean => rel.startsWith('.calls');

/** The records of `step` that name the event `id`. */
function recordsOf(dir: string, step: string, id: string): number {
  return readTranscript(join(dir, 'repo', 'transcript.jsonl')).filter(
    (r) => r.step === step && r.details?.['event'] === id,
  ).length;
}

function sameOutput(run: ChildRun, dir: string): string {
  return run.stdout.split(dir).join('<ROOT>');
}

/** What the second run said, for the summary. */
function outcomeOf(stderr: string, openedFirst: string): string {
  const said = `${openedFirst}\n${stderr}`;
  const parts: string[] = [];
  if (/was completed/.test(said)) parts.push('completed on open');
  if (/undone/.test(said)) parts.push('undone on open');
  if (/created already and is in the transcript/.test(said)) parts.push('rerun: done already');
  else if (/had no transcript record/.test(said)) parts.push('rerun: record appended');
  else parts.push('rerun: written');
  return parts.join(', ');
}

interface Case {
  start: () => string;
  args: string[];
  /** The event folder, relative to the copy. */
  event: string;
  step: string;
}

async function crashEveryCall(c: Case): Promise<{ calls: number; outcomes: Record<string, number> }> {
  const from = c.start();
  const baseDir = freshCopy(from, 'crash-base-');
  const base = await runChild(c.args, { cwd: baseDir });
  expect(base.code, base.stderr).toBe(0);
  expect(base.stderr).toBe('');
  const expected = treeOf(baseDir, skip);
  const expectedOut = sameOutput(base, baseDir);
  const id = sha256Hex(readFileSync(join(baseDir, c.event, 'event.json')));
  expect(recordsOf(baseDir, c.step, id)).toBe(1);

  // Run again after an uninterrupted run: reported as done, nothing written.
  const second = await runChild(c.args, { cwd: baseDir });
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toMatch(/created already and is in the transcript; nothing was written/);
  expect(sameOutput(second, baseDir)).toBe(expectedOut);
  expect(treeOf(baseDir, skip)).toEqual(expected);
  // Another event under that name (another time, so another event.json): refused, as always.
  const other = await runChild(
    c.args.map((a) => (a === AT ? LATER : a)),
    { cwd: baseDir },
  );
  expect(other.code).toBe(5);
  expect(other.stderr).toMatch(/exists already; a signing event is always a new folder/);

  const outcomes: Record<string, number> = {};
  await pool(base.calls, 3, async (i) => {
    const k = i + 1;
    const dir = freshCopy(from, 'crash-k-');
    const repoDir = join(dir, 'repo');
    const eventDir = join(dir, c.event);
    const cut = await runChild(c.args, { cwd: dir, crashAt: k });
    expect(cut.signal, `cut at ${k}: exit ${cut.code} ${cut.stderr}`).toBe('SIGKILL');
    // Under the event's name: the whole event, or nothing.
    if (existsSync(eventDir)) {
      expect(() => SigningEvent.load(eventDir), `cut at ${k}`).not.toThrow();
      const inEvent = (t: Record<string, string>) =>
        Object.fromEntries(Object.entries(t).filter(([rel]) => rel.startsWith(`${c.event}/`)));
      expect(inEvent(treeOf(dir, skip)), `cut at ${k}`).toEqual(inEvent(expected));
    }
    expect(clientProblems(join(repoDir, 'metadata'), AT), `cut at ${k}`).toEqual([]);
    // Half the cuts are finished by opening the repository (what any command does first), the
    // other half by the rerun itself.
    let opened = '';
    if (k % 2 === 1) {
      Repository.open(repoDir, (line) => (opened += line));
      expect(hiddenEntries(repoDir), `cut at ${k}: ${opened}`).toEqual([]);
      expect(existsSync(join(repoDir, EVENT_JOURNAL_FILE))).toBe(false);
      expect(verifyTranscript(join(repoDir, 'transcript.jsonl')).ok).toBe(true);
      expect(recordsOf(dir, c.step, id), `cut at ${k}: ${opened}`).toBe(existsSync(eventDir) ? 1 : 0);
    }
    const again = await runChild(c.args, { cwd: dir });
    expect(again.code, `cut at ${k}: ${again.stderr}`).toBe(0);
    const outcome = outcomeOf(again.stderr, opened);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    expect(sameOutput(again, dir), `cut at ${k}`).toBe(expectedOut);
    expect(clientProblems(join(repoDir, 'metadata'), AT), `cut at ${k}`).toEqual([]);
    expect(verifyTranscript(join(repoDir, 'transcript.jsonl')).ok, `cut at ${k}`).toBe(true);
    expect(recordsOf(dir, c.step, id), `cut at ${k}`).toBe(1);
    expect(hiddenEntries(dir, skip), `cut at ${k}`).toEqual([]);
    expect(treeOf(dir, skip), `cut at ${k}`).toEqual(expected);
  });
  return { calls: base.calls, outcomes };
}

describe('making a signing event, cut at every file-system call', () => {
  it('claim writes its event and transcript record as one unit', async () => {
    const r = await crashEveryCall({
      start: () => start,
      args: [
        'claim',
        '--no-online-check',
        'no online service in this test',
        '--repo',
        'repo',
        '--requests',
        'inbox',
        '--event',
        'claim-event',
        '--at',
        AT,
        '--json',
      ],
      event: 'claim-event',
      step: 'claim',
    });
    console.log(`claim: ${r.calls} cut points`, r.outcomes);
  });

  it('resign writes its event and transcript record as one unit', async () => {
    const args = [
      'resign',
      '--repo',
      'repo',
      '--role',
      'root',
      '--role',
      'targets',
      '--role',
      'claimed',
      '--event',
      'medium/resign-event',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({ start: () => start, args, event: 'medium/resign-event', step: 'resign' });
    console.log(`resign: ${r.calls} cut points`, r.outcomes);
  });

  it('rotate writes its event and transcript record as one unit', async () => {
    const args = [
      'rotate',
      '--repo',
      'repo',
      '--role',
      'targets',
      '--add',
      'alice=keys/targets-new.json',
      '--remove',
      targetsKeyid,
      '--event',
      'rotate-event',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({ start: () => start, args, event: 'rotate-event', step: 'rotate' });
    console.log(`rotate: ${r.calls} cut points`, r.outcomes);
  });

  it('recover writes its event and transcript record as one unit', async () => {
    const args = [
      'recover',
      '--repo',
      'repo',
      '--compromised',
      'claimed',
      '--new-key',
      'claimed=alice=keys/claimed-a.json',
      '--new-key',
      'claimed=bob=keys/claimed-b.json',
      '--event',
      'recover-event',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({ start: () => start, args, event: 'recover-event', step: 'recover' });
    console.log(`recover: ${r.calls} cut points`, r.outcomes);
  });

  it('revoke writes its event and transcript record as one unit', async () => {
    const args = [
      'revoke',
      '--repo',
      'repo',
      '--project',
      'demo',
      '--reason',
      'laptop stolen',
      '--event',
      'revoke-event',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({ start: () => claimed, args, event: 'revoke-event', step: 'revoke' });
    console.log(`revoke: ${r.calls} cut points`, r.outcomes);
  });

  it('a cut after the event took its name, opened while its medium is away: undone, and the rerun with the medium back records it', async () => {
    const args = [
      'resign',
      '--repo',
      'repo',
      '--role',
      'targets',
      '--event',
      'medium/resign-event',
      '--at',
      AT,
      '--json',
    ];
    const baseDir = freshCopy(start, 'crash-base-');
    const base = await runChild(args, { cwd: baseDir });
    expect(base.code, base.stderr).toBe(0);
    const expected = treeOf(baseDir, skip);
    // The last cut point that leaves the event in place, its journal committed and no record yet.
    for (let k = base.calls; k > 0; k--) {
      const dir = freshCopy(start, 'crash-k-');
      const cut = await runChild(args, { cwd: dir, crashAt: k });
      expect(cut.signal).toBe('SIGKILL');
      if (!existsSync(join(dir, 'repo', EVENT_JOURNAL_FILE)) || !existsSync(join(dir, 'medium', 'resign-event')))
        continue;
      const id = JSON.parse(readFileSync(join(dir, 'repo', EVENT_JOURNAL_FILE), 'utf8')).event as string;
      if (recordsOf(dir, 'resign', id) > 0) continue;
      renameSync(join(dir, 'medium'), join(dir, 'away'));
      let note = '';
      Repository.open(join(dir, 'repo'), (line) => (note = line));
      expect(note).toMatch(
        /was undone: .*medium is not there \(a medium not mounted\?\); run the same command again with it mounted/,
      );
      expect(existsSync(join(dir, 'repo', EVENT_JOURNAL_FILE))).toBe(false);
      renameSync(join(dir, 'away'), join(dir, 'medium'));
      const again = await runChild(args, { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/created already but had no transcript record; the record was appended/);
      expect(recordsOf(dir, 'resign', id)).toBe(1);
      expect(treeOf(dir, skip)).toEqual(expected);
      return;
    }
    throw new Error('no cut point left the event in place before its record');
  });

  it('a journal naming anything but its own hidden folder is refused, and nothing is removed', () => {
    const dir = freshCopy(start, 'crash-journal-');
    const journal = {
      event: 'a'.repeat(64),
      folder: join(dir, 'claim-event'),
      format: 'tuf-ceremony-event-journal',
      format_version: 1,
      partial: '../repo',
      transcript: { line: '', offset: 0 },
    };
    writeFileSync(join(dir, 'repo', EVENT_JOURNAL_FILE), serializeJson(journal));
    expect(() => Repository.open(join(dir, 'repo'), () => {})).toThrow(
      /partial: expected \.claim-event\.partial-<12 hex digits>/,
    );
    expect(existsSync(join(dir, 'repo', 'metadata', '1.root.json'))).toBe(true);
  });
});
