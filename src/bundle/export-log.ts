/**
 * The export log (`exports.json` in a ceremony repository, or a log file on the online side):
 * one entry per bundle written, with its sequence, manifest digest and the digest of every file,
 * so the next export knows its sequence and which files are new since the last one.
 */
import { readFileSync } from 'node:fs';
import { serializeJson } from '../tuf/canonical-json.js';
import { FormatError } from '../tuf/errors.js';
import { FieldReader, join as joinField } from '../tuf/fields.js';
import { parseStrictJson } from '../tuf/strict-json.js';
import { formatExpires, parseExpires } from '../tuf/time.js';
import { replaceFileAtomically } from './durable-files.js';

const FORMAT = 'tuf-ceremony-exports';

export interface ExportLogEntry {
  sequence: number;
  time: Date;
  /** Where the bundle was written. */
  bundle: string;
  manifestSha256: string;
  /** file name → sha256 of every file the bundle carried. */
  files: Record<string, string>;
}

export function readExportLog(path: string): ExportLogEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new FormatError(path, `cannot read the export log (${(e as NodeJS.ErrnoException).code})`);
  }
  const r = FieldReader.of(parseStrictJson(bytes, path), path);
  if (r.string('format') !== FORMAT) throw new FormatError(r.at('format'), `expected "${FORMAT}"`);
  if (r.integer('format_version', 1) !== 1) throw new FormatError(r.at('format_version'), 'unsupported version');
  return r.array('exports').map((v, i) => {
    const e = FieldReader.of(v, joinField(r.at('exports'), i));
    const filesReader = FieldReader.of(e.raw('files'), e.at('files'));
    const files: Record<string, string> = {};
    for (const name of Object.keys(filesReader.obj)) files[name] = filesReader.string(name);
    return { sequence: e.integer('sequence', 1), time: parseExpires(e.raw('time'), e.at('time')), bundle: e.string('bundle'), manifestSha256: e.string('manifest_sha256'), files };
  });
}

/** The next sequence: one more than the highest logged. */
export function nextSequence(log: ExportLogEntry[]): number {
  return log.reduce((m, e) => Math.max(m, e.sequence), 0) + 1;
}

/** Append an entry; the log is replaced atomically (temp file, fsync, rename), never truncated in place. */
export function appendExportLog(path: string, entry: ExportLogEntry): void {
  const log = [...readExportLog(path), entry];
  const doc = {
    format: FORMAT,
    format_version: 1,
    exports: log.map((e) => ({ sequence: e.sequence, time: formatExpires(e.time), bundle: e.bundle, manifest_sha256: e.manifestSha256, files: e.files })),
  };
  replaceFileAtomically(path, serializeJson(doc));
}
