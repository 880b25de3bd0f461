/**
 * What the receiving side remembers between imports: per direction, the last sequence imported and
 * its manifest digest, so that an older, replayed or re-ordered bundle is refused; and the root it
 * trusted and the root to trust next. Kept with the transcript in the records folder beside the
 * target (`<target>.records/import-state.json`), never in the folder that is published.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStrictJson, serializeJson } from '../tuf/json/index.js';
import { FormatError, formatExpires, parseExpires } from '../tuf/base/index.js';
import { FieldReader, isLowerHex, join as joinField } from '../tuf/model/index.js';
import { replaceFileAtomically } from './durable-files.js';
import { DIRECTIONS, MAX_SEQUENCE, type Direction } from './manifest.js';
import { present, recordsFolderOf } from './records-folder.js';

export const STATE_NAME = 'import-state.json';
/** Where earlier releases kept the state: hidden in the target folder, which is published. */
export const LEGACY_STATE_NAME = '.tuf-ceremony-import.json';
const FORMAT = 'tuf-ceremony-import-state';

/** A root by version and the SHA-256 of its file's bytes. */
export interface RootDigest {
  version: number;
  sha256: string;
}

export interface ImportRecord {
  sequence: number;
  manifestSha256: string;
  imported: Date;
  /** The root the bundle was verified from (absent in states written by earlier releases). */
  trustedRoot?: RootDigest;
  /** The newest root the bundle carried: the one to trust for the next import. */
  nextRoot?: RootDigest;
}

export type ImportState = Partial<Record<Direction, ImportRecord>>;

export function defaultStatePath(targetDir: string, recordsDir = recordsFolderOf(targetDir)): string {
  return join(recordsDir, STATE_NAME);
}

/**
 * Where the import state of `target` is (`path`) and where it is read from now: `path`, or the
 * hidden file an earlier release left in the target (`legacy`), which the next import moves.
 */
export function locateImportState(
  target: string,
  opts: { recordsDir?: string | undefined; statePath?: string | undefined } = {},
): { path: string; readFrom: string; legacy?: string } {
  const path = opts.statePath ?? defaultStatePath(target, opts.recordsDir);
  const legacy = join(target, LEGACY_STATE_NAME);
  if (present(legacy) && !present(path)) return { path, readFrom: legacy, legacy };
  return { path, readFrom: path, ...(present(legacy) ? { legacy } : {}) };
}

/** Far larger than any state (two small records); a bigger file is not read. */
const STATE_LIMIT = 1024 * 1024;

export function readImportState(path: string): ImportState {
  let bytes: Buffer;
  try {
    // The legacy file sits in the published folder, which others may write: a pipe there would
    // stall the import, a link to a device exhaust it (docs/formats/bundle.md, "What is published").
    const st = lstatSync(path);
    if (!st.isFile()) throw new FormatError(path, 'not a plain file (a link, pipe or device); it was left as it is');
    if (st.size > STATE_LIMIT) throw new FormatError(path, `larger than ${STATE_LIMIT} bytes; it was left as it is`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new FormatError(path, `cannot read the import state (${(e as NodeJS.ErrnoException).code})`, 'E_FORMAT', {
      cause: e,
    });
  }
  const r = FieldReader.of(parseStrictJson(bytes, path), path);
  if (r.string('format') !== FORMAT) throw new FormatError(r.at('format'), `expected "${FORMAT}"`);
  if (r.integer('format_version', 1) !== 1) throw new FormatError(r.at('format_version'), 'unsupported version');
  const dirs = FieldReader.of(r.raw('directions'), r.at('directions'));
  const state: ImportState = {};
  for (const d of DIRECTIONS) {
    if (!dirs.has(d)) continue;
    const e = FieldReader.of(dirs.raw(d), joinField(dirs.path, d));
    const sequence = e.integer('sequence', 1);
    if (sequence > MAX_SEQUENCE)
      throw new FormatError(e.at('sequence'), `above the largest sequence a bundle may carry (${MAX_SEQUENCE})`);
    state[d] = {
      sequence,
      manifestSha256: e.string('manifest_sha256'),
      imported: parseExpires(e.raw('imported'), e.at('imported')),
    };
    for (const [field, key] of [
      ['trusted_root', 'trustedRoot'],
      ['next_root', 'nextRoot'],
    ] as const) {
      if (!e.has(field)) continue;
      const rr = FieldReader.of(e.raw(field), e.at(field));
      const sha256 = rr.string('sha256');
      if (!isLowerHex(sha256, 32)) throw new FormatError(rr.at('sha256'), 'expected 64 lowercase hex characters');
      state[d][key] = { version: rr.integer('version', 1), sha256 };
    }
  }
  return state;
}

/** Replace the state file atomically (temp file, fsync, rename, fsync folder). */
export function writeImportState(path: string, state: ImportState): void {
  const directions: Record<string, unknown> = {};
  for (const d of DIRECTIONS) {
    const rec = state[d];
    if (rec)
      directions[d] = {
        sequence: rec.sequence,
        manifest_sha256: rec.manifestSha256,
        imported: formatExpires(rec.imported),
        ...(rec.trustedRoot
          ? { trusted_root: { version: rec.trustedRoot.version, sha256: rec.trustedRoot.sha256 } }
          : {}),
        ...(rec.nextRoot ? { next_root: { version: rec.nextRoot.version, sha256: rec.nextRoot.sha256 } } : {}),
      };
  }
  replaceFileAtomically(path, serializeJson({ format: FORMAT, format_version: 1, directions }));
}
