/**
 * TUF public keys, keyids and software signature verification (REFERENCE.md section 3).
 *
 * - keyid = hex SHA-256 of the canonical JSON of the whole key object as written, custom fields
 *   included (set custom fields first, then compute).
 * - ed25519: strict RFC 8032 verification (src/tuf/ed25519.ts), never ZIP-215 rules.
 * - ecdsa-sha2-nistp256: DER SEQUENCE{r,s} over SHA-256 of the payload, P-256 SPKI PEM.
 * - rsassa-pss-sha256: SHA-256, MGF1-SHA-256, salt length exactly 32; keys of 2048 bits or more.
 * Verification uses node:crypto (native OpenSSL) for all three (docs/decisions/0002).
 */
import { constants, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { canonicalize, JSON_VALUE, WRITE_JSON, type JsonWriter } from './canonical-json.js';
import { sha256Hex } from './digest.js';
import { ed25519KeyObject, isStrictEd25519PublicKey, verifyEd25519Strict } from './ed25519.js';
import { FormatError } from './errors.js';
import { FieldReader, hasFields, NO_FIELDS, setField, type JsonObject } from './fields.js';

export type KeyKind = 'ed25519' | 'ecdsa-p256' | 'rsa-pss' | 'unsupported';

/**
 * The custom key field naming the person who holds the key, set before the keyid is computed
 * (as tuf-on-ci's `x-tuf-on-ci-keyowner`), so that every summary can say whose key it is.
 */
export const OWNER_FIELD = 'x-ceremony-owner';

/** The holder named in a key's owner field, if any. */
export function ownerOf(key: Key | undefined): string | undefined {
  const v = key?.unrecognized[OWNER_FIELD];
  return typeof v === 'string' ? v : undefined;
}

/** Printable ASCII but `"` and `\`: written unescaped in canonical JSON, one byte each. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export class Key {
  private cachedKeyObject: KeyObject | undefined;
  private cachedKeyid: string | undefined;

  constructor(
    readonly keytype: string,
    readonly scheme: string,
    readonly keyval: JsonObject,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {}

  static fromJSON(v: unknown, path = 'key'): Key {
    const r = FieldReader.of(v, path);
    const keytype = r.string('keytype');
    const scheme = r.string('scheme');
    const keyvalReader = FieldReader.of(r.raw('keyval'), r.at('keyval'));
    keyvalReader.string('public');
    const key = new Key(keytype, scheme, keyvalReader.obj, r.rest());
    const kind = key.kind;
    const pub = key.publicValue;
    if (kind === 'ed25519' && !/^[0-9a-f]{64}$/.test(pub)) {
      throw new FormatError(`${path}.keyval.public`, 'an ed25519 public key is 64 lowercase hex characters');
    }
    if ((kind === 'ecdsa-p256' || kind === 'rsa-pss') && !pub.startsWith('-----BEGIN PUBLIC KEY-----')) {
      throw new FormatError(`${path}.keyval.public`, 'expected an SPKI PEM public key');
    }
    return key;
  }

  toJSON(): JsonObject {
    const out: JsonObject = { keytype: this.keytype, scheme: this.scheme, keyval: this.keyval };
    for (const [k, v] of Object.entries(this.unrecognized)) setField(out, k, v);
    return out;
  }

  [JSON_VALUE](): JsonObject {
    return this.toJSON();
  }

  /** Members in canonical order: keytype, keyval, scheme (custom fields: the general way). */
  [WRITE_JSON](w: JsonWriter, depth: number): boolean {
    if (hasFields(this.unrecognized)) return false;
    w.ascii('{"keytype":');
    w.member('keytype', this.keytype, depth);
    w.ascii(',"keyval":');
    w.member('keyval', this.keyval, depth);
    w.ascii(',"scheme":');
    w.member('scheme', this.scheme, depth);
    w.ascii('}');
    return true;
  }

  /** The keyid over the whole key object as written (custom fields included). */
  get keyid(): string {
    this.cachedKeyid ??= sha256Hex(this.plainCanonicalForm() ?? canonicalize(this.toJSON()));
    return this.cachedKeyid;
  }

  /**
   * The canonical JSON of the usual key object (no custom fields; keyval holding only "public";
   * strings that canonical JSON writes as they are), made directly: a role with a million keys
   * computes a million keyids. Anything else goes through the encoder, which gives the same bytes
   * for these keys (test/tuf/keys-signatures.test.ts compares the two).
   */
  private plainCanonicalForm(): string | undefined {
    if (hasFields(this.unrecognized)) return undefined;
    const pub = this.keyval['public'];
    if (typeof pub !== 'string' || !PLAIN.test(pub) || !PLAIN.test(this.keytype) || !PLAIN.test(this.scheme)) return undefined;
    for (const k in this.keyval) if (k !== 'public' && Object.hasOwn(this.keyval, k)) return undefined;
    return `{"keytype":"${this.keytype}","keyval":{"public":"${pub}"},"scheme":"${this.scheme}"}`;
  }

  get publicValue(): string {
    return this.keyval['public'] as string;
  }

  private cachedPublicBytes: Buffer | undefined;
  /** The raw 32 bytes of an Ed25519 public key. */
  private publicBytes(): Buffer {
    this.cachedPublicBytes ??= Buffer.from(this.publicValue, 'hex');
    return this.cachedPublicBytes;
  }

  /** A copy with other custom fields (which changes the keyid). */
  withCustomFields(fields: JsonObject): Key {
    return new Key(this.keytype, this.scheme, { ...this.keyval }, { ...this.unrecognized, ...fields });
  }

  /** Same key material (type, scheme, public value), whatever the custom fields. */
  sameMaterial(other: Key): boolean {
    return this.kind === other.kind && this.scheme === other.scheme && normalizePem(this.publicValue) === normalizePem(other.publicValue);
  }

  get kind(): KeyKind {
    if (this.keytype === 'ed25519' && this.scheme === 'ed25519') return 'ed25519';
    if ((this.keytype === 'ecdsa' || this.keytype === 'ecdsa-sha2-nistp256') && this.scheme === 'ecdsa-sha2-nistp256') return 'ecdsa-p256';
    if (this.keytype === 'rsa' && this.scheme === 'rsassa-pss-sha256') return 'rsa-pss';
    return 'unsupported';
  }

  private keyObject(): KeyObject {
    if (!this.cachedKeyObject) {
      let ko: KeyObject;
      try {
        ko = this.kind === 'ed25519' ? ed25519KeyObject(Buffer.from(this.publicValue, 'hex')) : createPublicKey({ key: this.publicValue, format: 'pem' });
      } catch (e) {
        throw new FormatError('keyval.public', `not a readable public key (${(e as Error).message})`);
      }
      const details = ko.asymmetricKeyDetails ?? {};
      if (this.kind === 'ecdsa-p256' && (ko.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1')) {
        throw new FormatError('keyval.public', 'an ecdsa-sha2-nistp256 key must be a P-256 EC key');
      }
      if (this.kind === 'rsa-pss' && (ko.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < 2048)) {
        throw new FormatError('keyval.public', 'an rsassa-pss-sha256 key must be RSA of at least 2048 bits');
      }
      this.cachedKeyObject = ko;
    }
    return this.cachedKeyObject;
  }

  /** Check the key material is usable; throws FormatError naming the problem. */
  assertUsable(): void {
    if (this.kind === 'unsupported') throw new FormatError('keytype', `unsupported key type/scheme ${this.keytype}/${this.scheme}`);
    if (this.kind === 'ed25519' && !isStrictEd25519PublicKey(this.publicBytes())) {
      throw new FormatError('keyval.public', 'not a usable Ed25519 public key (non-canonical or of small order)');
    }
    this.keyObject();
  }

  /**
   * Verify a raw signature over `payload`. Returns false for any invalid signature, malformed
   * key or unsupported scheme: an unverifiable signature never counts toward a threshold.
   */
  verify(payload: Uint8Array, signature: Uint8Array): boolean {
    try {
      switch (this.kind) {
        case 'ed25519':
          // Strict RFC 8032 (REFERENCE.md section 3): no ZIP-215 leniency.
          return verifyEd25519Strict(this.publicBytes(), payload, signature, this.keyObject());
        case 'ecdsa-p256':
          // TUF ECDSA signatures are DER SEQUENCE{r,s} (REFERENCE.md section 3).
          return nodeVerify('sha256', payload, { key: this.keyObject(), dsaEncoding: 'der' }, signature);
        case 'rsa-pss':
          // PSS with SHA-256, MGF1-SHA-256 and a salt of exactly 32 bytes.
          return nodeVerify('sha256', payload, { key: this.keyObject(), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
        default:
          return false;
      }
    } catch {
      return false;
    }
  }
}

function normalizePem(s: string): string {
  return s.replace(/\s+/g, '');
}
