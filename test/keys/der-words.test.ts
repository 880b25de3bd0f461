/** The DER shapes of PKCS#11 answers, and fingerprints as PGP words. */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecdsaRawToDer, unwrapEcPoint } from '../../src/keys/der.js';
import { EVEN_WORDS, ODD_WORDS, fingerprintWords, groupedHex } from '../../src/tuf/model/fingerprint-words.js';

describe('ECDSA raw r‖s to DER', () => {
  it('agrees with OpenSSL on many signatures (high bits, leading zeros)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 200; i++) {
      const msg = Buffer.from(`message ${i}`);
      const raw = sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = ecdsaRawToDer(raw);
      expect(verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
      expect(der.length).toBeLessThanOrEqual(72);
    }
  });

  it('minimal integers: zeros stripped, a zero added before a high bit', () => {
    const raw = Buffer.concat([Buffer.alloc(31, 0), Buffer.from([0x05]), Buffer.from([0x80]), Buffer.alloc(31, 1)]);
    expect(ecdsaRawToDer(raw).toString('hex')).toBe(`3026020105022100${'80'}${'01'.repeat(31)}`);
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).toThrow('equal halves');
  });
});

describe('CKA_EC_POINT', () => {
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 7)]);
  it('accepts the DER OCTET STRING and the bare point', () => {
    expect(unwrapEcPoint(Buffer.concat([Buffer.from([0x04, 0x41]), point]), 65, 'k')).toEqual(point);
    expect(unwrapEcPoint(point, 65, 'k')).toEqual(point);
    expect(unwrapEcPoint(Buffer.concat([Buffer.from([0x04, 0x20]), Buffer.alloc(32, 9)]), 32, 'k')).toEqual(
      Buffer.alloc(32, 9),
    );
  });
  it('refuses anything else, naming the key', () => {
    expect(() => unwrapEcPoint(Buffer.alloc(40), 32, 'key "x"')).toThrow('key "x": CKA_EC_POINT of 40 bytes');
  });
});

describe('PGP word list', () => {
  it('has 256 distinct even and 256 distinct odd words, no word in both', () => {
    expect(EVEN_WORDS).toHaveLength(256);
    expect(ODD_WORDS).toHaveLength(256);
    expect(new Set([...EVEN_WORDS, ...ODD_WORDS].map((w) => w.toLowerCase())).size).toBe(512);
    expect([EVEN_WORDS[0], ODD_WORDS[0], EVEN_WORDS[255], ODD_WORDS[255]]).toEqual([
      'aardvark',
      'adroitness',
      'Zulu',
      'Yucatan',
    ]);
  });

  it('alternates even and odd words by byte position (published vector)', () => {
    expect(fingerprintWords('12b4b0057400076fa5c0f5cbf726ac65').join(' ')).toBe(
      'atlas politeness ruffled almighty indoors adroitness ahead hemisphere reindeer recipe vapor revival virus caretaker ribcage glossary',
    );
    expect(fingerprintWords('E58294F2E9A227486E8B061B31CC528FD7FA3F19').join(' ')).toBe(
      'topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa ' +
        'afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell ' +
        'bottomless',
    );
    expect(fingerprintWords(Uint8Array.from([0xe5, 0x82, 0x94]))).toEqual(['topmost', 'Istanbul', 'Pluto']);
    expect(fingerprintWords('E5:82 94')).toEqual(['topmost', 'Istanbul', 'Pluto']);
  });

  it('one word per byte of a keyid; refuses what is not hex', () => {
    expect(fingerprintWords('ab'.repeat(32))).toHaveLength(32);
    expect(() => fingerprintWords('abc')).toThrow('not a hex string');
    expect(groupedHex('ABCDEF0123')).toBe('abcd ef01 23');
  });
});
