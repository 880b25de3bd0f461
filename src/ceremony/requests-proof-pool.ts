/**
 * Checking the proofs of a whole batch of requests on every core. The strict byte checks of
 * requests-proof.ts run here first; OpenSSL's Ed25519 verification (about 0.3 ms each, most of
 * an intake of 10k requests) is shared between this thread and worker threads through shared
 * memory, so the call stays synchronous. A worker that fails to start, or stops, only means this
 * thread does more of the work: every item is checked exactly by someone before the call returns.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Key } from '../tuf/key.js';
import { isStrictEd25519Encoding, openSslEd25519Verify, verifyProof } from './requests-proof.js';

/** Below this many Ed25519 proofs, starting workers costs more than it saves. */
export const POOL_MIN_PROOFS = 512;
const MAX_WORKERS = 7;
/** How long to wait for an item a worker took before checking it here instead. */
const STALL_MS = 30_000;

interface Shared {
  control: SharedArrayBuffer; // Int32 [next item, items finished by workers]
  results: SharedArrayBuffer; // Int32 per item: 0 pending, 1 valid, 2 invalid
  keys: SharedArrayBuffer; // 32 bytes per item
  sigs: SharedArrayBuffer; // 64 bytes per item
  offsets: SharedArrayBuffer; // Int32, count + 1 payload offsets
  payloads: SharedArrayBuffer;
  count: number;
}

// The worker: take the next item, verify it with OpenSSL (the same call as openSslEd25519Verify),
// publish the result. Kept as source so that it runs the same from TypeScript tests and from dist.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const s = workerData;
const control = new Int32Array(s.control), results = new Int32Array(s.results);
const keys = new Uint8Array(s.keys), sigs = new Uint8Array(s.sigs), offsets = new Int32Array(s.offsets), payloads = new Uint8Array(s.payloads);
const prefix = Buffer.from('302a300506032b6570032100', 'hex');
for (;;) {
  const i = Atomics.add(control, 0, 1);
  if (i >= s.count) break;
  let ok = false;
  try {
    const key = createPublicKey({ key: Buffer.concat([prefix, keys.subarray(i * 32, i * 32 + 32)]), format: 'der', type: 'spki' });
    ok = verify(null, payloads.subarray(offsets[i], offsets[i + 1]), key, sigs.subarray(i * 64, i * 64 + 64));
  } catch {}
  Atomics.store(results, i, ok ? 1 : 2);
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}
`;

function pack(items: Array<{ key: Uint8Array; payload: Uint8Array; sig: Uint8Array }>): Shared {
  const count = items.length;
  const total = items.reduce((n, x) => n + x.payload.length, 0);
  const s: Shared = {
    control: new SharedArrayBuffer(8),
    results: new SharedArrayBuffer(4 * count),
    keys: new SharedArrayBuffer(32 * count),
    sigs: new SharedArrayBuffer(64 * count),
    offsets: new SharedArrayBuffer(4 * (count + 1)),
    payloads: new SharedArrayBuffer(total),
    count,
  };
  const keys = new Uint8Array(s.keys);
  const sigs = new Uint8Array(s.sigs);
  const offsets = new Int32Array(s.offsets);
  const payloads = new Uint8Array(s.payloads);
  let at = 0;
  items.forEach((x, i) => {
    keys.set(x.key, i * 32);
    sigs.set(x.sig, i * 64);
    offsets[i] = at;
    payloads.set(x.payload, at);
    at += x.payload.length;
  });
  offsets[count] = at;
  return s;
}

/** Verify `items` with OpenSSL on this thread (unless `mainHelps` is false) and `workers` worker threads. */
function verifyShared(items: Array<{ key: Uint8Array; payload: Uint8Array; sig: Uint8Array }>, workers: number, mainHelps: boolean): boolean[] {
  const s = pack(items);
  const control = new Int32Array(s.control);
  const results = new Int32Array(s.results);
  const started: Worker[] = [];
  try {
    for (let w = 0; w < workers; w++) {
      try {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: s });
        worker.unref();
        worker.on('error', () => {});
        started.push(worker);
      } catch {
        break; // fewer helpers: this thread takes the rest
      }
    }
    while (mainHelps) {
      const i = Atomics.add(control, 0, 1);
      if (i >= s.count) break;
      Atomics.store(results, i, openSslEd25519Verify(items[i]!.key, items[i]!.payload, items[i]!.sig) ? 1 : 2);
    }
    // Wait for the items workers took; one that stalls is checked here.
    const deadline = Date.now() + (started.length > 0 ? STALL_MS : 0);
    for (let i = 0; i < s.count; i++) {
      while (Atomics.load(results, i) === 0) {
        if (Date.now() > deadline) {
          Atomics.store(results, i, openSslEd25519Verify(items[i]!.key, items[i]!.payload, items[i]!.sig) ? 1 : 2);
          break;
        }
        Atomics.wait(control, 1, Atomics.load(control, 1), 50);
      }
    }
    return Array.from(results, (r) => r === 1);
  } finally {
    for (const w of started) void w.terminate();
  }
}

/**
 * Verify many proofs at once: the same answers as verifyProof for each, in order. Ed25519 proofs
 * that pass the strict byte checks share out over the cores; others are checked here.
 */
export interface PoolOptions {
  /** Worker threads to start (default: one per core beyond this one, at most 7). */
  workers?: number;
  /** Whether this thread verifies too (tests turn it off to check the workers' answers). */
  mainHelps?: boolean;
}

export function verifyProofs(proofs: ReadonlyArray<{ key: Key; payload: Uint8Array; signature: Uint8Array }>, options: PoolOptions = {}): boolean[] {
  const out = new Array<boolean>(proofs.length).fill(false);
  const pooled: Array<{ index: number; key: Uint8Array; payload: Uint8Array; sig: Uint8Array }> = [];
  proofs.forEach((p, i) => {
    if (p.key.kind !== 'ed25519') {
      out[i] = verifyProof(p.key, p.payload, p.signature);
      return;
    }
    const key = Buffer.from(p.key.publicValue, 'hex');
    if (isStrictEd25519Encoding(key, p.signature)) pooled.push({ index: i, key, payload: p.payload, sig: p.signature });
  });
  const workers = options.workers ?? Math.min(MAX_WORKERS, availableParallelism() - 1);
  if ((pooled.length < POOL_MIN_PROOFS && options.workers === undefined) || workers < 1) {
    for (const x of pooled) out[x.index] = openSslEd25519Verify(x.key, x.payload, x.sig);
    return out;
  }
  verifyShared(pooled, workers, options.mainHelps ?? true).forEach((ok, j) => (out[pooled[j]!.index] = ok));
  return out;
}
