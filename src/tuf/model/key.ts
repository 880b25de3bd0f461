/**
 * TUF public keys, keyids and software signature verification (TUF specification 1.0.x section 4.2).
 *
 * - keyid = hex SHA-256 of the canonical JSON of the whole key object as written, custom fields
 *   included (set custom fields first, then compute).
 * - Verified schemes (docs/decisions/0009-signature-schemes.md): those of securesystemslib 1.x's
 *   SSlibKey but SHA-224 (table SCHEMES below). ed25519: strict RFC 8032 (src/tuf/model/ed25519.ts),
 *   never ZIP-215 rules. ECDSA: DER SEQUENCE{r,s} over the scheme's hash, SPKI PEM on its curve.
 *   RSA (2048 bits or more, an odd exponent of at least 3): PSS with MGF1 of the scheme's hash and any salt length, as
 *   securesystemslib verifies (PSS.AUTO), or PKCS#1 v1.5.
 * - Made and signed here: ed25519, ecdsa-sha2-nistp256 and rsassa-pss-sha256 with a salt of
 *   exactly 32 bytes (Key.kind, Key.verifyMadeHere).
 * Verification uses node:crypto (native OpenSSL) for all of them (docs/decisions/0002).
 * - key identity: two keys are one key when their decoded public keys are equal, whatever the
 *   encoding, scheme or custom fields (docs/decisions/0004, "Key identity").
 */
import { constants, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { canonicalize, JSON_VALUE, WRITE_JSON, type JsonWriter } from '../json/canonical-json.js';
import { sha256Hex } from './digest.js';
import { ed25519KeyObject, isStrictEd25519PublicKey, verifyEd25519Strict } from './ed25519.js';
import { FormatError } from '../base/errors.js';
import { copyJson, FieldReader, hasFields, NO_FIELDS, setField, type JsonObject } from './fields.js';
import { freezeJson } from './frozen.js';

/**
 * The key kinds this tool makes, signs with and takes in as new keys: the three schemes the TUF
 * specification names (section 4.2), which every TUF client verifies. `other` is any other
 * keytype/scheme, verified (Key.verifiable) or not.
 */
export type KeyKind = 'ed25519' | 'ecdsa-p256' | 'rsa-pss' | 'other';

/** How a scheme is verified. */
interface SchemeRule {
  /** The keytypes it may be listed with (securesystemslib's KEY_FOR_TYPE_AND_SCHEME). */
  readonly keytypes: readonly string[];
  readonly family: 'ed25519' | 'ecdsa' | 'rsa';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  /** ECDSA: Node's name of the curve. */
  readonly curve?: string;
  /** RSA: PSS (any salt length) or PKCS#1 v1.5. */
  readonly pss?: boolean;
}

const ecdsa = (bits: string, curve: string, hash: SchemeRule['hash']): [string, SchemeRule] => [
  `ecdsa-sha2-nistp${bits}`,
  { keytypes: ['ecdsa', `ecdsa-sha2-nistp${bits}`], family: 'ecdsa', hash, curve },
];
const rsa = (prefix: string, hash: SchemeRule['hash']): [string, SchemeRule] => [
  `${prefix}-${hash}`,
  { keytypes: ['rsa'], family: 'rsa', hash, pss: prefix === 'rsassa-pss' },
];

/**
 * Every scheme verified here, by name: securesystemslib 1.x's SSlibKey schemes but the SHA-224
 * ones (docs/decisions/0009-signature-schemes.md). A Map, so that no scheme name reaches an
 * Object prototype member.
 */
const SCHEMES: ReadonlyMap<string, SchemeRule> = new Map([
  // Ed25519 hashes with SHA-512 inside the scheme (RFC 8032); the field is not used for it.
  ['ed25519', { keytypes: ['ed25519'], family: 'ed25519', hash: 'sha512' }],
  ecdsa('256', 'prime256v1', 'sha256'),
  ecdsa('384', 'secp384r1', 'sha384'),
  ecdsa('521', 'secp521r1', 'sha512'),
  ...(['sha256', 'sha384', 'sha512'] as const).flatMap((h) => [rsa('rsassa-pss', h), rsa('rsa-pkcs1v15', h)]),
]);

/** The scheme rule for a keytype/scheme pair, or undefined when it is not verified here. */
function schemeRule(keytype: string, scheme: string): SchemeRule | undefined {
  const rule = SCHEMES.get(scheme);
  return rule?.keytypes.includes(keytype) ? rule : undefined;
}

/** The RSA-PSS salt length of the signatures this tool makes: the SHA-256 digest length. */
const PSS_SALT_MADE_HERE = 32;

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

/** What a Key computes once: it is frozen, so none of these can go stale. */
interface KeyMemo {
  keyObject?: KeyObject;
  keyid?: string;
  materialId?: string;
  publicBytes?: Buffer;
}

/**
 * A key is a value: frozen when made, `keyval` and custom fields too (objects passed in are frozen
 * in place), so the keyid computed from it cannot go stale. A changed key is a new Key.
 */
export class Key {
  private readonly memo: KeyMemo = {};

  constructor(
    readonly keytype: string,
    readonly scheme: string,
    readonly keyval: JsonObject,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    freezeJson(keyval);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path = 'key'): Key {
    const r = FieldReader.of(v, path);
    const keytype = r.string('keytype');
    const scheme = r.string('scheme');
    const keyvalReader = FieldReader.of(r.raw('keyval'), r.at('keyval'));
    // The spec's three schemes keep the key in keyval.public (section 4.2); a scheme not verified
    // here may keep it otherwise, and its key, which counts as no signature, must not make the
    // whole file unreadable (as in tuf-js; docs/decisions/0009-signature-schemes.md).
    if (schemeRule(keytype, scheme)) keyvalReader.string('public');
    // A copy: the key freezes its keyval, and the object read may be the caller's.
    const key = new Key(keytype, scheme, copyJson(keyvalReader.obj), r.rest());
    const family = key.rule?.family;
    const pub = key.publicValue;
    if (family === 'ed25519' && !/^[0-9a-f]{64}$/.test(pub)) {
      throw new FormatError(`${path}.keyval.public`, 'an ed25519 public key is 64 lowercase hex characters');
    }
    if ((family === 'ecdsa' || family === 'rsa') && !pub.startsWith('-----BEGIN PUBLIC KEY-----')) {
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
    this.memo.keyid ??= sha256Hex(this.plainCanonicalForm() ?? canonicalize(this.toJSON()));
    return this.memo.keyid;
  }

  /**
   * The canonical JSON of the usual key object (no custom fields; keyval holding only "public";
   * strings that canonical JSON writes as they are), made directly: a role with a million keys
   * computes a million keyids. Anything else goes through the encoder, which gives the same bytes
   * for these keys (test/tuf/model/keys-signatures.test.ts compares the two).
   */
  private plainCanonicalForm(): string | undefined {
    if (hasFields(this.unrecognized)) return undefined;
    const pub = this.keyval['public'];
    if (typeof pub !== 'string' || !PLAIN.test(pub) || !PLAIN.test(this.keytype) || !PLAIN.test(this.scheme))
      return undefined;
    for (const k in this.keyval) if (k !== 'public' && Object.hasOwn(this.keyval, k)) return undefined;
    return `{"keytype":"${this.keytype}","keyval":{"public":"${pub}"},"scheme":"${this.scheme}"}`;
  }

  get publicValue(): string {
    return this.keyval['public'] as string;
  }

  /** The raw 32 bytes of an Ed25519 public key. */
  private publicBytes(): Buffer {
    this.memo.publicBytes ??= Buffer.from(this.publicValue, 'hex');
    return this.memo.publicBytes;
  }

  /** A copy with other custom fields (which changes the keyid). */
  withCustomFields(fields: JsonObject): Key {
    return new Key(this.keytype, this.scheme, { ...this.keyval }, { ...this.unrecognized, ...fields });
  }

  /**
   * The identity of the key material: the decoded public key, so that one key written two ways
   * (a compressed or uncompressed ECDSA point, other PEM line breaks, text around the PEM block)
   * is one key (docs/decisions/0004-verification-strictness.md, "Key identity"). The scheme takes
   * no part: one key under two schemes is still one key, in one holder's hands. Computed on first
   * use and kept: reading metadata never decodes its keys.
   */
  get materialId(): string {
    // A key of a scheme not verified here may have no keyval.public: its whole keyval then.
    this.memo.materialId ??= materialIdOf(this.keytype, this.keyval['public'] ?? this.keyval, this.memo.keyObject);
    return this.memo.materialId;
  }

  /** The same key material (materialId), whatever the encoding, scheme or custom fields. */
  sameMaterial(other: Key): boolean {
    return this === other || this.materialId === other.materialId;
  }

  /** Written the same way (keytype, scheme, keyval): the two differ at most in custom fields. */
  sameEncoding(other: Key): boolean {
    return (
      this.keytype === other.keytype &&
      this.scheme === other.scheme &&
      canonicalize(this.keyval).equals(canonicalize(other.keyval))
    );
  }

  get kind(): KeyKind {
    if (!this.rule) return 'other';
    if (this.scheme === 'ed25519') return 'ed25519';
    if (this.scheme === 'ecdsa-sha2-nistp256') return 'ecdsa-p256';
    if (this.scheme === 'rsassa-pss-sha256') return 'rsa-pss';
    return 'other';
  }

  /** How this key's scheme is verified, or undefined when this tool does not verify it. */
  private get rule(): SchemeRule | undefined {
    return schemeRule(this.keytype, this.scheme);
  }

  /**
   * Whether this tool verifies signatures of this keytype/scheme. A signature by a key it does
   * not verify counts toward no threshold (TUF specification 5.3.4: only signatures that
   * verify count), and is reported as an unsupported scheme, not a bad signature.
   */
  get verifiable(): boolean {
    return this.rule !== undefined;
  }

  private keyObject(): KeyObject {
    if (!this.memo.keyObject) {
      let ko: KeyObject;
      try {
        ko =
          this.rule?.family === 'ed25519'
            ? ed25519KeyObject(Buffer.from(this.publicValue, 'hex'))
            : createPublicKey({ key: this.publicValue, format: 'pem' });
      } catch (e) {
        throw new FormatError('keyval.public', `not a readable public key (${(e as Error).message})`, 'E_FORMAT', {
          cause: e,
        });
      }
      const details = ko.asymmetricKeyDetails ?? {};
      const rule = this.rule;
      if (rule?.family === 'ecdsa' && (ko.asymmetricKeyType !== 'ec' || details.namedCurve !== rule.curve)) {
        throw new FormatError('keyval.public', `an ${this.scheme} key must be an EC key on ${rule.curve}`);
      }
      // An exponent of 1 makes every encoded message its own signature, so anyone signs for the
      // key; RFC 8017 section 3.1 asks for an odd e of at least 3 (securesystemslib checks none).
      const e = details.publicExponent ?? 0n;
      if (
        rule?.family === 'rsa' &&
        (ko.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < 2048 || e < 3n || e % 2n === 0n)
      ) {
        throw new FormatError(
          'keyval.public',
          `an ${this.scheme} key must be RSA of at least 2048 bits with an odd public exponent of at least 3`,
        );
      }
      this.memo.keyObject = ko;
    }
    return this.memo.keyObject;
  }

  /**
   * Check the key is usable as a new key in metadata this tool writes: one of the kinds it makes
   * (KeyKind), which every TUF client verifies, with sound material. Throws FormatError naming
   * the problem.
   */
  assertUsable(): void {
    if (this.kind === 'other')
      throw new FormatError(
        'keytype',
        `unsupported key type/scheme ${this.keytype}/${this.scheme} for a new key (ed25519, ecdsa-sha2-nistp256 and rsassa-pss-sha256 are)`,
      );
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
    return this.verifyWith(payload, signature, constants.RSA_PSS_SALTLEN_AUTO);
  }

  /**
   * Verify a signature this tool (or its token) just made: as verify, and an RSA-PSS salt of
   * exactly 32 bytes, the digest length that strict verifiers require (RFC 8017 section 9.1
   * recommends it), so that what is written verifies everywhere.
   */
  verifyMadeHere(payload: Uint8Array, signature: Uint8Array): boolean {
    return this.verifyWith(payload, signature, PSS_SALT_MADE_HERE);
  }

  private verifyWith(payload: Uint8Array, signature: Uint8Array, pssSalt: number): boolean {
    const rule = this.rule;
    try {
      switch (rule?.family) {
        case 'ed25519':
          // Strict RFC 8032 (section 5.1.7): no ZIP-215 leniency.
          return verifyEd25519Strict(this.publicBytes(), payload, signature, this.keyObject());
        case 'ecdsa':
          // TUF ECDSA signatures are DER SEQUENCE{r,s} (docs/formats/request.md, "Signatures").
          return nodeVerify(rule.hash, payload, { key: this.keyObject(), dsaEncoding: 'der' }, signature);
        case 'rsa':
          // PSS: MGF1 with the scheme's hash, the salt length found in the signature unless
          // pssSalt fixes it (securesystemslib verifies with PSS.AUTO); or PKCS#1 v1.5.
          return nodeVerify(
            rule.hash,
            payload,
            rule.pss
              ? { key: this.keyObject(), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSalt }
              : { key: this.keyObject(), padding: constants.RSA_PKCS1_PADDING },
            signature,
          );
        default:
          return false;
      }
    } catch {
      return false;
    }
  }
}

/** P-256 (SEC 2 section 2.4.2): y^2 = x^3 - 3x + b over GF(p). */
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/**
 * A P-256 SPKI PEM exactly as this tool and python-tuf write it (64-character lines): the base64 of
 * the 26-byte SPKI header for id-ecPublicKey/prime256v1 and the 0x04 of an uncompressed point
 * (27 bytes, so it ends on a base64 group), then the 64 bytes of x and y.
 */
const P256_PEM =
  /^-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE([A-Za-z0-9+/]{28})\n([A-Za-z0-9+/]{58}==)\n-----END PUBLIC KEY-----\n?$/;

/**
 * The material id of the usual ECDSA key without calling OpenSSL (about 100 µs a key, where a
 * million developer keys may be compared), or undefined for anything else. Agrees with the
 * decoder: a point off the curve or out of range is left to it (which refuses it), and
 * test/tuf/model/key-identity.test.ts compares the two on many keys and mutations of them.
 */
function p256MaterialId(pub: string): string | undefined {
  const m = P256_PEM.exec(pub);
  if (!m) return undefined;
  const point = Buffer.from(m[1]! + m[2]!, 'base64');
  if (point.length !== 64) return undefined;
  const hex = point.toString('hex');
  const x = BigInt(`0x${hex.slice(0, 64)}`);
  const y = BigInt(`0x${hex.slice(64)}`);
  if (x >= P256_P || y >= P256_P || (y * y - (x * x * x - 3n * x + P256_B)) % P256_P !== 0n) return undefined;
  return `ec:P-256:${hex}`;
}

/** The material id from a decoded public key (its JWK form): the curve and point, or n and e. */
function decodedMaterialId(ko: KeyObject): string | undefined {
  const jwk = ko.export({ format: 'jwk' });
  const hex = (v: string | undefined) => Buffer.from(v ?? '', 'base64url').toString('hex');
  // Node writes x and y at the full width of the curve's field (RFC 7518 section 6.2.1.2).
  if (jwk.kty === 'EC') return `ec:${jwk.crv}:${hex(jwk.x)}${hex(jwk.y)}`;
  if (jwk.kty === 'OKP') return `${jwk.crv?.toLowerCase()}:${hex(jwk.x)}`;
  if (jwk.kty === 'RSA') return `rsa:${hex(jwk.n)}:${hex(jwk.e)}`;
  return undefined;
}

/**
 * Key.materialId: Ed25519 the 32 bytes, ECDSA the curve and the uncompressed point, RSA the
 * modulus and exponent. A public value that does not decode falls back to the keytype's family
 * and the text without whitespace: such a key verifies no signature (Key.verify) and fails
 * assertUsable, so it never counts toward a threshold nor passes a guard rail; the fallback only
 * keeps two copies of one broken key from looking like two keys.
 */
function materialIdOf(keytype: string, pub: unknown, decoded: KeyObject | undefined): string {
  if (typeof pub !== 'string') return `undecoded:${keytype}:${JSON.stringify(pub)}`;
  if (keytype === 'ed25519' && /^[0-9a-fA-F]{64}$/.test(pub)) return `ed25519:${pub.toLowerCase()}`;
  const id = p256MaterialId(pub);
  if (id) return id;
  try {
    const fromDecoder = decodedMaterialId(decoded ?? createPublicKey({ key: pub, format: 'pem' }));
    if (fromDecoder) return fromDecoder;
  } catch {
    // not a public key OpenSSL reads: the fallback below
  }
  const family = keytype.startsWith('ecdsa') ? 'ecdsa' : keytype;
  return `undecoded:${family}:${pub.replace(/\s+/g, '')}`;
}
