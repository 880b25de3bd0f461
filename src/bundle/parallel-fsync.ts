/**
 * fsync many files at once, synchronously for the caller. One fsync waits for the device; a
 * thousand in a row wait a thousand times (a claim at 2^10 bins writes 2,050 files: 5.6 s of
 * fsync in a row, 0.5 s when sixteen wait together, docs/performance.md). The callers are
 * synchronous, so the waiting happens in worker threads while this one blocks on Atomics.wait.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** Below this many files the workers' start-up costs more than it saves. */
const PARALLEL_FROM = 32;
const WORKERS = 8;

// Each worker fsyncs its share of the paths in order, and stops at the first failure.
const WORKER_CODE = `
const { openSync, fsyncSync, closeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { paths, flag, port } = workerData;
let failure = null;
for (const p of paths) {
  try {
    const fd = openSync(p, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch (e) {
    failure = { path: p, code: e.code, message: e.message };
    break;
  }
}
port.postMessage(failure);
port.close();
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
`;

/** An fsync that failed, with the path and errno code of the first failure. */
export class FsyncError extends Error {
  readonly code: string | undefined;
  readonly path: string;
  constructor(path: string, code: string | undefined, message: string) {
    super(message);
    this.path = path;
    this.code = code;
  }
}

/**
 * fsync every file in `paths` (each must exist); throws FsyncError naming the first that failed.
 * The files' data and inodes are on the device when it returns; their folders are the caller's.
 */
export function fsyncFiles(paths: readonly string[]): void {
  if (paths.length < PARALLEL_FROM) {
    for (const p of paths) {
      try {
        const fd = openSync(p, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new FsyncError(p, err.code, err.message);
      }
    }
    return;
  }
  const count = Math.min(WORKERS, paths.length);
  const running: { flag: Int32Array; port: MessagePort; worker: Worker }[] = [];
  for (let i = 0; i < count; i++) {
    const share = paths.filter((_, j) => j % count === i);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { paths: share, flag, port: port2 },
      transferList: [port2],
    });
    running.push({ flag, port: port1, worker });
  }
  let failure: FsyncError | undefined;
  for (const r of running) {
    Atomics.wait(r.flag, 0, 0);
    const f = receiveMessageOnPort(r.port)?.message as { path: string; code?: string; message: string } | null;
    if (f && !failure) failure = new FsyncError(f.path, f.code, f.message);
    r.port.close();
    void r.worker.terminate();
  }
  if (failure) throw failure;
}
