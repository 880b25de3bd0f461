/**
 * Writing files on the offline machine without ever replacing an output: a new file is written
 * under a temporary name, fsynced, then hard-linked to its final name (link(2) fails with EEXIST
 * instead of replacing), and the folder is fsynced so the name survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RefusedError, UsageError } from '../../tuf/model/errors.js';
import { fsyncDir, writeNewFile as writeExclusive, writeNewFiles } from '../../bundle/durable-files.js';

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** An input file's bytes; one line naming `what` and the file when it cannot be read. */
export function readInputFile(path: string, what: string, code: 'E_USAGE' | 'E_PLAN' = 'E_USAGE'): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      code,
      { cause: e },
    );
  }
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
 * Replace working files of a signing event (their signatures grow as admins sign). Only for files
 * that are meant to change; outputs use writeNewFile. Each file is replaced atomically (temporary
 * name, rename); the temporary files are fsynced together and each folder once, so a thousand
 * roles wait for the device a few times, not a thousand (docs/performance.md).
 */
export function replaceWorkingFiles(files: ReadonlyArray<readonly [string, Uint8Array]>): void {
  const temps = files.map(([path]) => tempNameFor(path));
  const removeTemps = () => {
    for (const t of temps)
      try {
        unlinkSync(t);
      } catch {
        /* never made, or already renamed */
      }
  };
  try {
    writeNewFiles(files.map(([, bytes], i) => [temps[i]!, bytes] as const));
    for (const [i, [path]] of files.entries()) renameSync(temps[i]!, path);
  } catch (e) {
    removeTemps();
    // Name the file as the admin knows it, not its temporary name.
    const failed = (e as { path?: string }).path;
    const i = failed === undefined ? -1 : temps.indexOf(failed);
    const where = i >= 0 ? files[i]![0] : (failed ?? files.map(([p]) => p).join(', '));
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${where}: ${code ?? (e as Error).message}`, 'E_WRITE', { cause: e });
  }
  for (const dir of new Set(files.map(([path]) => dirname(path)))) fsyncFolder(dir);
}
