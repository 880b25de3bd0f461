/**
 * Section "hashes": SHA-256 and SHA-512 by node:crypto (native OpenSSL) and by @noble/hashes
 * (pure JavaScript), on a 36 MB input (100k delegations) and on small inputs (keyids, signatures).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { Bench } from './harness.js';

type Hash = (data: Uint8Array) => Uint8Array;

const IMPLEMENTATIONS: Array<[string, string, Hash]> = [
  ['SHA-256', 'node:crypto', (d) => createHash('sha256').update(d).digest()],
  ['SHA-256', '@noble/hashes', sha256],
  ['SHA-512', 'node:crypto', (d) => createHash('sha512').update(d).digest()],
  ['SHA-512', '@noble/hashes', sha512],
];

/** Inputs: one large document hashed a few times, and small ones hashed many times. */
const INPUTS: Array<{ label: string; bytes: number; repeat: number }> = [
  { label: '36 MB', bytes: 36 * 1024 * 1024, repeat: 3 },
  { label: '150 B', bytes: 150, repeat: 200_000 }, // the canonical JSON of one key, for its keyid
  { label: '1 KiB', bytes: 1024, repeat: 50_000 },
];

export async function benchHashes(bench: Bench): Promise<void> {
  for (const input of INPUTS) {
    const data = randomBytes(input.bytes);
    const digests = new Set<string>();
    for (const [alg, impl, hash] of IMPLEMENTATIONS) {
      let last: Uint8Array = new Uint8Array();
      await bench.step(
        `${alg} ${input.label}`,
        impl,
        () => {
          for (let i = 0; i < input.repeat; i++) last = hash(data);
        },
        {
          counted: false,
          detail: (s) =>
            input.bytes >= 1024 * 1024
              ? `${((input.bytes * input.repeat) / 1024 / 1024 / s).toFixed(0)} MB/s`
              : `${Math.round(input.repeat / s).toLocaleString('en-US')} hashes/s`,
        },
      );
      digests.add(`${alg}:${Buffer.from(last).toString('hex')}`);
    }
    // Both implementations must agree, or the comparison is meaningless.
    if (digests.size !== 2) throw new Error(`node:crypto and @noble/hashes disagree on ${input.label}`);
  }
}
