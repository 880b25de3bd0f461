/**
 * Reading a folder of request files that came in on removable media. Every entry gets a result;
 * nothing in one file can stop the batch (docs/formats/request.md): links, folders, devices and FIFOs are
 * refused without being opened for reading, and a file is refused by its size before it is read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../tuf/model/index.js';
import { CeremonyError, UsageError } from '../../tuf/base/index.js';
import {
  MAX_REQUEST_BYTES,
  RequestRejected,
  finishRequest,
  readUncheckedRequest,
  type DelegationRequest,
  type RejectionCode,
  type UncheckedRequest,
} from './requests-format.js';

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
    throw new UsageError(
      `cannot read the requests folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_NO_FOLDER',
      { cause: e },
    );
  }
}

class Refused extends Error {
  constructor(
    readonly reason: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/** Read at most `max` bytes of a plain file, refusing anything else or anything larger. */
export function readCapped(path: string, max: number): Buffer {
  const st = lstatSync(path);
  if (!st.isFile())
    throw new Refused(
      'not-a-file',
      st.isSymbolicLink() ? 'a symbolic link; only plain files are read' : 'not a plain file',
    );
  if (st.size > max) throw new Refused('too-large', `${st.size} bytes; a request is at most ${max}`);
  // O_NOFOLLOW and O_NONBLOCK: the entry may have been swapped for a link or a FIFO since lstat.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw new Refused('not-a-file', 'not a plain file');
    // Sized from fstat (one byte more, to see growth), never more than max + 1 bytes in all.
    let buf = Buffer.allocUnsafe(Math.min(fst.size, max) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > max) throw new Refused('too-large', `more than ${max} bytes; a request is at most ${max}`);
        buf = Buffer.concat([buf, Buffer.allocUnsafe(max + 1 - n)]);
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > max) throw new Refused('too-large', `more than ${max} bytes; a request is at most ${max}`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function rejectionOf(e: unknown): Rejection {
  if (e instanceof RequestRejected)
    return { reason: e.reason, message: e.message, ...(e.project ? { project: e.project } : {}) };
  if (e instanceof Refused) return { reason: e.reason, message: e.message };
  if (e instanceof CeremonyError) return { reason: 'bad-format', message: e.message };
  const code = (e as NodeJS.ErrnoException)?.code;
  return {
    reason: 'unreadable',
    message: code ? `cannot read: ${code}` : `cannot be read: ${(e as Error)?.message ?? String(e)}`,
  };
}

/**
 * Read and check every entry of the folder, reporting progress after each one. Never throws for
 * what a file holds. The proofs of the whole batch are checked together, on every core.
 */
export function readRequestFolder(
  dir: string,
  now: Date,
  onProgress?: (done: number, total: number) => void,
): RequestFile[] {
  const names = listRequestFolder(dir);
  const out: RequestFile[] = [];
  const unchecked: Array<{ file: RequestFile; request: UncheckedRequest; first: number }> = [];
  const proofs: UncheckedRequest['proofs'] = [];
  for (const file of names) {
    const result: RequestFile = { file };
    out.push(result);
    try {
      const bytes = readCapped(join(dir, file), MAX_REQUEST_BYTES);
      result.sha256 = sha256Hex(bytes);
      const u = readUncheckedRequest(bytes);
      unchecked.push({ file: result, request: u, first: proofs.length });
      for (const proof of u.proofs) proofs.push(proof);
    } catch (e) {
      result.rejection = rejectionOf(e);
    }
    onProgress?.(out.length, names.length);
  }
  const verified = proofs.map((p) => p.key.verify(p.payload, p.signature));
  for (const { file, request, first } of unchecked) {
    try {
      file.request = finishRequest(request, verified.slice(first, first + request.proofs.length), { now });
    } catch (e) {
      file.rejection = rejectionOf(e);
    }
  }
  return out;
}
