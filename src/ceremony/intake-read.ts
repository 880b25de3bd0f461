/**
 * Reading a folder of request files that came in on removable media. Every entry gets a result;
 * nothing in one file can stop the batch (DESIGN.md part 5): links, folders, devices and FIFOs are
 * refused without being opened for reading, and a file is refused by its size before it is read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../tuf/digest.js';
import { CeremonyError, UsageError } from '../tuf/errors.js';
import { MAX_REQUEST_BYTES, RequestRejected, parseRequest, type DelegationRequest, type RejectionCode } from './requests-format.js';

export interface Rejection {
  reason: RejectionCode;
  message: string;
  /** The project the file asks for, when it could be read that far. */
  project?: string;
}

export interface RequestFile {
  /** The name inside the requests folder. */
  file: string;
  /** SHA-256 of the bytes read, when they were read. */
  sha256?: string;
  request?: DelegationRequest;
  rejection?: Rejection;
}

/** Every entry of the folder, sorted, so that a batch is read in the same order on every machine. */
export function listRequestFolder(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw new UsageError(`cannot read the requests folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_NO_FOLDER');
  }
}

class Refused extends Error {
  constructor(readonly reason: RejectionCode, message: string) {
    super(message);
  }
}

/** Read at most `max` bytes of a plain file, refusing anything else or anything larger. */
export function readCapped(path: string, max: number): Buffer {
  const st = lstatSync(path);
  if (!st.isFile()) throw new Refused('not-a-file', st.isSymbolicLink() ? 'a symbolic link; only plain files are read' : 'not a plain file');
  if (st.size > max) throw new Refused('too-large', `${st.size} bytes; a request is at most ${max}`);
  // O_NOFOLLOW and O_NONBLOCK: the entry may have been swapped for a link or a FIFO since lstat.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new Refused('not-a-file', 'not a plain file');
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > max) throw new Refused('too-large', `more than ${max} bytes; a request is at most ${max}`);
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Read and check one entry of the requests folder. Never throws. */
export function readRequestFile(dir: string, file: string, now: Date): RequestFile {
  const result: RequestFile = { file };
  try {
    const bytes = readCapped(join(dir, file), MAX_REQUEST_BYTES);
    result.sha256 = sha256Hex(bytes);
    result.request = parseRequest(bytes, { now });
  } catch (e) {
    if (e instanceof RequestRejected) result.rejection = { reason: e.reason, message: e.message, ...(e.project ? { project: e.project } : {}) };
    else if (e instanceof Refused) result.rejection = { reason: e.reason, message: e.message };
    else if (e instanceof CeremonyError) result.rejection = { reason: 'bad-format', message: e.message };
    else {
      const code = (e as NodeJS.ErrnoException)?.code;
      result.rejection = { reason: 'unreadable', message: code ? `cannot read: ${code}` : `cannot be read: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  return result;
}

/** Read every entry of the folder, reporting progress after each one. */
export function readRequestFolder(dir: string, now: Date, onProgress?: (done: number, total: number) => void): RequestFile[] {
  const names = listRequestFolder(dir);
  const out: RequestFile[] = [];
  for (const name of names) {
    out.push(readRequestFile(dir, name, now));
    onProgress?.(out.length, names.length);
  }
  return out;
}
