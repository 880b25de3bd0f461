/**
 * Many distinct, valid Ed25519 public keys, fast: a fixture for the delegation benchmark.
 *
 * Deriving a key from a seed costs a scalar multiplication (~5,000 keys/s in noble or node:crypto,
 * so 200 s for a million). Instead this walks P, P+B, P+2B, … from one key P = [a]B: each is the
 * public point of the scalar a+i, so each is a real key with a known private scalar. One point
 * addition per key, and one field inversion per 1024 keys (Montgomery's batch inversion) to encode
 * them (RFC 8032 section 5.1.2): ~150,000 keys/s.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '../src/tuf/model/digest.js';

ed.hashes.sha512 ??= (m: Uint8Array) => new Uint8Array(sha512(m));

const BATCH = 1024;

/** `count` distinct encoded Ed25519 public keys, 32 bytes each, one after the other. */
export function distinctEd25519PublicKeys(count: number, seed: Uint8Array): Buffer {
  const p = ed.Point.CURVE().p;
  const out = Buffer.alloc(count * 32);
  const step = ed.Point.BASE;
  let point = ed.Point.fromBytes(ed.getPublicKey(seed));
  const points = new Array<ed.Point>(BATCH);
  const prefix = new Array<bigint>(BATCH);
  for (let base = 0; base < count; base += BATCH) {
    const n = Math.min(BATCH, count - base);
    let product = 1n;
    for (let i = 0; i < n; i++) {
      points[i] = point;
      prefix[i] = product; // Z_0 · … · Z_(i-1)
      product = (product * point.Z) % p;
      point = point.add(step);
    }
    let inverse = ed.etc.invert(product, p); // 1 / (Z_0 · … · Z_i) going down
    for (let i = n - 1; i >= 0; i--) {
      const q = points[i]!;
      const zInverse = (inverse * prefix[i]!) % p;
      inverse = (inverse * q.Z) % p;
      const x = (q.X * zInverse) % p;
      const y = (q.Y * zInverse) % p;
      // Encoding: y little-endian, the low bit of x in the top bit of the last byte.
      const at = (base + i) * 32;
      out.write(y.toString(16).padStart(64, '0'), at, 'hex');
      out.subarray(at, at + 32).reverse();
      if (x & 1n) out[at + 31] = out[at + 31]! | 0x80;
    }
  }
  return out;
}
