/**
 * Software signers. Ed25519 (deterministic, RFC 8032) for developers' keys: the public key is
 * derived with @noble/ed25519, signing is OpenSSL's, one native call over the payload (noble
 * copies the payload twice to hash it, which is 0.7 GB of copies for a 344 MB role; both give the
 * same bytes, RFC 8032 signatures being deterministic). ECDSA P-256 and RSA-PSS from a PKCS#8 PEM
 * through node:crypto, used for test keys and for importing an existing key file.
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { Key, sha512, type Signer } from '../tuf/model/index.js';
import { FormatError } from '../tuf/base/index.js';

// noble signs synchronously once given SHA-512; node:crypto's is native (docs/decisions/0002).
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(sha512(m));

export function ed25519PublicKey(publicKey: Uint8Array, customFields: Record<string, unknown> = {}): Key {
  return new Key('ed25519', 'ed25519', { public: Buffer.from(publicKey).toString('hex') }, customFields);
}

/** PrivateKeyInfo { version 0, algorithm id-Ed25519 (1.3.101.112), OCTET STRING { OCTET STRING (32) } }. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class Ed25519Signer implements Signer {
  readonly key: Key;
  private readonly seed: Uint8Array;
  private readonly privateKey: KeyObject;

  constructor(
    seed: Uint8Array,
    readonly description?: string,
    customFields: Record<string, unknown> = {},
  ) {
    if (seed.length !== 32) throw new FormatError('seed', 'an Ed25519 private seed is 32 bytes');
    this.seed = Uint8Array.from(seed);
    this.key = ed25519PublicKey(ed.getPublicKey(this.seed), customFields);
    // PKCS#8 (RFC 8410) around the seed, zeroed once OpenSSL holds the key: no copy of the seed
    // is left in a JavaScript string, which could not be wiped.
    const pkcs8 = Buffer.concat([ED25519_PKCS8_PREFIX, this.seed]);
    this.privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);
  }

  static generate(description?: string): Ed25519Signer {
    return new Ed25519Signer(ed.utils.randomSecretKey(), description);
  }

  /** The 32-byte seed; only for writing an encrypted key file. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.seed);
  }

  async sign(payload: Uint8Array): Promise<Uint8Array> {
    return nodeSign(null, payload, this.privateKey);
  }
}

/** ECDSA P-256 (ecdsa-sha2-nistp256) or RSA-PSS (rsassa-pss-sha256) from a PKCS#8 PEM. */
export class PemSigner implements Signer {
  readonly key: Key;
  private readonly privateKey: KeyObject;

  constructor(
    privatePem: string,
    readonly description?: string,
    customFields: Record<string, unknown> = {},
  ) {
    this.privateKey = createPrivateKey(privatePem);
    const spki = createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const type = this.privateKey.asymmetricKeyType;
    if (type === 'ec') this.key = new Key('ecdsa', 'ecdsa-sha2-nistp256', { public: spki }, customFields);
    else if (type === 'rsa') this.key = new Key('rsa', 'rsassa-pss-sha256', { public: spki }, customFields);
    else throw new FormatError('private key', `unsupported key type ${type}`);
  }

  async sign(payload: Uint8Array): Promise<Uint8Array> {
    if (this.key.kind === 'ecdsa-p256')
      return nodeSign('sha256', payload, { key: this.privateKey, dsaEncoding: 'der' });
    return nodeSign('sha256', payload, {
      key: this.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  }
}
