/**
 * The fast paths of canonical JSON and the strict reader (docs/performance.md) give exactly the
 * bytes and values of the plain algorithms, on large documents as on small ones.
 */
import * as tufjs from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { buildClaimedRole, projectName } from '../../../bench/claimed-role.js';
import { distinctEd25519PublicKeys } from '../../../bench/fixture-keys.js';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { canonicalize, canonicalizeEncoded, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { CanonicalJsonError, FormatError } from '../../../src/tuf/base/errors.js';
import { Metadata, type Targets } from '../../../src/tuf/model/metadata.js';
import { parseStrictJson } from '../../../src/tuf/json/strict-json.js';
import { verifyRole } from '../../../src/tuf/verify/verification.js';

/** The plain algorithm of docs/decisions/0001-canonical-json.md, one string at a time. */
function referenceEncode(value: unknown, fileForm: boolean): Buffer {
  const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);
  const byCodePoint = (a: string, b: string): number => {
    const x = codePoints(a);
    const y = codePoints(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  const str = (s: string): string => (fileForm ? JSON.stringify(s) : `"${s.replace(/["\\]/g, '\\$&')}"`);
  const enc = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
    if (Array.isArray(v)) return `[${v.map(enc).join(',')}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort(byCodePoint)
      .map((k) => `${str(k)}:${enc(o[k])}`)
      .join(',')}}`;
  };
  return Buffer.from(enc(value) + (fileForm ? '\n' : ''), 'utf8');
}

/** A small deterministic generator, so that a failure can be reproduced. */
function randomValues(seed: number) {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const pieces = [
    'a',
    'Z',
    '0',
    '"',
    '\\',
    '/',
    '\n',
    '\t',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '€',
    '\u2028',
    '\ue000',
    '\uffff',
    '😀',
    'ed25519',
    'keyids',
  ];
  const text = (): string => Array.from({ length: Math.floor(next() * 6) }, () => pick(pieces)).join('');
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 4 || r < 0.35)
      return pick([text(), text(), Math.floor((next() - 0.5) * 2 ** 40), true, false, null, 0]);
    if (r < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 6); i > 0; i--) o[text()] = value(depth + 1);
    return o;
  };
  return { value, text };
}

describe('canonical JSON equals the plain algorithm', () => {
  const { value } = randomValues(7);
  const values = Array.from({ length: 400 }, () => value(0));
  // Past the 512 KiB staging buffer, with strings longer than it and strings that cross its edge.
  const large = {
    many: values,
    long: 'x"é\n'.repeat(200_000),
    filler: Array.from({ length: 30_000 }, (_, i) => `${'€'.repeat(i % 7)}${i}\\`),
  };

  it.each([
    ['random small values', values],
    ['a document of several megabytes', large],
    [
      'keys whose order differs by code point and by UTF-16 unit',
      { '\uffff': 1, '😀': 2, a: { '\ue000': 3, '\ud83d\ude00x': 4 } },
    ],
  ])('%s', (_name, v) => {
    expect(canonicalize(v).equals(referenceEncode(v, false))).toBe(true);
    expect(serializeJson(v).equals(referenceEncode(v, true))).toBe(true);
  });

  it('bytes made earlier (EncodedJson) are written as if encoded in place, in both forms', () => {
    for (const v of [values, large, { a: 'tab\there', b: '\u0001' }]) {
      const wrapped = { signatures: [{ keyid: 'ab', sig: 'cd' }], signed: canonicalizeEncoded(v) };
      const plain = { signatures: [{ keyid: 'ab', sig: 'cd' }], signed: v };
      expect(serializeJson(wrapped).equals(serializeJson(plain))).toBe(true);
      expect(canonicalize(wrapped).equals(canonicalize(plain))).toBe(true);
    }
  });

  it('names the path of a bad value deep inside a large document', () => {
    const roles = Array.from({ length: 40_000 }, (_, i) => ({ name: projectName(i), threshold: 1 }));
    roles[39_999]!.threshold = 1.5;
    expect(() => canonicalize({ roles })).toThrow(CanonicalJsonError);
    expect(() => canonicalize({ roles })).toThrow(/^roles\[39999\]\.threshold: 1\.5 is not an integer/);
    expect(() => serializeJson({ roles: [...roles.slice(0, 39_999), { name: 'bad\ud800' }] })).toThrow(
      /roles\[39999\]\.name: .*lone surrogate/,
    );
  });
});

describe('the strict reader gives back what was written', () => {
  it('random values and a document of several megabytes', () => {
    const { value } = randomValues(11);
    const values = Array.from({ length: 400 }, () => value(0));
    const large = {
      values,
      long: 'é"\\x'.repeat(300_000),
      list: Array.from({ length: 50_000 }, (_, i) => [projectName(i)]),
    };
    for (const v of [values, large]) expect(parseStrictJson(serializeJson(v), 'x.json')).toEqual(v);
  });

  it('one-item arrays are ordinary arrays', () => {
    const v = parseStrictJson(Buffer.from('{"keyids":["ab"],"paths":["x","y"]}')) as Record<string, string[]>;
    v['keyids']!.push('cd');
    expect(v['keyids']).toEqual(['ab', 'cd']);
    expect(Array.isArray(v['paths'])).toBe(true);
  });

  it('still names the byte of a problem past the first megabyte', () => {
    const bytes = serializeJson({ list: Array.from({ length: 100_000 }, (_, i) => projectName(i)) });
    const at = bytes.length - 10;
    bytes[at] = 0x01; // a raw control character inside the last string
    expect(() => parseStrictJson(bytes, 'big.json')).toThrow(FormatError);
    expect(() => parseStrictJson(bytes, 'big.json')).toThrow(
      `big.json: not valid JSON at byte ${at}: raw control character in a string`,
    );
  });
});

const EXPIRES = new Date('2030-01-01T00:00:00Z');
const signer = new Ed25519Signer(new Uint8Array(32).fill(9));
const claimedKeys = { keyids: [signer.key.keyid], threshold: 1 };

async function signedClaimedRole(count: number): Promise<{ md: Metadata<Targets>; bytes: Buffer }> {
  const md = buildClaimedRole(distinctEd25519PublicKeys(count, new Uint8Array(32).fill(3)), EXPIRES);
  await md.sign(signer, 'replace');
  return { md, bytes: md.toBytes() };
}

/** The file with the last project's name changed ('p' to 'P'): far from the start of the file. */
function tamperedCopy(bytes: Buffer, count: number): Buffer {
  const changed = Buffer.from(bytes);
  changed[changed.lastIndexOf(projectName(count - 1))] = 0x50;
  return changed;
}

describe('a role with one delegation per project', () => {
  it('50,000 delegations round-trip through canonicalize, the strict reader and the model, and verify', async () => {
    const count = 50_000;
    const { md, bytes } = await signedClaimedRole(count);
    // The file form through the signed part's bytes equals the file form encoded from scratch.
    expect(bytes.equals(serializeJson(md.toJSON()))).toBe(true);

    const back = Metadata.fromBytes<Targets>(bytes, 'claimed.json', 'targets');
    expect(back.payload().equals(md.payload())).toBe(true);
    expect(back.toBytes().equals(bytes)).toBe(true);
    const roles = back.signed.delegations!.roles!;
    expect(roles).toHaveLength(count);
    expect(new Set(roles.map((r) => r.keyids[0])).size).toBe(count); // one distinct key per project
    expect(roles[12_345]!.paths).toEqual([projectName(12_345)]);
    expect(roles.every((r) => r.terminating && r.threshold === 1)).toBe(true);
    // The benchmark's fast-made keys are real Ed25519 public keys (canonical, not of small order).
    for (const i of [0, 1, 1023, 1024, count - 1])
      expect(() => back.signed.delegations!.keys.get(roles[i]!.keyids[0]!)!.assertUsable()).not.toThrow();
    expect(verifyRole(back, 'claimed', claimedKeys, () => signer.key).verified).toBe(true);

    const tampered = Metadata.fromBytes<Targets>(tamperedCopy(bytes, count), 'claimed.json', 'targets');
    expect(verifyRole(tampered, 'claimed', claimedKeys, () => signer.key).verified).toBe(false);
  });

  // @tufjs/models reads delegations with a quadratic object spread, so it checks a smaller role.
  it('1,000 delegations written here verify in @tufjs/models, and a changed byte fails there too', async () => {
    const count = 1_000;
    const { bytes } = await signedClaimedRole(count);
    const theirKey = tufjs.Key.fromJSON(
      signer.key.keyid,
      signer.key.toJSON() as Parameters<typeof tufjs.Key.fromJSON>[1],
    );
    const theirs = (b: Buffer) => tufjs.Metadata.fromJSON(tufjs.MetadataKind.Targets, JSON.parse(b.toString('utf8')));
    expect(() => theirKey.verifySignature(theirs(bytes))).not.toThrow();
    expect(() => theirKey.verifySignature(theirs(tamperedCopy(bytes, count)))).toThrow();
  });
});
