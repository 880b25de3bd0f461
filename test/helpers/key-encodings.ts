/**
 * One public key written other ways, for tests of key identity (docs/decisions/0004): an ECDSA
 * P-256 point compressed (SEC 1 section 2.3.3: 0x02 or 0x03 for the parity of y, then x) in the
 * SPKI for id-ecPublicKey/prime256v1, PEM with other line lengths, text after the PEM block.
 * Each is what OpenSSL reads as the same key.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Key } from '../../src/tuf/model/key.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { PemSigner } from '../../src/keys/software-signer.js';

/** SEQUENCE { OID id-ecPublicKey, OID prime256v1 } (RFC 5480 section 2.1.1). */
const P256_ALGORITHM = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');

export function pemOf(der: Buffer, lineLength = 64): string {
  const lines = der.toString('base64').match(new RegExp(`.{1,${lineLength}}`, 'g'))!;
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** The SPKI PEM of a P-256 key with its point compressed. */
export function compressedP256Pem(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const point = Buffer.concat([Buffer.from([0x02 | (y[y.length - 1]! & 1)]), x]);
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  return pemOf(
    Buffer.concat([Buffer.from([0x30, P256_ALGORITHM.length + bitString.length]), P256_ALGORITHM, bitString]),
  );
}

/** The same SPKI with other PEM line lengths (76, as MIME writes base64, or one long line). */
export function rewrappedPem(pem: string, lineLength: number): string {
  return pemOf(createPublicKey(pem).export({ type: 'spki', format: 'der' }), lineLength);
}

export const withTrailingText = (pem: string, text = 'comment: the release key\n'): string => `${pem}${text}`;

/** The key with another public value (and, if given, other custom fields): a new keyid. */
export function reencoded(key: Key, publicValue: string, customFields?: Record<string, unknown>): Key {
  return new Key(key.keytype, key.scheme, { ...key.keyval, public: publicValue }, customFields ?? key.unrecognized);
}

export function p256Signer(owner?: string): PemSigner {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return new PemSigner(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    owner,
    owner ? { 'x-ceremony-owner': owner } : {},
  );
}

export function rsaSigner(bits = 2048): PemSigner {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return new PemSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

/** A signer that signs as `key` (another encoding of the signer's own key) with its private key. */
export function signingAs(signer: Signer, key: Key): Signer {
  return {
    key,
    description: `${signer.description ?? 'key'} as ${key.keyid.slice(0, 12)}`,
    sign: (payload) => signer.sign(payload),
  };
}
