/**
 * Hashes. node:crypto is used rather than @noble/hashes: for the same SHA-256/SHA-512 job it is
 * native OpenSSL and several times faster on large roles (see docs/performance.md, `npm run bench`).
 * The one-shot `hash()` is used: on a key's canonical JSON (a keyid) it is ~3 times faster than
 * createHash().update().digest(), which makes a Hash object per call.
 */
import { hash } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';

export function sha256(data: Uint8Array | string): Buffer {
  return hash('sha256', data, 'buffer');
}

export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}

export function sha512(data: Uint8Array): Buffer {
  return hash('sha512', data, 'buffer');
}

export function isLowerHex(s: unknown, bytes?: number): s is string {
  return (
    typeof s === 'string' &&
    /^[0-9a-f]*$/.test(s) &&
    s.length % 2 === 0 &&
    (bytes === undefined || s.length === bytes * 2)
  );
}

/**
 * The hex digest of `data` by a hash algorithm as TUF metadata names it in `hashes`, or undefined
 * for a name this tool cannot compute (a verifier refuses those: TUF specification 5.5.2, 5.6.2).
 * `blake2b-256` is securesystemslib's: BLAKE2b with a 32-byte output, not BLAKE2b-512 cut short
 * (PEP 458); node:crypto cannot make it, @noble/hashes can.
 */
export function digestHex(algorithm: string, data: Uint8Array): string | undefined {
  switch (algorithm) {
    case 'sha256':
    case 'sha384':
    case 'sha512':
      return hash(algorithm, data, 'hex');
    case 'blake2b-256':
      return Buffer.from(blake2b(data, { dkLen: 32 })).toString('hex');
    default:
      return undefined;
  }
}
