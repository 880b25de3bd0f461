/**
 * What differs per key type on a PKCS#11 token (docs/formats/token-profile.md): the generation mechanism
 * and template, the signing mechanism, what the host does before and after the token signs, and
 * how the token's public key attributes become a TUF key (TUF specification 1.0.x section 4.2).
 *
 * - ed25519: CKM_EC_EDWARDS_KEY_PAIR_GEN / CKM_EDDSA (pure Ed25519, whole message, single part).
 * - ecdsa-p256: CKM_EC_KEY_PAIR_GEN / CKM_ECDSA over SHA-256 computed on the host; raw r‖s to DER.
 * - rsa-3072: CKM_RSA_PKCS_KEY_PAIR_GEN / CKM_RSA_PKCS_PSS over SHA-256 computed on the host,
 *   MGF1-SHA-256, salt length 32.
 */
import { createPublicKey } from 'node:crypto';
import { Key, sha256 } from '../tuf/model/index.js';
import { FormatError } from '../tuf/base/index.js';
import { ecdsaRawToDer, ED25519_OID_DER, isEd25519Params, P256_OID_DER, unwrapEcPoint } from './der.js';
import { CK, type PortAttributeName, type PortAttributes, type PortMechanism } from './pkcs11-port.js';

export type TokenKeyType = 'ed25519' | 'ecdsa-p256' | 'rsa-3072';
export const TOKEN_KEY_TYPES: readonly TokenKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-3072'];

export interface KeyTypeSpec {
  /** CKK_ of the key objects. */
  keyType: number;
  generate: number;
  sign: PortMechanism;
  /** Type-specific attributes of the public key template for generation. */
  publicTemplate: PortAttributes;
  /** Public key attributes to read to build the TUF key. */
  publicAttributes: PortAttributeName[];
  /** The bytes the token signs: the payload itself (EdDSA) or its SHA-256 (ECDSA, PSS). */
  toBeSigned(payload: Uint8Array): Uint8Array;
  /** The token's output in the TUF signature form. */
  toTufSignature(raw: Uint8Array): Uint8Array;
}

const RSA_BITS = 3072;

export const KEY_TYPE_SPECS: Record<TokenKeyType, KeyTypeSpec> = {
  ed25519: {
    keyType: CK.CKK_EC_EDWARDS,
    generate: CK.CKM_EC_EDWARDS_KEY_PAIR_GEN,
    sign: { type: CK.CKM_EDDSA },
    publicTemplate: { paramsEC: ED25519_OID_DER },
    publicAttributes: ['keyType', 'paramsEC', 'pointEC'],
    toBeSigned: (payload) => payload,
    toTufSignature: (raw) => raw,
  },
  'ecdsa-p256': {
    keyType: CK.CKK_EC,
    generate: CK.CKM_EC_KEY_PAIR_GEN,
    sign: { type: CK.CKM_ECDSA },
    publicTemplate: { paramsEC: P256_OID_DER },
    publicAttributes: ['keyType', 'paramsEC', 'pointEC'],
    toBeSigned: (payload) => sha256(payload),
    toTufSignature: (raw) => ecdsaRawToDer(raw),
  },
  'rsa-3072': {
    keyType: CK.CKK_RSA,
    generate: CK.CKM_RSA_PKCS_KEY_PAIR_GEN,
    sign: { type: CK.CKM_RSA_PKCS_PSS, pss: { hashAlg: CK.CKM_SHA256, mgf: CK.CKG_MGF1_SHA256, saltLength: 32 } },
    publicTemplate: { modulusBits: RSA_BITS, publicExponent: Buffer.from([1, 0, 1]) },
    publicAttributes: ['keyType', 'modulus', 'publicExponent'],
    toBeSigned: (payload) => sha256(payload),
    toTufSignature: (raw) => raw,
  },
};

/** The signing spec for an existing key object of CKK_ `keyType` (any RSA size signs with PSS). */
export function specForKeyType(keyType: number | undefined): KeyTypeSpec | undefined {
  if (keyType === CK.CKK_EC_EDWARDS) return KEY_TYPE_SPECS.ed25519;
  if (keyType === CK.CKK_EC) return KEY_TYPE_SPECS['ecdsa-p256'];
  if (keyType === CK.CKK_RSA) return KEY_TYPE_SPECS['rsa-3072'];
  return undefined;
}

/** A human name for a key object's type: "ed25519", "ecdsa-p256", "rsa-3072", "CKK 0x…". */
export function describeKeyType(attrs: PortAttributes): string {
  if (attrs.keyType === CK.CKK_EC_EDWARDS) return 'ed25519';
  if (attrs.keyType === CK.CKK_EC) return attrs.paramsEC?.equals(P256_OID_DER) ? 'ecdsa-p256' : 'ec (other curve)';
  if (attrs.keyType === CK.CKK_RSA) return attrs.modulus ? `rsa-${attrs.modulus.length * 8}` : 'rsa';
  return `CKK 0x${(attrs.keyType ?? -1).toString(16)}`;
}

/**
 * The TUF public key for a token public key object's attributes; custom fields (the owner) are
 * set before the keyid is computed (TUF specification 1.0.x section 4.2). Throws FormatError for a key type or
 * curve TUF cannot use.
 */
export function tufKeyFromAttributes(attrs: PortAttributes, customFields: Record<string, unknown>, what: string): Key {
  if (attrs.keyType === CK.CKK_EC_EDWARDS) {
    if (attrs.paramsEC && !isEd25519Params(attrs.paramsEC))
      throw new FormatError(what, 'an EdDSA key on a curve other than Ed25519');
    const point = unwrapEcPoint(attrs.pointEC ?? Buffer.alloc(0), 32, what);
    return new Key('ed25519', 'ed25519', { public: point.toString('hex') }, customFields);
  }
  if (attrs.keyType === CK.CKK_EC) {
    if (!attrs.paramsEC?.equals(P256_OID_DER)) throw new FormatError(what, 'an EC key on a curve other than P-256');
    const point = unwrapEcPoint(attrs.pointEC ?? Buffer.alloc(0), 65, what);
    if (point[0] !== 0x04) throw new FormatError(what, 'the EC point is not in uncompressed form');
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    };
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    return new Key('ecdsa', 'ecdsa-sha2-nistp256', { public: pem }, customFields);
  }
  if (attrs.keyType === CK.CKK_RSA) {
    if (!attrs.modulus || !attrs.publicExponent)
      throw new FormatError(what, 'an RSA public key without modulus or exponent');
    const jwk = { kty: 'RSA', n: attrs.modulus.toString('base64url'), e: attrs.publicExponent.toString('base64url') };
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const key = new Key('rsa', 'rsassa-pss-sha256', { public: pem }, customFields);
    key.assertUsable(); // at least 2048 bits (docs/formats/request.md)
    return key;
  }
  throw new FormatError(what, `key type ${describeKeyType(attrs)} is not one TUF signs with`);
}
