/**
 * The ceremony transcript (docs/formats/transcript.md): an append-only JSON Lines file, one record
 * per step, each holding the SHA-256 of the previous line (`prev`) and of itself without the
 * `hash` field (`hash`). Editing a record breaks its own `hash`; removing or reordering records
 * breaks the next `prev`. The digest of the last line (the "head") is what people initial and
 * what a bundle manifest carries, which anchors the end of the chain.
 */
import {
  asObject,
  asString,
  FieldReader,
  fingerprintLines,
  groupedHex,
  isLowerHex,
  type JsonObject,
  sha256Hex,
} from '../../tuf/model/index.js';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { escapeLines, FormatError, formatExpires, parseExpires, RefusedError } from '../../tuf/base/index.js';
import { fsyncDir } from '../../bundle/index.js';
import { join } from 'node:path';
import { parseStrictJson, serializeJson } from '../../tuf/json/index.js';
import { runningReleaseDigest } from './release-check.js';

export const TRANSCRIPT_FILE = 'transcript.jsonl';
export const GENESIS_PREV = '0'.repeat(64);

export interface TranscriptToken {
  holder: string;
  serial: string;
  keyids: string[];
}

export interface TranscriptRecord {
  seq: number;
  time: string;
  step: string;
  /** Who confirmed the step (an admin name), when a person did. */
  operator?: string;
  /** What the operator confirmed, e.g. the payload digest they typed or passed. */
  confirmation?: string;
  /** name → SHA-256 hex of what the step read. */
  inputs: Record<string, string>;
  /** name → SHA-256 hex of what the step wrote. */
  outputs: Record<string, string>;
  tokens?: TranscriptToken[];
  details?: Record<string, unknown>;
  /**
   * The release digest (SHA-256 of the MANIFEST, docs/release.md) of the tool that wrote the
   * record; absent when it ran from a source checkout, and in transcripts written before releases.
   */
  release?: string;
  /** SHA-256 of the previous line's bytes (64 zeros for the first record). */
  prev: string;
  /** SHA-256 of this record's canonical line without `hash`. */
  hash?: string;
}

export type NewTranscriptRecord = Omit<TranscriptRecord, 'seq' | 'prev' | 'time' | 'hash'> & { time?: string };

/** The line form: sorted compact JSON, no trailing newline (the chain hashes these bytes). */
function lineOf(record: JsonObject): Buffer {
  const b = serializeJson(record);
  return b.subarray(0, b.length - 1);
}

function toWire(r: TranscriptRecord): JsonObject {
  const out: JsonObject = {
    seq: r.seq,
    time: r.time,
    step: r.step,
    inputs: r.inputs,
    outputs: r.outputs,
    prev: r.prev,
  };
  if (r.operator !== undefined) out['operator'] = r.operator;
  if (r.confirmation !== undefined) out['confirmation'] = r.confirmation;
  if (r.tokens !== undefined)
    out['tokens'] = r.tokens.map((t) => ({ holder: t.holder, serial: t.serial, keyids: t.keyids }));
  if (r.details !== undefined) out['details'] = r.details;
  if (r.release !== undefined) out['release'] = r.release;
  if (r.hash !== undefined) out['hash'] = r.hash;
  return out;
}

function digestMap(v: unknown, path: string): Record<string, string> {
  const obj = asObject(v, path);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(obj)) {
    const hex = asString(value, `${path}.${name}`);
    if (!isLowerHex(hex, 32)) throw new FormatError(`${path}.${name}`, 'expected a SHA-256 in lowercase hex');
    out[name] = hex;
  }
  return out;
}

function parseRecord(json: unknown): TranscriptRecord {
  const r = FieldReader.of(json, '');
  const rec: TranscriptRecord = {
    seq: r.integer('seq', 1),
    time: r.string('time'),
    step: r.string('step'),
    inputs: digestMap(r.raw('inputs'), 'inputs'),
    outputs: digestMap(r.raw('outputs'), 'outputs'),
    prev: r.string('prev'),
  };
  parseExpires(rec.time, 'time');
  if (!isLowerHex(rec.prev, 32)) throw new FormatError('prev', 'expected a SHA-256 in lowercase hex');
  if (r.has('operator')) rec.operator = r.string('operator');
  if (r.has('confirmation')) rec.confirmation = r.string('confirmation');
  if (r.has('tokens')) {
    rec.tokens = r.array('tokens').map((tv, i) => {
      const tr = FieldReader.of(tv, `tokens[${i}]`);
      return { holder: tr.string('holder'), serial: tr.string('serial'), keyids: tr.stringArray('keyids') };
    });
  }
  if (r.has('details')) rec.details = r.object('details');
  if (r.has('release')) {
    rec.release = r.string('release');
    if (!isLowerHex(rec.release, 32)) throw new FormatError('release', 'expected a SHA-256 in lowercase hex');
  }
  rec.hash = r.string('hash');
  for (const k of ['operator', 'confirmation', 'tokens', 'details', 'release']) r.optional(k);
  const extra = Object.keys(r.rest());
  if (extra.length > 0) throw new FormatError(extra[0]!, 'unknown field in a transcript record');
  return rec;
}

/** One record from its line (without the newline), strictly, as the chain check reads it. */
export function parseTranscriptLine(line: Buffer, where: string): TranscriptRecord {
  return parseRecord(parseStrictJson(line.subarray(0, line.at(-1) === 0x0a ? -1 : undefined), where));
}

export interface TranscriptCheck {
  ok: boolean;
  records: number;
  /** The seq (1-based line number) of the first record that does not hold. */
  brokenAt?: number;
  reason?: string;
  /** SHA-256 of the last line: what people initial and bundles carry. */
  head?: string;
}

interface ReadResult extends TranscriptCheck {
  list: TranscriptRecord[];
}

function readChain(path: string): ReadResult {
  if (!existsSync(path)) return { ok: false, records: 0, list: [], brokenAt: 1, reason: `${path} does not exist` };
  return chainOf(readFileSync(path));
}

/** The records of a transcript's bytes, checked link by link. */
function chainOf(bytes: Buffer): ReadResult {
  const list: TranscriptRecord[] = [];
  if (bytes.length === 0) return { ok: true, records: 0, list, head: GENESIS_PREV };
  if (bytes[bytes.length - 1] !== 0x0a) {
    const lines = bytes.toString('utf8').split('\n').length;
    return {
      ok: false,
      records: lines - 1,
      list,
      brokenAt: lines,
      reason: 'the last record is cut short (no final newline)',
    };
  }
  let prev = GENESIS_PREV;
  let start = 0;
  for (let seq = 1; start < bytes.length; seq++) {
    const end = bytes.indexOf(0x0a, start);
    const line = bytes.subarray(start, end);
    start = end + 1;
    const broken = (reason: string): ReadResult => ({
      ok: false,
      records: seq - 1,
      list,
      brokenAt: seq,
      reason: `record ${seq}: ${reason}`,
    });
    let rec: TranscriptRecord;
    try {
      rec = parseRecord(parseStrictJson(line, `record ${seq}`));
    } catch (e) {
      return broken((e as Error).message);
    }
    if (rec.seq !== seq) return broken(`holds seq ${rec.seq} at line ${seq} (a record was removed, added or moved)`);
    if (rec.prev !== prev)
      return broken(
        `prev ${rec.prev.slice(0, 16)}… is not the SHA-256 of record ${seq - 1} (${prev.slice(0, 16)}…): a record before it was changed, removed or reordered`,
      );
    const { hash, ...rest } = rec;
    if (hash !== sha256Hex(lineOf(toWire(rest))))
      return broken('its contents were changed after it was written (hash does not match)');
    if (!line.equals(lineOf(toWire(rec)))) return broken('is not in canonical form (edited by hand?)');
    list.push(rec);
    prev = sha256Hex(line);
  }
  return { ok: true, records: list.length, list, head: prev };
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
  const { list: _list, ...check } = chainOf(bytes);
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
    const res = chainOf(bytes);
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
  digestMap(full.inputs, 'inputs');
  digestMap(full.outputs, 'outputs');
  full.hash = sha256Hex(lineOf(toWire(full)));
  return { record: full, line: Buffer.concat([lineOf(toWire(full)), Buffer.from('\n')]), offset };
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
 * `init`'s `details.accepted_deviations` (docs/formats/transcript.md): one line per key kept because
 * the token profile accepts what its module reported, so that witnesses see each one by name.
 */
function acceptedDeviationLines(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    const d = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const accepted = Array.isArray(d['accepted']) ? d['accepted'].map(String).join(', ') : String(d['accepted']);
    return (
      `    accepted deviation: ${String(d['holder'])}'s ${String(d['purpose'])} key ` +
      `${String(d['keyid']).slice(0, 16)} (token serial ${String(d['serial'])}, module ` +
      `"${String(d['module'])}", ${String(d['library'])}): ${accepted}`
    );
  });
}

/** A transcript for a person to read, print and initial. */
export function renderTranscript(records: TranscriptRecord[], head: string): string {
  const lines: string[] = [];
  let release: string | undefined;
  for (const r of records) {
    lines.push(`#${r.seq}  ${r.time}  ${r.step}${r.operator ? `  confirmed by ${r.operator}` : ''}`);
    if (r.release !== release) lines.push(`    written by release ${r.release ?? '(none: a source checkout)'}`);
    release = r.release;
    if (r.confirmation) lines.push(`    confirmation: ${r.confirmation}`);
    for (const [name, d] of Object.entries(r.inputs)) lines.push(`    in   ${d}  ${name}`);
    for (const [name, d] of Object.entries(r.outputs)) lines.push(`    out  ${d}  ${name}`);
    for (const t of r.tokens ?? [])
      lines.push(`    token of ${t.holder}, serial ${t.serial}: ${t.keyids.map(groupedHex).join(', ')}`);
    for (const [k, v] of Object.entries(r.details ?? {})) {
      if (k === 'accepted_deviations') for (const line of acceptedDeviationLines(v)) lines.push(line);
      else lines.push(`    ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
  }
  // The head is what the people in the room write on the printout: in the form they compare.
  lines.push(
    `${records.length} record(s); head:`,
    ...(/^[0-9a-f]{64}$/.test(head) ? fingerprintLines(head) : [`  ${head}`]),
  );
  // Details hold names and text from files (event descriptions, paths): escaped line by line.
  return escapeLines(lines);
}
