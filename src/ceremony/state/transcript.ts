/**
 * The ceremony transcript (docs/formats/transcript.md): an append-only JSON Lines file, one record
 * per step, each holding the SHA-256 of the previous line (`prev`) and of itself without the
 * `hash` field (`hash`). Editing a record breaks its own `hash`; removing or reordering records
 * breaks the next `prev`. The digest of the last line (the "head") is what people initial and
 * what a bundle manifest carries, which anchors the end of the chain.
 */
import { isLowerHex, sha256Hex } from '../../tuf/model/index.js';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { CeremonyError, FormatError, formatExpires, RefusedError, UsageError } from '../../tuf/base/index.js';
import {
  checkDigestMap,
  fsyncDir,
  GENESIS_PREV,
  recordLine,
  transcriptChain,
  type TranscriptChain,
  type TranscriptCheck,
  type TranscriptRecord,
} from '../../bundle/index.js';
import { join } from 'node:path';
import { runningReleaseDigest } from './release-check.js';

// The records and their chain are defined with the bundle's check of a carried transcript.
export { GENESIS_PREV, parseTranscriptLine } from '../../bundle/index.js';
export type { TranscriptCheck, TranscriptRecord, TranscriptToken } from '../../bundle/index.js';

export const TRANSCRIPT_FILE = 'transcript.jsonl';

export type NewTranscriptRecord = Omit<TranscriptRecord, 'seq' | 'prev' | 'time' | 'hash'> & { time?: string };

function readChain(path: string): TranscriptChain {
  if (!existsSync(path)) return { ok: false, records: 0, list: [], brokenAt: 1, reason: `${path} does not exist` };
  return transcriptChain(readFileSync(path));
}

/** The records that hold, up to where the chain breaks, and the check itself (for `transcript show`). */
export function inspectTranscript(path: string): { check: TranscriptCheck; records: TranscriptRecord[] } {
  const { list, ...check } = readChain(path);
  return { check, records: list };
}

/** Check the whole chain; says at which record it breaks and why. */
export function verifyTranscript(path: string): TranscriptCheck {
  const { list: _list, ...check } = readChain(path);
  return check;
}

/** The same check on bytes already read (and pinned by a manifest, say), not read again. */
export function verifyTranscriptBytes(bytes: Buffer): TranscriptCheck {
  const { list: _list, ...check } = transcriptChain(bytes);
  return check;
}

/** Every record, after checking the chain; RefusedError naming where it breaks. */
export function readTranscript(path: string): TranscriptRecord[] {
  const res = readChain(path);
  if (!res.ok) throw new RefusedError(`transcript ${path} does not verify: ${res.reason}`, 'E_TRANSCRIPT_BROKEN');
  return res.list;
}

/**
 * A record ready to append: its line (with the newline) and the transcript's length it follows.
 * Made before anything is written, so a journal can hold it (docs/formats/event.md, "Crash
 * safety") and the append can be finished after a power cut without a second, different record.
 */
export interface PreparedRecord {
  record: TranscriptRecord;
  line: Buffer;
  /** The transcript's length in bytes before this record. */
  offset: number;
}

/**
 * Chain a record to `<repoDir>/transcript.jsonl` as it is now. The chain is checked first: a
 * broken transcript is never extended (it would hide where it broke).
 */
export function prepareTranscriptRecord(repoDir: string, record: NewTranscriptRecord): PreparedRecord {
  const path = join(repoDir, TRANSCRIPT_FILE);
  let prev = GENESIS_PREV;
  let seq = 1;
  let offset = 0;
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    const res = transcriptChain(bytes);
    if (!res.ok)
      throw new RefusedError(
        `transcript ${path} does not verify (${res.reason}); it is not extended`,
        'E_TRANSCRIPT_BROKEN',
      );
    prev = res.head!;
    seq = res.records + 1;
    offset = bytes.length;
  }
  const full: TranscriptRecord = { ...record, seq, time: record.time ?? formatExpires(new Date()), prev };
  const release = record.release ?? runningReleaseDigest();
  if (release !== undefined) {
    if (!isLowerHex(release, 32)) throw new FormatError('release', 'expected a SHA-256 in lowercase hex');
    full.release = release;
  }
  checkDigestMap(full.inputs, 'inputs');
  checkDigestMap(full.outputs, 'outputs');
  full.hash = sha256Hex(recordLine(full));
  return { record: full, line: Buffer.concat([recordLine(full), Buffer.from('\n')]), offset };
}

/**
 * Append a prepared record, or finish appending it: a transcript that already ends with it is left
 * alone, and one cut inside it (a power cut during the write) is cut back to where it began first.
 * Anything else after `offset` means the transcript moved on: refused, never overwritten.
 */
export function writePreparedRecord(repoDir: string, p: PreparedRecord): void {
  const path = join(repoDir, TRANSCRIPT_FILE);
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    /* no transcript yet: the record starts it */
  }
  if (size > p.offset) {
    const tail = readFileSync(path).subarray(p.offset);
    if (tail.equals(p.line)) return;
    if (tail.length >= p.line.length || !p.line.subarray(0, tail.length).equals(tail)) {
      throw new RefusedError(
        `transcript ${path} changed after record ${p.record.seq} was prepared; it is not extended`,
        'E_TRANSCRIPT_BROKEN',
      );
    }
    truncateSync(path, p.offset);
  } else if (size < p.offset) {
    throw new RefusedError(
      `transcript ${path} is shorter than when record ${p.record.seq} was prepared; it is not extended`,
      'E_TRANSCRIPT_BROKEN',
    );
  }
  const fd = openSync(path, 'a', 0o644);
  try {
    writeSync(fd, p.line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (p.offset === 0) fsyncDir(repoDir);
}

/** Append one record to `<repoDir>/transcript.jsonl` (prepare, then write). */
export function appendTranscript(repoDir: string, record: NewTranscriptRecord): TranscriptRecord {
  const prepared = prepareTranscriptRecord(repoDir, record);
  writePreparedRecord(repoDir, prepared);
  return prepared.record;
}

/**
 * The journals that hold a prepared record while a step is interrupted (event-journal.ts,
 * finalize-journal.ts): while one is there, the record it holds must be the next one, so no other
 * record is appended before opening the repository has finished it.
 */
export const PENDING_JOURNALS = ['event-journal.json', 'finalize-journal.json'] as const;

/** How a step ended that did not succeed (docs/formats/transcript.md, "Refusals and failures"). */
export type FailureOutcome = 'refused' | 'failed' | 'interrupted';

export interface FailureRecordInit {
  /** The step as its successful record names it (`claim`, `event-finalize`, `event-sign`, …). */
  step: string;
  /** What was thrown: its code and one-line message are kept, never a stack trace. */
  error: unknown;
  /** Default: `interrupted` for Ctrl-C at a prompt, `refused` for a safety check, else `failed`. */
  outcome?: FailureOutcome;
  /** Who was at the step (the admin signing, say). */
  operator?: string;
  /** What the step had read by then, name → SHA-256, as in its successful record. */
  inputs?: Record<string, string>;
  /** What identifies the attempt (event folder, holder, project…). Never a PIN or a passphrase. */
  details?: Record<string, unknown>;
  at?: Date;
}

/** The outcome, code and message a failure record keeps of an error. */
export function failureOf(error: unknown): { outcome: FailureOutcome; code: string; message: string } {
  // inquirer's Ctrl-C at a prompt: a person stopped the step.
  if ((error as Error | undefined)?.name === 'ExitPromptError')
    return { outcome: 'interrupted', code: 'E_INTERRUPTED', message: 'interrupted at a prompt (Ctrl-C)' };
  if (error instanceof CeremonyError) {
    const e = error as CeremonyError;
    return { outcome: e.category === 'refused' ? 'refused' : 'failed', code: e.code, message: e.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { outcome: 'failed', code: 'E_INTERNAL', message: `internal error: ${message}` };
}

/** Whether a record tells of a step that did not succeed (made by recordFailure). */
export function isFailureRecord(r: TranscriptRecord): boolean {
  const o = r.details?.['outcome'];
  return o === 'refused' || o === 'failed' || o === 'interrupted';
}

/**
 * Record that a step was refused, failed or was interrupted, chained like every record
 * (docs/formats/transcript.md, "Refusals and failures"): `details.outcome`, `details.error`
 * (`code`, `message`) and the caller's details. For the commands to call where they catch what
 * ends a step (a wrong PIN, an aborted signing, a refused check), then rethrow: the person still
 * sees the error. It never throws: when the record cannot be written (no repository there, a
 * broken transcript, a journal waiting to be finished, a full medium) it returns undefined and
 * the original error is what matters.
 */
export function recordFailure(repoDir: string, init: FailureRecordInit): TranscriptRecord | undefined {
  try {
    if (PENDING_JOURNALS.some((j) => existsSync(join(repoDir, j)))) return undefined;
    if (!statSync(repoDir).isDirectory()) return undefined;
    const f = failureOf(init.error);
    return appendTranscript(repoDir, {
      step: init.step,
      ...(init.at ? { time: formatExpires(init.at) } : {}),
      ...(init.operator !== undefined ? { operator: init.operator } : {}),
      inputs: init.inputs ?? {},
      outputs: {},
      details: {
        ...(init.details ?? {}),
        outcome: init.outcome ?? f.outcome,
        error: { code: f.code, message: f.message },
      },
    });
  } catch {
    return undefined;
  }
}

/** Run a step; when it throws, record the failure (recordFailure) and throw the same error. */
export async function recordingFailure<T>(
  repoDir: string,
  init: Omit<FailureRecordInit, 'error'>,
  step: () => T | Promise<T>,
): Promise<Awaited<T>> {
  try {
    return await step();
  } catch (e) {
    recordFailure(repoDir, { ...init, error: e });
    throw e;
  }
}

/** The step of a scribe's note. */
export const NOTE_STEP = 'note';

/** A note longer than this is refused: the transcript is printed and initialled. */
export const MAX_NOTE_LENGTH = 4000;

/**
 * A note in the transcript (`transcript note`): what the scribe saw that no command records, chained
 * like every record, with who wrote it. Refused when empty or too long to print.
 */
export function appendNote(repoDir: string, o: { text: string; by?: string; at?: Date }): TranscriptRecord {
  const text = o.text.trim();
  if (text === '') throw new UsageError('the note is empty');
  if (text.length > MAX_NOTE_LENGTH)
    throw new UsageError(`the note has ${text.length} characters; at most ${MAX_NOTE_LENGTH} fit a printed record`);
  if (o.by !== undefined && o.by.trim() === '') throw new UsageError('--by: the name is empty');
  return appendTranscript(repoDir, {
    step: NOTE_STEP,
    ...(o.at ? { time: formatExpires(o.at) } : {}),
    ...(o.by !== undefined ? { operator: o.by.trim() } : {}),
    inputs: {},
    outputs: {},
    details: { text },
  });
}
