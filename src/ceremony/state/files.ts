/**
 * Writing files on the offline machine without ever replacing an output: a new file is written
 * under a temporary name, fsynced, then hard-linked to its final name (link(2) fails with EEXIST
 * instead of replacing), and the folder is fsynced so the name survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RefusedError, UsageError } from '../../tuf/model/errors.js';
import { fsyncDir, writeNewFile as writeExclusive } from '../../bundle/durable-files.js';

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** fsync a folder so a new or renamed entry survives a power cut. */
export const fsyncFolder = fsyncDir;

/** Create `path` with `bytes`; RefusedError when it exists. The file appears whole or not at all. */
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
    try {
      unlinkSync(temp);
    } catch {
      /* the temporary file was never made */
    }
  }
  fsyncFolder(dirname(path));
}

/**
 * Replace a working file of a signing event (its signatures grow as admins sign). Only for files
 * that are meant to change; outputs use writeNewFile.
 */
export function replaceWorkingFile(path: string, bytes: Uint8Array): void {
  const temp = tempNameFor(path);
  try {
    writeExclusive(temp, bytes);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      /* nothing to clean */
    }
    throw new UsageError(
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_WRITE',
      { cause: e },
    );
  }
  fsyncFolder(dirname(path));
}
