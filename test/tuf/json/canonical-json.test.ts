import { describe, expect, it } from 'vitest';
import { canonicalize, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { parseStrictJson } from '../../../src/tuf/json/strict-json.js';
import { CanonicalJsonError, FormatError } from '../../../src/tuf/base/errors.js';
import { loadVector } from '../../helpers/vectors.js';

const vectors = loadVector('canonical-json.json');

describe('canonical JSON agrees with securesystemslib byte for byte', () => {
  for (const c of vectors.cases) {
    it(c.name, () => {
      const bytes = canonicalize(c.value);
      expect(bytes.toString('hex')).toBe(c.canonical_utf8_hex);
      expect(bytes.toString('utf8')).toBe(c.canonical);
    });
  }
  for (const c of vectors.must_reject) {
    it(`refuses ${c.name}`, () => {
      expect(() => parseStrictJson(Buffer.from(c.json))).toThrow(FormatError);
      // and a float that reaches the encoder is refused too
      expect(() => canonicalize(JSON.parse(c.json))).toThrow(CanonicalJsonError);
    });
  }
});

describe('values JavaScript cannot carry exactly are refused', () => {
  it.each([
    ['unsafe integer', { a: 2 ** 53 }],
    ['lone high surrogate', { a: '\ud800' }],
    ['lone low surrogate key', { '\udc00': 1 }],
    ['undefined', { a: undefined }],
    ['NaN', { a: NaN }],
    ['Infinity', { a: Infinity }],
    ['bigint', { a: 1n }],
    ['Date', { a: new Date(0) }],
    ['function', { a: () => 1 }],
  ])('%s', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(CanonicalJsonError);
  });

  it('names the path of the offending value', () => {
    expect(() => canonicalize({ signed: { roles: [{ threshold: 1.5 }] } })).toThrow(/signed\.roles\[0\]\.threshold/);
  });
});

describe('strict JSON reader', () => {
  it.each([
    ['duplicate key', '{"a":1,"a":2}'],
    ['truncated', '{"a":[1,2'],
    ['trailing data', '{} {}'],
    ['leading zero', '{"a":01}'],
    ['unsafe integer', '{"a":9007199254740993}'],
    ['lone surrogate escape', '{"a":"\\ud800"}'],
    ['raw control character', '{"a":"x\u0001"}'],
    ['invalid utf-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
    ['byte order mark', '\ufeff{}'],
    ['deep nesting', '['.repeat(100) + ']'.repeat(100)],
  ])('refuses %s', (_name, text) => {
    expect(() => parseStrictJson(typeof text === 'string' ? Buffer.from(text) : text, 'x.json')).toThrow(/x\.json/);
  });

  it('keeps "__proto__" as data, never as the prototype', () => {
    const v = parseStrictJson(Buffer.from('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(canonicalize(v).toString()).toBe('{"__proto__":{"polluted":true}}');
  });

  it('round-trips the file form through any JSON reader', () => {
    const value = { s: 'tab\tquote"é😀', n: [1, -2, 0], o: { z: null, a: true } };
    const bytes = serializeJson(value);
    expect(JSON.parse(bytes.toString())).toEqual(value);
    expect(parseStrictJson(bytes)).toEqual(value);
  });
});
