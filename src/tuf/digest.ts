/**
 * Hashes. node:crypto is used rather than @noble/hashes: for the same SHA-256/SHA-512 job it is
 * native OpenSSL and several times faster on large roles (see docs/performance.md, `npm run bench`).
 */
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha512(data: Uint8Array): Buffer {
  return createHash('sha512').update(data).digest();
}

export function isLowerHex(s: unknown, bytes?: number): s is string {
  return typeof s === 'string' && /^[0-9a-f]*$/.test(s) && s.length % 2 === 0 && (bytes === undefined || s.length === bytes * 2);
}
