/**
 * The one module that writes files durably, for the offline medium, import targets and the
 * repository folder alike (docs/architecture.md): nothing it writes replaces an output, new files
 * are opened with O_EXCL ('wx'), written and fsynced, and folders are fsynced after their entries
 * change, so that a medium pulled out or a power cut after a command returns leaves what the
 * command said it wrote.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CeremonyError, RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import { fsyncFiles } from './parallel-fsync.js';

/**
 * Write a new file (refusing an existing one, EEXIST) and fsync it before closing. For files in a
 * folder that is itself new and hidden until it is renamed; elsewhere writeNewFile.
 */
export function writeExclusive(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write many new files (each refusing an existing one), then fsync them all together: the same
 * guarantee as writeExclusive for each, without waiting for the device once per file.
 */
export function writeExclusiveFiles(files: Iterable<readonly [string, Uint8Array]>): void {
  const written: string[] = [];
  for (const [path, bytes] of files) {
    const fd = openSync(path, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    } finally {
      closeSync(fd);
    }
    written.push(path);
  }
  fsyncFiles(written);
}

/**
 * One buffer of 8 MiB reused for every read-back, a piece at a time: a flat claimed role of 1M
 * projects is a 430 MB file, and a buffer of its size, kept for the next one, was that much more
 * memory at the command's peak (docs/performance.md).
 */
const READ_BACK_PIECE = 8 << 20;
let readBackScratch: Buffer | undefined;

/** Whether the file at `path` holds exactly `bytes` (read back after writing, before trusting the medium). */
export function readsBackAs(path: string, bytes: Uint8Array): boolean {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    if (fstatSync(fd).size !== bytes.length) return false;
    readBackScratch ??= Buffer.allocUnsafe(READ_BACK_PIECE);
    const expected = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    let n = 0;
    while (n < bytes.length) {
      const got = readSync(fd, readBackScratch, 0, Math.min(READ_BACK_PIECE, bytes.length - n), null);
      if (got === 0) return false;
      if (readBackScratch.compare(expected, n, n + got, 0, got) !== 0) return false;
      n += got;
    }
    // Nothing after the expected end (the size was checked; a file growing meanwhile is not it).
    return readSync(fd, readBackScratch, 0, 1, null) === 0;
  } finally {
    closeSync(fd);
  }
}

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Create `path` with `bytes`; RefusedError when it exists. The file appears whole or not at all: it
 * is written under a temporary name, fsynced, then hard-linked to its name (link(2) fails with
 * EEXIST instead of replacing), and the folder is fsynced so the name survives a power cut.
 */
export function writeNewFile(path: string, bytes: Uint8Array): void {
  const temp = tempNameFor(path);
  try {
    writeExclusive(temp, bytes);
    linkSync(temp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new RefusedError(`${path} exists already; it is never overwritten`, 'E_EXISTS', { cause: e });
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC')
      throw new UsageError(`cannot write ${path}: ${code}`, 'E_WRITE', { cause: e });
    throw e;
  } finally {
    removeQuietly(temp); // linked to its name, or never made
  }
  fsyncDir(dirname(path));
}

/**
 * The prefix of the hidden name a folder (a bundle, a signing event) is written under, beside its
 * final name, before it takes that name: `.<name>.partial-` and a random suffix.
 */
export function partialPrefix(abs: string): string {
  return `.${basename(abs)}.partial-`;
}

/**
 * Replace a state or log file atomically: a reader sees the old or the new content, never a
 * mix (temp file, fsync, rename, fsync folder). Only for the tool's own state, never for outputs.
 * `tempDir` (on the same file system) keeps the temporary file out of a published folder.
 */
export function replaceFileAtomically(path: string, bytes: Uint8Array, tempDir = dirname(path)): void {
  // A temporary file a power cut left (the same name, another random suffix) goes first.
  const stale = new RegExp(`^\\.${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}$`);
  for (const name of readdirSync(tempDir)) if (stale.test(name)) removeQuietly(join(tempDir, name));
  const temp = join(tempDir, `.${basename(path)}.${randomBytes(6).toString('hex')}`);
  try {
    writeExclusive(temp, bytes);
    renameSync(temp, path);
    fsyncDir(dirname(path));
  } catch (e) {
    removeQuietly(temp);
    throw e;
  }
}

/**
 * Replace working files of a signing event (their signatures grow as admins sign). Only for files
 * that are meant to change; outputs use writeNewFile. Each file is replaced atomically (temporary
 * name, rename); the temporary files are fsynced together and each folder once, so a thousand
 * roles wait for the device a few times, not a thousand (docs/performance.md). Unlike
 * replaceFileAtomically it lists no folder for stale temporary files: an event's folder may hold
 * thousands of files.
 */
export function replaceWorkingFiles(files: ReadonlyArray<readonly [string, Uint8Array]>): void {
  const temps = files.map(([path]) => tempNameFor(path));
  try {
    writeExclusiveFiles(files.map(([, bytes], i) => [temps[i]!, bytes] as const));
    for (const [i, [path]] of files.entries()) renameSync(temps[i]!, path);
  } catch (e) {
    for (const t of temps) removeQuietly(t); // never made, or already renamed
    // Name the file as the admin knows it, not its temporary name.
    const failed = (e as { path?: string }).path;
    const i = failed === undefined ? -1 : temps.indexOf(failed);
    const where = i >= 0 ? files[i]![0] : (failed ?? files.map(([p]) => p).join(', '));
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${where}: ${code ?? (e as Error).message}`, 'E_WRITE', { cause: e });
  }
  for (const dir of new Set(files.map(([path]) => dirname(path)))) fsyncDir(dir);
}

/** fsync a folder so that created, renamed or removed entries survive a power cut or an unplug. */
export function fsyncDir(path: string): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a plain file without following a symbolic link (O_NOFOLLOW: the check and the read are
 * one step, so a link swapped in between is refused too). Reads at most `limit` bytes + 1, so a
 * huge file on hostile media cannot exhaust memory before its size is compared.
 */
export function readPlainFile(path: string, name: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new VerificationError(`${name}: is a symbolic link; bundles hold plain files only`, 'E_BUNDLE_SYMLINK', {
        cause: e,
      });
    if (code === 'ENOENT')
      throw new VerificationError(`${name}: listed in the manifest but missing from the bundle`, 'E_BUNDLE_MISSING', {
        cause: e,
      });
    throw new VerificationError(`${name}: cannot be read (${code ?? (e as Error).message})`, 'E_BUNDLE_UNREADABLE', {
      cause: e,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new VerificationError(`${name}: is not a plain file`, 'E_BUNDLE_NOT_FILE');
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) break;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Errors of a medium that is full, read-only or failing: each gets its own words. */
const MEDIUM_ERRNO: Record<string, string> = {
  ENOSPC: 'the medium is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the medium is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error (a failing or removed medium)',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
};

/** One clear line for a write that failed on the medium (exit code 2: the medium, not the data). */
export function mediumError(e: unknown, where: string, after: string): CeremonyError {
  if (e instanceof CeremonyError) return e as CeremonyError;
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = (code && MEDIUM_ERRNO[code]) ?? (e as Error)?.message ?? String(e);
  return new UsageError(`cannot write to ${where}: ${why}${code ? ` (${code})` : ''}; ${after}`, 'E_WRITE', {
    cause: e,
  });
}

/** Remove a temporary file or folder this process made; never fails (the caller may be failing already). */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* best effort: the caller reports the original error */
  }
}
