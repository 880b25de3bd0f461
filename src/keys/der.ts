/**
 * The few DER shapes a PKCS#11 token hands back or expects (PKCS#11 v2.40 and 3.0; docs/formats/token-profile.md):
 * CKA_EC_POINT as an OCTET STRING or bare, CKA_EC_PARAMS as an OID or a printable string, and
 * the ECDSA signature that CKM_ECDSA returns as raw r‖s but TUF wants as DER SEQUENCE{r, s}.
 */
import { FormatError } from '../tuf/base/index.js';

/** DER OID 1.3.101.112 (id-Ed25519, RFC 8410). */
export const ED25519_OID_DER = Buffer.from('06032b6570', 'hex');
/** DER PrintableString "edwards25519", which some tokens want instead of the OID (PKCS#11 3.0 2.3.5). */
export const ED25519_NAME_DER = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519', 'latin1')]);
/** DER OID 1.2.840.10045.3.1.7 (prime256v1 / secp256r1). */
export const P256_OID_DER = Buffer.from('06082a8648ce3d030107', 'hex');

export function isEd25519Params(params: Buffer | undefined): boolean {
  return !!params && (params.equals(ED25519_OID_DER) || params.equals(ED25519_NAME_DER));
}

/**
 * The point from CKA_EC_POINT, which is normally a DER OCTET STRING around the point
 * (`04 41 04‖X‖Y`, `04 20 <32 bytes>`) but bare on some tokens: accept both.
 * `size` is the length of the bare point (65 for uncompressed P-256, 32 for Ed25519).
 */
export function unwrapEcPoint(value: Uint8Array, size: number, what: string): Buffer {
  const v = Buffer.from(value);
  if (v.length === size + 2 && v[0] === 0x04 && v[1] === size) return v.subarray(2);
  if (v.length === size) return v;
  throw new FormatError(
    what,
    `CKA_EC_POINT of ${v.length} bytes is neither a DER OCTET STRING around a ${size}-byte point nor a bare ${size}-byte point`,
  );
}

function derInteger(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  let body = unsigned.subarray(i);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

/** Raw r‖s (what CKM_ECDSA returns) to the DER SEQUENCE{INTEGER r, INTEGER s} TUF uses (docs/formats/token-profile.md). */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 132) {
    throw new FormatError('signature', `an ECDSA raw signature is r‖s of equal halves, got ${raw.length} bytes`);
  }
  const half = raw.length / 2;
  const r = derInteger(Buffer.from(raw.subarray(0, half)));
  const s = derInteger(Buffer.from(raw.subarray(half)));
  const body = Buffer.concat([r, s]);
  // DER length: short form up to 127 bytes, one long-form byte beyond (P-521 signatures).
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}
