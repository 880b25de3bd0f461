import { describe, expect, it } from 'vitest';
import { constants, createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { Key } from '../../../src/tuf/model/key.js';
import { Ed25519Signer, PemSigner } from '../../../src/keys/software-signer.js';
import { loadVector } from '../../helpers/vectors.js';

const keyids = loadVector('keyids.json');
const sigs = loadVector('signatures.json');

describe('keyids agree with securesystemslib', () => {
  for (const c of keyids.cases) {
    it(c.name, () => {
      expect(Key.fromJSON(c.key).keyid).toBe(c.keyid);
    });
  }
  it('a changed custom field changes the keyid', () => {
    const k = Key.fromJSON(keyids.cases[1].key);
    expect(k.withCustomFields({ 'x-ceremony-owner': 'bob@example.org' }).keyid).not.toBe(k.keyid);
    expect(k.withCustomFields({ 'x-ceremony-owner': 'bob@example.org' }).sameMaterial(k)).toBe(true);
  });
});

function flipByte(bytes: Uint8Array, i: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[i] = copy[i]! ^ 0x01;
  return copy;
}

describe('signatures made by securesystemslib verify', () => {
  for (const c of sigs.cases) {
    describe(c.name, () => {
      const key = Key.fromJSON(c.key);
      const payload = Buffer.from(c.payload_utf8, 'utf8');
      const sig = Buffer.from(c.sig, 'hex');

      it('has the vector keyid and verifies', () => {
        expect(key.keyid).toBe(c.keyid);
        expect(key.verify(payload, sig)).toBe(true);
      });

      it('fails for any one-byte change of the payload', () => {
        // Every position of the payload is tried: not a sample.
        for (let i = 0; i < payload.length; i++) expect(key.verify(flipByte(payload, i), sig)).toBe(false);
      });

      it('fails for any one-byte change of the signature', () => {
        for (let i = 0; i < sig.length; i++) expect(key.verify(payload, flipByte(sig, i))).toBe(false);
      });
    });
  }

  it('reproduces the deterministic Ed25519 signature byte for byte from its seed', async () => {
    const c = sigs.cases.find((x: any) => x.name === 'ed25519-deterministic');
    const signer = new Ed25519Signer(Buffer.from(c.private_seed_hex, 'hex'));
    expect(signer.key.keyid).toBe(c.keyid);
    const made = await signer.sign(Buffer.from(c.payload_utf8, 'utf8'));
    expect(Buffer.from(made).toString('hex')).toBe(c.sig);
  });

  it('signs fresh ECDSA (DER) and RSA-PSS (salt 32) signatures that verify', async () => {
    for (const name of ['ecdsa-p256-der', 'rsassa-pss-sha256-salt32']) {
      const c = sigs.cases.find((x: any) => x.name === name);
      const signer = new PemSigner(c.private_pkcs8_pem);
      expect(signer.key.keyid).toBe(c.keyid);
      const payload = Buffer.from('fresh payload');
      const s = await signer.sign(payload);
      expect(Key.fromJSON(c.key).verify(payload, s)).toBe(true);
      if (name.startsWith('ecdsa')) expect(s[0]).toBe(0x30); // DER SEQUENCE, never raw r||s
    }
  });
});

describe('strict verification rules', () => {
  it('accepts an RSA-PSS signature of any salt length, as securesystemslib does, but not as made here', async () => {
    const { sign, createPrivateKey, constants } = await import('node:crypto');
    const c = sigs.cases.find((x: any) => x.name === 'rsassa-pss-sha256-salt32');
    const payload = Buffer.from('x');
    const key = Key.fromJSON(c.key);
    for (const saltLength of [0, 20, 64, constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
      const s = sign('sha256', payload, {
        key: createPrivateKey(c.private_pkcs8_pem),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      });
      expect(key.verify(payload, s)).toBe(true);
      // The check after signing keeps the salt this tool and its tokens make: 32 bytes.
      expect(key.verifyMadeHere(payload, s)).toBe(false);
      expect(key.verify(flipByte(payload, 0), s)).toBe(false);
    }
    const salt32 = sign('sha256', payload, {
      key: createPrivateKey(c.private_pkcs8_pem),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    expect(key.verifyMadeHere(payload, salt32)).toBe(true);
  });

  it('refuses a raw r||s ECDSA signature', async () => {
    const { sign, createPrivateKey } = await import('node:crypto');
    const c = sigs.cases.find((x: any) => x.name === 'ecdsa-p256-der');
    const payload = Buffer.from('x');
    const raw = sign('sha256', payload, { key: createPrivateKey(c.private_pkcs8_pem), dsaEncoding: 'ieee-p1363' });
    expect(Key.fromJSON(c.key).verify(payload, raw)).toBe(false);
  });

  it('refuses an Ed25519 signature with a non-canonical S (accepted only under ZIP-215 rules)', () => {
    const c = sigs.cases.find((x: any) => x.name === 'ed25519-deterministic');
    const key = Key.fromJSON(c.key);
    const sig = Buffer.from(c.sig, 'hex');
    // S + L: the same scalar modulo L, which RFC 8032 verification must refuse.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    s += L;
    const forged = Buffer.from(sig);
    for (let i = 0; i < 32; i++) forged[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    expect(key.verify(Buffer.from(c.payload_utf8), forged)).toBe(false);
  });

  it('an unsupported scheme never verifies, even with a valid signature under a known scheme', async () => {
    const c = sigs.cases.find((x: any) => x.name === 'ed25519-deterministic');
    const payload = Buffer.from(c.payload_utf8, 'utf8');
    const sig = Buffer.from(c.sig, 'hex');
    const k = new Key('ed25519', 'ed25519-unknown', c.key.keyval);
    expect(Key.fromJSON(c.key).verify(payload, sig)).toBe(true);
    expect(k.kind).toBe('other');
    expect(k.verifiable).toBe(false);
    expect(k.verify(payload, sig)).toBe(false);
  });

  it('a scheme listed with a keytype it does not go with is not verified', () => {
    // securesystemslib's KEY_FOR_TYPE_AND_SCHEME pairs: rsa schemes with keytype rsa only, and so on.
    for (const [keytype, scheme] of [
      ['ecdsa', 'rsa-pkcs1v15-sha256'],
      ['rsa', 'ecdsa-sha2-nistp384'],
      ['ed25519', 'rsassa-pss-sha256'],
      ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'],
      ['rsa', 'rsassa-pss-sha224'],
      ['rsa', 'toString'],
      ['rsa', '__proto__'],
    ])
      expect(new Key(keytype!, scheme!, { public: 'x' }).verifiable, `${keytype}/${scheme}`).toBe(false);
  });

  it('keys of schemes only verified here are refused as new keys, naming the scheme', () => {
    const c = sigs.cases.find((x: any) => x.name === 'rsassa-pss-sha256-salt32');
    const k = new Key('rsa', 'rsa-pkcs1v15-sha256', c.key.keyval);
    expect(k.verifiable).toBe(true);
    expect(k.kind).toBe('other');
    expect(() => k.assertUsable()).toThrow(/unsupported key type\/scheme rsa\/rsa-pkcs1v15-sha256 for a new key/);
  });
});

describe('a valid signature in another encoding verifies nothing', () => {
  const payload = Buffer.from('{"signed":"anything"}');

  it('ECDSA: DER with a byte after it, with a long-form length, or with r = s = 0', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = Key.fromJSON({
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: publicKey.export({ format: 'pem', type: 'spki' }) as string },
    });
    const der = sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' });
    expect(key.verify(payload, der)).toBe(true);
    // X.690 DER: one encoding per value, nothing after it (BER's long form for a short length is not DER).
    expect(key.verify(payload, Buffer.concat([der, Buffer.from([0])]))).toBe(false);
    expect(key.verify(payload, Buffer.concat([Buffer.from([0x30, 0x81, der[1]!]), der.subarray(2)]))).toBe(false);
    expect(key.verify(payload, Buffer.from('3006020100020100', 'hex'))).toBe(false);
  });

  it('RSA PKCS#1 v1.5: a byte added before or after, or a DigestInfo of another hash', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = Key.fromJSON({
      keytype: 'rsa',
      scheme: 'rsa-pkcs1v15-sha256',
      keyval: { public: publicKey.export({ format: 'pem', type: 'spki' }) as string },
    });
    const sig = sign('sha256', payload, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
    expect(key.verify(payload, sig)).toBe(true);
    expect(key.verify(payload, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
    expect(key.verify(payload, Buffer.concat([Buffer.from([0]), sig]))).toBe(false);
    expect(
      key.verify(payload, sign('sha512', payload, { key: privateKey, padding: constants.RSA_PKCS1_PADDING })),
    ).toBe(false);
  });
});

describe('key material under a scheme it does not fit verifies nothing', () => {
  const payload = Buffer.from('{"signed":"anything"}');
  const pemOf = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }) as string;

  it('a P-256 key listed as P-384 or P-521, with signatures over each hash', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const [scheme, hash] of [
      ['ecdsa-sha2-nistp384', 'sha384'],
      ['ecdsa-sha2-nistp521', 'sha512'],
    ] as const) {
      const key = Key.fromJSON({ keytype: 'ecdsa', scheme, keyval: { public: pemOf(publicKey) } });
      for (const h of ['sha256', hash])
        expect(key.verify(payload, sign(h, payload, { key: privateKey, dsaEncoding: 'der' })), `${scheme} ${h}`).toBe(
          false,
        );
    }
  });

  it('an RSA key listed under an ECDSA scheme, with its own PSS and PKCS#1 v1.5 signatures', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = Key.fromJSON({ keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: pemOf(publicKey) } });
    for (const padding of [constants.RSA_PKCS1_PSS_PADDING, constants.RSA_PKCS1_PADDING])
      expect(key.verify(payload, sign('sha256', payload, { key: privateKey, padding }))).toBe(false);
  });
});

describe('RSA keys anyone can sign for', () => {
  /** DER of SEQUENCE{n, e} in an SPKI, as PEM: a public key with any exponent. */
  function rsaPem(n: Buffer, e: number): string {
    const der = (tag: number, body: Buffer) => {
      const len =
        body.length < 128
          ? [body.length]
          : body.length < 256
            ? [0x81, body.length]
            : [0x82, body.length >> 8, body.length & 255];
      return Buffer.concat([Buffer.from([tag, ...len]), body]);
    };
    const int = (b: Buffer) => der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
    const rsaKey = der(0x30, Buffer.concat([int(n), int(Buffer.from([e]))]));
    const alg = Buffer.from('300d06092a864886f70d0101010500', 'hex');
    const spki = der(0x30, Buffer.concat([alg, der(0x03, Buffer.concat([Buffer.from([0]), rsaKey]))]));
    return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({
      format: 'pem',
      type: 'spki',
    }) as string;
  }
  const payload = Buffer.from('{"signed":"anything"}');
  const digest = createHash('sha256').update(payload).digest();
  const n = Buffer.from(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }).n!,
    'base64url',
  );
  /** RFC 8017 section 9.2: the PKCS#1 v1.5 encoding of SHA-256(payload), which needs no private key. */
  const pkcs1 = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.alloc(n.length - 3 - 51, 0xff),
    Buffer.from([0]),
    Buffer.from('3031300d060960864801650304020105000420', 'hex'),
    digest,
  ]);
  /** RFC 8017 section 9.1.1: EMSA-PSS-ENCODE with MGF1-SHA-256 and an empty salt. */
  function pss(): Buffer {
    const emLen = n.length;
    const h = createHash('sha256').update(Buffer.alloc(8)).update(digest).digest();
    const db = Buffer.alloc(emLen - 33);
    db[db.length - 1] = 0x01;
    const mask = Buffer.concat(
      [...Array(Math.ceil(db.length / 32)).keys()].map((i) =>
        createHash('sha256')
          .update(h)
          .update(Buffer.from([0, 0, 0, i]))
          .digest(),
      ),
    );
    for (let i = 0; i < db.length; i++) db[i] = db[i]! ^ mask[i]!;
    db[0] = db[0]! & 0x7f;
    return Buffer.concat([db, h, Buffer.from([0xbc])]);
  }

  // With e = 1 the signature is its own encoding (s^1 mod n), which anyone can compute: such a
  // key vouches for nothing. RFC 8017 section 3.1 asks for an odd e of at least 3.
  for (const [scheme, forged] of [
    ['rsa-pkcs1v15-sha256', pkcs1],
    ['rsassa-pss-sha256', pss()],
  ] as const) {
    it(`verifies no ${scheme} signature by a key of exponent 1`, () => {
      const key = Key.fromJSON({ keytype: 'rsa', scheme, keyval: { public: rsaPem(n, 1) } });
      expect(key.verify(payload, forged)).toBe(false);
    });
  }

  it('takes no new key of exponent 1 or of an even exponent, and takes one of exponent 3 as securesystemslib does', () => {
    expect(() =>
      Key.fromJSON({ keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: rsaPem(n, 1) } }).assertUsable(),
    ).toThrow(/odd public exponent of at least 3/);
    expect(() =>
      Key.fromJSON({ keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: rsaPem(n, 2) } }).assertUsable(),
    ).toThrow(/odd public exponent/);
    expect(() =>
      Key.fromJSON({ keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: rsaPem(n, 3) } }).assertUsable(),
    ).not.toThrow();
  });
});
