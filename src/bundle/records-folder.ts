/**
 * The records folder beside a published metadata folder (docs/formats/bundle.md, "What is
 * published"): what the tool keeps about that folder (the transcript, the import state, the
 * online side's export log) and that is not metadata, so never in it. Earlier releases kept those
 * files in the published folder; the next command that writes one moves it here.
 */
import { linkSync, lstatSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RefusedError, UsageError } from '../tuf/base/index.js';
import { fsyncDir } from './durable-files.js';

/** `<folder>.records`, beside the published folder. */
export function recordsFolderOf(published: string): string {
  const abs = resolve(published);
  return join(dirname(abs), `${basename(abs)}.records`);
}

/**
 * `path` as the system resolves it: the longest part that exists through realpath (links, and a
 * `..` after a link, which goes up from where the link leads), the rest appended as written.
 */
function systemPath(path: string): string {
  let cur = isAbsolute(path) ? path : `${process.cwd()}${sep}${path}`;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest);
    } catch {
      const up = dirname(cur);
      if (up === cur) return resolve(path);
      rest.unshift(basename(cur));
      cur = up;
    }
  }
}

/**
 * Whether `path` is `folder` or inside it as the file system sees it, not only as written: a
 * symbolic link, a `..` after one, or a bind mount of the folder elsewhere is the same folder
 * (docs/formats/bundle.md, "What is published": nothing but metadata in the published folder).
 */
export function isInside(path: string, folder: string): boolean {
  const [p, f] = [systemPath(path), systemPath(folder)];
  const rel = relative(f, p);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return true;
  // A bind mount shows the same folder (device and inode) under another path: look up from `path`.
  let st;
  try {
    st = statSync(f);
  } catch {
    return false;
  }
  for (let cur = p; ; cur = dirname(cur)) {
    try {
      const at = statSync(cur);
      if (at.dev === st.dev && at.ino === st.ino) return true;
    } catch {
      // not there yet: its parent decides
    }
    if (dirname(cur) === cur) return false;
  }
}

/** Refuse `path` (what it is: `the records folder`, …) when it is in the published `folder` (isInside). */
export function keepOutside(what: string, path: string, folder: string): void {
  if (isInside(path, folder))
    throw new UsageError(
      `${what} ${path} is inside the published folder ${folder}; keep it beside the folder`,
      'E_USAGE',
    );
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
