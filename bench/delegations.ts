/**
 * Section "delegations": a claimed-like targets role with 10k, 100k and 1M delegations, built,
 * canonicalized, signed (software Ed25519), written, read back and verified, step by step.
 * 1M delegations is ~360 MB of JSON: no step may hold the document as one JavaScript string.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ed25519Signer } from '../src/keys/software-signer.js';
import { sha256Hex } from '../src/tuf/model/digest.js';
import { Metadata, type Targets } from '../src/tuf/model/metadata.js';
import { verifyRole } from '../src/tuf/verify/verification.js';
import { buildClaimedRole } from './claimed-role.js';
import { distinctEd25519PublicKeys } from './fixture-keys.js';
import type { Bench } from './harness.js';

export const DEFAULT_SIZES = [10_000, 100_000, 1_000_000];

/** "10k", "100000", "1m" → a count. */
export function parseSize(text: string): number {
  const m = /^(\d+)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: "${text}" (use e.g. 10k, 100000, 1m)`);
  return Number(m[1]) * ({ '': 1, k: 1_000, m: 1_000_000 } as Record<string, number>)[m[2]!.toLowerCase()]!;
}

export function sizeLabel(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

const EXPIRES = new Date('2030-01-01T00:00:00Z');
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchDelegations(bench: Bench, sizes: number[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-bench-'));
  const signer = new Ed25519Signer(new Uint8Array(32).fill(7), 'bench claimed key');
  try {
    for (const count of sizes) await benchOneSize(bench, count, signer, join(dir, `${count}.claimed.json`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchOneSize(bench: Bench, count: number, signer: Ed25519Signer, file: string): Promise<void> {
  const group = `${sizeLabel(count)} delegations`;
  const payloadDigest = await buildSignWrite(bench, group, count, signer, file);
  // A verifier starts from the file alone: nothing built above is still referenced here.
  const parsed = await bench.step(group, 'read + parse', () =>
    Metadata.fromBytes<Targets>(readFileSync(file), file, 'targets'),
  );
  const result = await bench.step(group, 'verify', () =>
    verifyRole(parsed, 'claimed', { keyids: [signer.key.keyid], threshold: 1 }, (keyid) =>
      keyid === signer.key.keyid ? signer.key : undefined,
    ),
  );
  // The round trip must give back exactly what was signed, or the figures measure nothing.
  if (!result.verified) throw new Error(`${group}: the role read back does not verify`);
  if (sha256Hex(parsed.payload()) !== payloadDigest)
    throw new Error(`${group}: the role read back is not what was signed`);
  // Reading checks every field but keeps delegations of canonical bytes compact; their objects
  // are made when first used. Shown apart: a verifier of the role's signatures never needs them.
  const roles = await bench.step(group, 'first use of the roles', () => parsed.signed.delegations?.roles?.length, {
    counted: false,
  });
  if (roles !== count) throw new Error(`${group}: ${roles} delegations read back`);
  rmSync(file);
}

/** The writer's side; returns the SHA-256 of what was signed. */
async function buildSignWrite(
  bench: Bench,
  group: string,
  count: number,
  signer: Ed25519Signer,
  file: string,
): Promise<string> {
  const publicKeys = await bench.step(
    group,
    'make keys',
    () => distinctEd25519PublicKeys(count, new Uint8Array(32).fill(1)),
    { counted: false },
  );
  const md = await bench.step(group, 'build', () => buildClaimedRole(publicKeys, EXPIRES, () => bench.sample()));
  const size = await bench.step(group, 'canonicalize', () => md.payload().length, {
    detail: () => mb(md.payload().length),
  });
  await bench.step(group, 'sign', () => md.sign(signer, 'replace'));
  await bench.step(group, 'write', () => writeFileSync(file, md.toBytes(), { flag: 'wx' }), { detail: () => mb(size) });
  return sha256Hex(md.payload());
}
