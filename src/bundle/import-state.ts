/**
 * What the receiving side remembers between imports: per direction, the last sequence imported and
 * its manifest digest, so that an older, replayed or re-ordered bundle is refused.
 * Kept in the target folder (`.tuf-ceremony-import.json`) unless a state file is named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStrictJson, serializeJson } from '../tuf/json/index.js';
import { FormatError, formatExpires, parseExpires } from '../tuf/base/index.js';
import { FieldReader, join as joinField } from '../tuf/model/index.js';
import { replaceFileAtomically } from './durable-files.js';
import { DIRECTIONS, MAX_SEQUENCE, type Direction } from './manifest.js';

export const STATE_NAME = '.tuf-ceremony-import.json';
const FORMAT = 'tuf-ceremony-import-state';

export interface ImportRecord {
  sequence: number;
  manifestSha256: string;
  imported: Date;
}

export type ImportState = Partial<Record<Direction, ImportRecord>>;

export function defaultStatePath(targetDir: string): string {
  return join(targetDir, STATE_NAME);
}

export function readImportState(path: string): ImportState {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
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
  }
  return state;
}

/** Replace the state file atomically (temp file, fsync, rename, fsync folder); the temp file in `tempDir` when given. */
export function writeImportState(path: string, state: ImportState, tempDir?: string): void {
  const directions: Record<string, unknown> = {};
  for (const d of DIRECTIONS) {
    const rec = state[d];
    if (rec)
      directions[d] = {
        sequence: rec.sequence,
        manifest_sha256: rec.manifestSha256,
        imported: formatExpires(rec.imported),
      };
  }
  replaceFileAtomically(path, serializeJson({ format: FORMAT, format_version: 1, directions }), tempDir);
}
