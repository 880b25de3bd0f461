/**
 * The records folder beside a published metadata folder (docs/formats/bundle.md, "What is
 * published"): what the tool keeps about that folder (the transcript, the import state, the
 * online side's export log) and that is not metadata, so never in it. Earlier releases kept those
 * files in the published folder; the next command that writes one moves it here.
 */
import { linkSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { RefusedError } from '../tuf/base/index.js';
import { fsyncDir } from './durable-files.js';

/** `<folder>.records`, beside the published folder. */
export function recordsFolderOf(published: string): string {
  const abs = resolve(published);
  return join(dirname(abs), `${basename(abs)}.records`);
}

/** Whether `path` is `folder` or inside it. */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Whether anything is at `path` (lstat: a link counts). */
export function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export interface LegacyMove {
  from: string;
  to: string;
  /** `to` holds the same bytes already (a move cut short): only `from` is left to remove. */
  sameAsThere: boolean;
}

/**
 * What to do with a file an earlier release kept in the published folder: move it to `to`, or
 * only remove it when `to` holds the same bytes. Two different files are refused: which one is
 * current is for a person to say. Undefined when there is nothing at `from`.
 */
export function planLegacyMove(from: string, to: string): LegacyMove | undefined {
  if (!present(from)) return undefined;
  if (!lstatSync(from).isFile())
    throw new RefusedError(
      `${from} is not a plain file; it was left as it is and nothing was written`,
      'E_TARGET_NOT_FILE',
    );
  if (!present(to)) return { from, to, sameAsThere: false };
  if (readFileSync(from).equals(readFileSync(to))) return { from, to, sameAsThere: true };
  throw new RefusedError(
    `${from} was left in the published folder by an earlier release and differs from ${to}: ` +
      `keep the current one at ${to}, delete ${from}, and run the command again`,
    'E_IMPORT_RECORDS',
  );
}

/**
 * Move it: a hard link under the new name (link(2) never replaces), fsync, then the old name
 * removed. A cut in between leaves one file under both names, which planLegacyMove then finds the
 * same. Both folders are on one file system (the records folder is beside the published one).
 */
export function moveLegacy(m: LegacyMove, note: (line: string) => void): void {
  if (!m.sameAsThere) {
    linkSync(m.from, m.to);
    fsyncDir(dirname(m.to));
  }
  unlinkSync(m.from);
  fsyncDir(dirname(m.from));
  note(`${m.from}: moved to ${m.to}, beside the published folder, which holds metadata only`);
}
