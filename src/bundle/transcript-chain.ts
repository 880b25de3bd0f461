/**
 * The hash chain of the ceremony transcript (docs/formats/transcript.md), on bytes: each record
 * holds the SHA-256 of the previous line (`prev`) and of itself without `hash` (`hash`), so the
 * SHA-256 of the last line (the head) pins every record before it. It lives here, below
 * `ceremony`, because a bundle's verification checks the transcript it carries; the transcript
 * file itself (appending, journals, failures) is `src/ceremony/state/transcript.ts`.
 */
import { parseStrictJson, serializeJson } from '../tuf/json/index.js';
import { FormatError, parseExpires } from '../tuf/base/index.js';
import { asObject, asString, FieldReader, isLowerHex, type JsonObject, sha256Hex } from '../tuf/model/index.js';

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

export function checkDigestMap(v: unknown, path: string): Record<string, string> {
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
    inputs: checkDigestMap(r.raw('inputs'), 'inputs'),
    outputs: checkDigestMap(r.raw('outputs'), 'outputs'),
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

export interface TranscriptChain extends TranscriptCheck {
  list: TranscriptRecord[];
}

/** The records of a transcript's bytes, checked link by link. */
export function transcriptChain(bytes: Buffer): TranscriptChain {
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
    const broken = (reason: string): TranscriptChain => ({
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

/** A record's line as the chain hashes it: sorted compact JSON, no newline. */
export function recordLine(r: TranscriptRecord): Buffer {
  return lineOf(toWire(r));
}
