/**
 * The export log (`exports.json` in a ceremony repository, or a log file on the online side):
 * one entry per bundle written, with its sequence, manifest digest and the digest of every file,
 * so the next export knows its sequence and which files are new since the last one.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseStrictJson, serializeJson } from '../tuf/json/index.js';
import { FormatError, formatExpires, parseExpires } from '../tuf/base/index.js';
import { FieldReader, join as joinField } from '../tuf/model/index.js';
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
  /**
   * Written before the bundle, so no crash can hand its sequence out twice; cleared once the bundle
   * is on the medium and read back (docs/formats/bundle.md, "Crash safety").
   */
  reserved?: boolean;
}

export function readExportLog(path: string): ExportLogEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new FormatError(path, `cannot read the export log (${(e as NodeJS.ErrnoException).code})`, 'E_FORMAT', {
      cause: e,
    });
  }
  const r = FieldReader.of(parseStrictJson(bytes, path), path);
  if (r.string('format') !== FORMAT) throw new FormatError(r.at('format'), `expected "${FORMAT}"`);
  if (r.integer('format_version', 1) !== 1) throw new FormatError(r.at('format_version'), 'unsupported version');
  return r.array('exports').map((v, i) => {
    const e = FieldReader.of(v, joinField(r.at('exports'), i));
    const filesReader = FieldReader.of(e.raw('files'), e.at('files'));
    const files: Record<string, string> = {};
    for (const name of Object.keys(filesReader.obj)) files[name] = filesReader.string(name);
    const reserved = e.has('reserved') ? e.boolean('reserved') : undefined;
    return {
      sequence: e.integer('sequence', 1),
      time: parseExpires(e.raw('time'), e.at('time')),
      bundle: e.string('bundle'),
      manifestSha256: e.string('manifest_sha256'),
      files,
      ...(reserved ? { reserved } : {}),
    };
  });
}

/** The next sequence: one more than the highest logged, reserved ones included. */
export function nextSequence(log: ExportLogEntry[]): number {
  return log.reduce((m, e) => Math.max(m, e.sequence), 0) + 1;
}

function writeLog(path: string, log: ExportLogEntry[]): void {
  const doc = {
    format: FORMAT,
    format_version: 1,
    exports: log.map((e) => ({
      sequence: e.sequence,
      time: formatExpires(e.time),
      bundle: e.bundle,
      manifest_sha256: e.manifestSha256,
      files: e.files,
      ...(e.reserved ? { reserved: true } : {}),
    })),
  };
  replaceFileAtomically(path, serializeJson(doc));
}

/** Append an entry; the log is replaced atomically (temp file, fsync, rename), never truncated in place. */
export function appendExportLog(path: string, entry: ExportLogEntry): void {
  writeLog(path, [...readExportLog(path), entry]);
}

/** The entry of `sequence` is no longer reserved (its bundle is on the medium), or is dropped. */
export function settleExportLog(path: string, sequence: number, outcome: 'written' | 'dropped'): void {
  const log = readExportLog(path).flatMap((e) =>
    e.sequence !== sequence ? [e] : outcome === 'dropped' ? [] : [{ ...e, reserved: undefined }],
  );
  writeLog(path, log);
}

/**
 * What a crash left of the last export: a reserved entry whose bundle is complete on the medium
 * (its manifest has the logged digest) is settled as written; one whose bundle folder is absent
 * while its parent is there never appeared, so its sequence is free again (and any hidden
 * `.<name>.partial-*` beside it is removed); one whose medium is absent keeps its sequence.
 * Returns a line for a person, or undefined when there was nothing to do.
 */
export function recoverExportLog(
  path: string,
  manifestSha256Of: (bundleDir: string) => string | undefined,
): string | undefined {
  const last = readExportLog(path).at(-1);
  if (!last?.reserved) return undefined;
  const parent = dirname(last.bundle);
  if (manifestSha256Of(last.bundle) === last.manifestSha256) {
    settleExportLog(path, last.sequence, 'written');
    return `bundle ${last.sequence} at ${last.bundle} was complete when an export was interrupted; it is logged as written`;
  }
  if (!existsSync(parent))
    return (
      `bundle ${last.sequence} was being written to ${last.bundle} when an export was ` +
      'interrupted, and that medium is not here: its sequence is not used again'
    );
  if (existsSync(last.bundle))
    return `${last.bundle} is not the bundle ${last.sequence} an interrupted export was writing: its sequence is not used again; check it`;
  const prefix = `.${basename(last.bundle)}.partial-`;
  for (const name of readdirSync(parent))
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  settleExportLog(path, last.sequence, 'dropped');
  return (
    `an export of bundle ${last.sequence} to ${last.bundle} was interrupted before the ` +
    'bundle appeared; what it left was removed and the sequence is free again'
  );
}
