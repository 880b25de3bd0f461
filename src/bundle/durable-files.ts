/**
 * Durable, never-overwriting file operations for removable media and import targets: new files are
 * opened with O_EXCL ('wx'), written, fsynced; folders are fsynced after entries change, so that a
 * medium pulled out after the command returns holds what the command said it wrote.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CeremonyError, UsageError, VerificationError } from '../tuf/model/errors.js';
import { fsyncFiles } from './parallel-fsync.js';

/** Write a new file (refusing an existing one, EEXIST) and fsync it before closing. */
export function writeNewFile(path: string, bytes: Uint8Array): void {
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
 * guarantee as writeNewFile for each, without waiting for the device once per file.
 */
export function writeNewFiles(files: Iterable<readonly [string, Uint8Array]>): void {
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

/** One buffer reused for every read-back, so that checking a folder of large files allocates once. */
let readBackScratch = Buffer.alloc(0);

/** Whether the file at `path` holds exactly `bytes` (read back after writing, before trusting the medium). */
export function readsBackAs(path: string, bytes: Uint8Array): boolean {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    if (fstatSync(fd).size !== bytes.length) return false;
    if (readBackScratch.length < bytes.length) readBackScratch = Buffer.allocUnsafe(Math.max(bytes.length, 1 << 20));
    let n = 0;
    while (n < bytes.length) {
      const got = readSync(fd, readBackScratch, n, bytes.length - n, null);
      if (got === 0) return false;
      n += got;
    }
    return readBackScratch.subarray(0, n).equals(bytes);
  } finally {
    closeSync(fd);
  }
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
    writeNewFile(temp, bytes);
    renameSync(temp, path);
    fsyncDir(dirname(path));
  } catch (e) {
    removeQuietly(temp);
    throw e;
  }
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

/** Remove a temporary folder this process made; never fails (the caller is already failing). */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* best effort: the caller reports the original error */
  }
}
