/**
 * What the transcript holds besides the successful steps (docs/formats/transcript.md): a scribe's
 * note, and the refusals and failures a command records before it reports them. The record of a
 * failure never hides the failure: when it cannot be written, nothing is, and the error stands.
 */
import { mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  appendTranscript,
  failureOf,
  isFailureRecord,
  PENDING_JOURNALS,
  readTranscript,
  recordFailure,
  recordingFailure,
  TRANSCRIPT_FILE,
} from '../../../src/ceremony/state/transcript.js';
import { EVENT_JOURNAL_FILE } from '../../../src/ceremony/state/event-journal.js';
import { JOURNAL_FILE } from '../../../src/ceremony/state/finalize-journal.js';
import { RefusedError, TokenError } from '../../../src/tuf/base/errors.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { formatExpires } from '../../../src/tuf/base/time.js';
import { runCli } from '../../helpers/cli.js';
import { makeRepository, signer, writeRequest, type Fixture } from '../../requests/fixtures.js';

const now = new Date();
let dir: string;
let f: Fixture;
const records = () => readTranscript(join(f.dir, TRANSCRIPT_FILE));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'transcript-records-'));
  f = await makeRepository(join(dir, 'repo'), now);
  appendTranscript(f.dir, { step: 'init', inputs: {}, outputs: {} });
});

describe("the scribe's note", () => {
  it('is chained like every record, with who wrote it and when', async () => {
    const r = await runCli([
      'transcript',
      'note',
      '--repo',
      f.dir,
      '--by',
      'Sam Lee',
      '--at',
      '2026-05-01T10:40:00Z',
      'Break\nuntil 10:55',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const note = records().at(-1)!;
    expect(note).toMatchObject({
      seq: 2,
      step: 'note',
      operator: 'Sam Lee',
      time: '2026-05-01T10:40:00Z',
      details: { text: 'Break\nuntil 10:55' },
    });
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, seq: 2, time: note.time, hash: note.hash });
    const shown = await runCli(['transcript', 'show', '--repo', f.dir]);
    expect(shown.stdout).toContain('#2  2026-05-01T10:40:00Z  note by Sam Lee\n    | Break\n    | until 10:55');
  });

  it('is refused empty or too long to print, and nothing is written', async () => {
    const empty = await runCli(['transcript', 'note', '--repo', f.dir, '  ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the note is empty/);
    const long = await runCli(['transcript', 'note', '--repo', f.dir, 'x'.repeat(4001)]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/the note has 4001 characters; at most 4000/);
    expect(records()).toHaveLength(1);
  });
});

describe('refusals and failures', () => {
  it('recordFailure keeps the outcome, code and message, and the caller’s details', () => {
    const rec = recordFailure(f.dir, {
      step: 'event-sign',
      operator: 'admin-b',
      error: new TokenError('E_PIN_INCORRECT', 'wrong PIN for admin-b (2 tries left)'),
      inputs: { 'event.json': sha256Hex('event') },
      details: { folder: '/media/e' },
      at: new Date('2026-05-01T10:00:00Z'),
    })!;
    expect(rec).toMatchObject({
      step: 'event-sign',
      operator: 'admin-b',
      time: '2026-05-01T10:00:00Z',
      outputs: {},
      details: {
        folder: '/media/e',
        outcome: 'failed',
        error: { code: 'E_PIN_INCORRECT', message: 'wrong PIN for admin-b (2 tries left)' },
      },
    });
    expect(isFailureRecord(rec)).toBe(true);
    expect(failureOf(new RefusedError('no', 'E_GUARD_RAIL')).outcome).toBe('refused');
    const ctrlC = Object.assign(new Error('User force closed the prompt'), { name: 'ExitPromptError' });
    expect(failureOf(ctrlC)).toEqual({
      outcome: 'interrupted',
      code: 'E_INTERRUPTED',
      message: 'interrupted at a prompt (Ctrl-C)',
    });
    expect(failureOf(new TypeError('x is undefined'))).toEqual({
      outcome: 'failed',
      code: 'E_INTERNAL',
      message: 'internal error: x is undefined',
    });
  });

  it('writes nothing, and does not throw, when the record cannot be made', () => {
    const error = new RefusedError('no', 'E_REFUSED');
    expect(recordFailure(join(dir, 'missing'), { step: 'claim', error })).toBeUndefined();
    // A journal holds the next record until opening the repository finishes it.
    expect(PENDING_JOURNALS).toEqual([EVENT_JOURNAL_FILE, JOURNAL_FILE]);
    for (const journal of PENDING_JOURNALS) {
      writeFileSync(join(f.dir, journal), '{}');
      expect(recordFailure(f.dir, { step: 'claim', error })).toBeUndefined();
      unlinkSync(join(f.dir, journal));
    }
    expect(records()).toHaveLength(1);
    // A broken transcript is never extended, not even by a failure record.
    const path = join(f.dir, TRANSCRIPT_FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"init"', '"init2"'));
    expect(recordFailure(f.dir, { step: 'claim', error })).toBeUndefined();
  });

  it('recordingFailure records and rethrows the same error', async () => {
    const error = new RefusedError('refused for a reason', 'E_GUARD_RAIL');
    await expect(
      recordingFailure(f.dir, { step: 'rotate', details: { role: 'root' } }, () => Promise.reject(error)),
    ).rejects.toBe(error);
    expect(records().at(-1)).toMatchObject({
      step: 'rotate',
      details: { role: 'root', outcome: 'refused', error: { code: 'E_GUARD_RAIL' } },
    });
    expect(await recordingFailure(f.dir, { step: 'rotate' }, () => 7)).toBe(7);
    expect(records()).toHaveLength(2);
  });

  it('claim, event finalize and bundle export record what they refuse', async () => {
    await writeRequest(join(dir, 'requests'), 'a.json', { project: 'alpha', signers: [signer(30)] }, now);
    const event = join(dir, 'claim-2');
    const claim = (...extra: string[]) =>
      runCli([
        'claim',
        '--repo',
        f.dir,
        '--requests',
        join(dir, 'requests'),
        '--event',
        event,
        ...extra,
        '--no-online-check',
        'no online service in this test',
      ]);
    expect((await claim('--at', formatExpires(now))).code).toBe(0);
    // The same folder with another time is another event: refused, and recorded.
    const again = await claim('--at', formatExpires(new Date(now.getTime() + 3_600_000)));
    expect(again.code).toBe(5);
    const unsigned = await runCli(['event', 'finalize', event, '--repo', f.dir]);
    expect(unsigned.code).toBe(5);
    const nowhere = await runCli(['bundle', 'export', '--repo', f.dir, '--to', join(dir, 'no', 'such', 'medium')]);
    expect(nowhere.code).toBe(2);
    const failures = records().filter(isFailureRecord);
    expect(
      failures.map((r) => [r.step, r.details?.['outcome'], (r.details?.['error'] as { code: string }).code]),
    ).toEqual([
      ['claim', 'refused', 'E_EXISTS'],
      ['event-finalize', 'refused', 'E_EVENT_INCOMPLETE'],
      [
        'bundle-export',
        'failed',
        JSON.parse(JSON.stringify((failures[2]!.details!['error'] as { code: string }).code)),
      ],
    ]);
    expect(failures[1]!.details).toMatchObject({ folder: event });
    // A failure record names no event id, so the event still counts as made once and not finalized.
    const status = await runCli(['status', '--repo', f.dir, '--json']);
    expect(JSON.parse(status.stdout).pending_events).toEqual([
      expect.objectContaining({ kind: 'claim', folder: event }),
    ]);
  });
});
