/**
 * Hashes. node:crypto is used rather than @noble/hashes: for the same SHA-256/SHA-512 job it is
 * native OpenSSL and several times faster on large roles (see docs/performance.md, `npm run bench`).
 * The one-shot `hash()` is used: on a key's canonical JSON (a keyid) it is ~3 times faster than
 * createHash().update().digest(), which makes a Hash object per call.
 */
import { hash } from 'node:crypto';

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
  return typeof s === 'string' && /^[0-9a-f]*$/.test(s) && s.length % 2 === 0 && (bytes === undefined || s.length === bytes * 2);
}
