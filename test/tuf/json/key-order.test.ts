/**
 * Object keys in canonical JSON are ordered by Unicode code point (docs/decisions/0001-canonical-json.md).
 * codePointOrder (a radix sort with an insertion-sort finish) must give exactly the order of the
 * plain definition: compare the code points one by one, the shorter string first on a tie.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, JSON_VALUE, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { CanonicalJsonError } from '../../../src/tuf/base/errors.js';
import { Key } from '../../../src/tuf/model/key.js';
import { codePointOrder, compareCodePointsFrom } from '../../../src/tuf/json/key-order.js';
import { DelegatedRole } from '../../../src/tuf/model/roles.js';
import { random } from '../../helpers/random.js';

const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);

/** The definition: code points compared element-wise, shorter first on a tie. */
function referenceCompare(x: number[], y: number[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function referenceSorted(keys: readonly string[]): string[] {
  const cps = keys.map(codePoints);
  const idx = keys.map((_, i) => i);
  idx.sort((a, b) => referenceCompare(cps[a]!, cps[b]!));
  return idx.map((i) => keys[i]!);
}

function strictlyIncreasing(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if (referenceCompare(codePoints(keys[i - 1]!), codePoints(keys[i]!)) >= 0) return false;
  return true;
}

/** codePointOrder agrees with the definition: undefined exactly when already strictly in order, else a permutation that sorts. */
function expectCodePointOrder(keys: readonly string[]): void {
  const order = codePointOrder(keys);
  if (order === undefined) {
    expect(strictlyIncreasing(keys)).toBe(true);
    return;
  }
  expect(strictlyIncreasing(keys)).toBe(false);
  expect(order).toHaveLength(keys.length);
  const seen = new Uint8Array(keys.length);
  let outOfRange = 0;
  for (const i of order) {
    if (i < keys.length) seen[i]!++;
    else outOfRange++;
  }
  expect(outOfRange).toBe(0);
  expect(seen.every((n) => n === 1)).toBe(true); // every index exactly once
  const sorted = Array.from(order, (i) => keys[i]!);
  expect(sorted).toEqual(referenceSorted(keys));
}

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i));
/** Characters where UTF-16 order and code point order disagree: U+E000..U+FFFF against U+10000 and above. */
const HIGH = [
  '\ue000',
  '\uefff',
  '\uf8ff',
  '\ufb01',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\u{10000}',
  '\u{1f600}',
  '\u{1f601}',
  '\u{2070e}',
  '\u{e0001}',
  '\u{10ffff}',
  '\ud7ff',
  'é',
  'a',
  'z',
  '\u0000',
  '\u007f',
];

describe('codePointOrder agrees with sorting by code points', () => {
  it('random ASCII strings of random lengths', () => {
    const r = random(1);
    for (let round = 0; round < 200; round++) {
      const n = r.int(120);
      const keys = Array.from({ length: n }, () => Array.from({ length: r.int(12) }, () => r.pick(ASCII)).join(''));
      expectCodePointOrder(keys);
    }
  });

  it('many strings sharing long prefixes', () => {
    const r = random(2);
    for (let round = 0; round < 40; round++) {
      const prefixes = Array.from(
        { length: 1 + r.int(4) },
        () => 'p'.repeat(r.int(200)) + r.pick(['', 'q', '/', 'é', '\u{1f600}']),
      );
      const keys = Array.from(
        { length: 50 + r.int(400) },
        () =>
          r.pick(prefixes) +
          Array.from({ length: r.int(4) }, () => r.pick(['a', 'b', '', 'p', '\uffff', '\u{10000}'])).join(''),
      );
      expectCodePointOrder(keys);
    }
  });

  it('characters above U+FFFF (surrogate pairs) mixed with U+E000..U+FFFF', () => {
    const r = random(3);
    for (let round = 0; round < 150; round++) {
      const keys = Array.from({ length: r.int(150) }, () =>
        Array.from({ length: r.int(6) }, () => r.pick(HIGH)).join(''),
      );
      expectCodePointOrder(keys);
    }
    // The pair that UTF-16 comparison gets wrong, at every position.
    expectCodePointOrder(['\u{10000}', '\uffff']);
    expectCodePointOrder(['x\u{1f600}', 'x\ue000']);
    expect(compareCodePointsFrom('\u{10000}', '\uffff')).toBeGreaterThan(0);
    expect(compareCodePointsFrom('\uffff', '\u{10000}')).toBeLessThan(0);
  });

  it('sizes around the insertion-sort cutover', () => {
    const r = random(4);
    for (const n of [0, 1, 2, 3, 46, 47, 48, 49, 50, 95, 96, 97]) {
      for (let round = 0; round < 20; round++) {
        const alphabet = round % 2 === 0 ? ['a', 'b', 'c', 'ab', 'é', '\uffff', '\u{10000}'] : ASCII;
        const keys = Array.from({ length: n }, () => Array.from({ length: r.int(5) }, () => r.pick(alphabet)).join(''));
        expectCodePointOrder(keys);
        expectCodePointOrder(referenceSorted([...new Set(keys)]));
      }
    }
  });

  it('20,000 random hex keyids', () => {
    const r = random(5);
    const hex = '0123456789abcdef';
    const keys = Array.from({ length: 20_000 }, () => Array.from({ length: 64 }, () => hex[r.int(16)]).join(''));
    expectCodePointOrder(keys);
    // Keyids sharing their first 60 characters, as many as fit the cutover twice over.
    const common = keys[0]!.slice(0, 60);
    expectCodePointOrder(
      Array.from({ length: 100 }, () => common + Array.from({ length: 4 }, () => hex[r.int(16)]).join('')),
    );
  });

  it('a few thousand keys: common prefixes, many distinct characters, sizes around 4096', () => {
    const r = random(10);
    const wide = (): string =>
      String.fromCodePoint(
        r.pick([0x20 + r.int(0x5f), 0xa0 + r.int(0xd700), 0xe000 + r.int(0x2000), 0x10000 + r.int(0x100000)]),
      );
    for (const n of [4095, 4096, 4097]) {
      // Distinct code units by the thousand in the first eight.
      expectCodePointOrder(Array.from({ length: n }, () => Array.from({ length: 1 + r.int(10) }, wide).join('')));
      // Equal on the first eight units or more, then differing.
      expectCodePointOrder(Array.from({ length: n }, () => `${'k'.repeat(6 + r.int(5))}${r.pick(HIGH)}${r.int(50)}`));
      // Few distinct characters, keys that are prefixes of others, duplicates.
      expectCodePointOrder(
        Array.from({ length: n }, () => Array.from({ length: r.int(12) }, () => r.pick(['a', 'b'])).join('')),
      );
    }
  });

  it('20,000 random keys with characters above U+FFFF', () => {
    const r = random(6);
    const keys = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 1 + r.int(8) }, () => r.pick(HIGH)).join(''),
    );
    expectCodePointOrder(keys);
  });
});

describe('codePointOrder result shape', () => {
  it('undefined for input already strictly in order, a permutation otherwise', () => {
    const r = random(7);
    for (let round = 0; round < 50; round++) {
      const keys = [
        ...new Set(
          Array.from({ length: r.int(300) }, () => Array.from({ length: r.int(6) }, () => r.pick(HIGH)).join('')),
        ),
      ];
      const sorted = referenceSorted(keys);
      expect(codePointOrder(sorted)).toBeUndefined();
      if (sorted.length > 1) {
        // A duplicate is not strictly in order: a permutation comes back, even for sorted input.
        const withDuplicate = referenceSorted([...sorted, sorted[0]!]);
        expect(codePointOrder(withDuplicate)).toBeInstanceOf(Uint32Array);
        expectCodePointOrder(withDuplicate);
        const reversed = [...sorted].reverse();
        const order = codePointOrder(reversed);
        expect(order).toBeInstanceOf(Uint32Array);
        expect(Array.from(order!)).toEqual(reversed.map((_, i) => reversed.length - 1 - i));
      }
    }
    expect(codePointOrder([])).toBeUndefined();
    expect(codePointOrder(['only'])).toBeUndefined();
  });

  it('5,000 keys "a", "aa", "aaa", … shuffled: no stack overflow, ordered by length', () => {
    const keys = random(8).shuffle(Array.from({ length: 5_000 }, (_, i) => 'a'.repeat(i + 1)));
    const order = codePointOrder(keys);
    expect(order).toBeInstanceOf(Uint32Array);
    expect(Array.from(order!, (i) => keys[i]!.length)).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
  });

  it('compareCodePointsFrom starts from the given code unit', () => {
    expect(compareCodePointsFrom('abc', 'abd', 2)).toBeLessThan(0);
    expect(compareCodePointsFrom('abc', 'abc', 1)).toBe(0);
    expect(compareCodePointsFrom('ab', 'abc', 2)).toBeLessThan(0);
    expect(compareCodePointsFrom('x\u{10000}', 'x\uffff', 1)).toBeGreaterThan(0);
  });
});

describe('the encoder takes Maps and model objects', () => {
  it('a Map with string keys encodes as the plain object with the same entries', () => {
    const r = random(9);
    for (let round = 0; round < 100; round++) {
      const entries = Array.from(
        { length: r.int(60) },
        (_, i) =>
          [
            Array.from({ length: r.int(5) }, () => r.pick(HIGH)).join('') + (r.next() < 0.5 ? String(i) : ''),
            r.pick([1, 'v', null, true, [1, 'x'], { b: 1, a: 2 }]),
          ] as const,
      );
      const map = new Map<string, unknown>(entries);
      const obj: Record<string, unknown> = {};
      for (const [k, v] of map)
        Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
      expect(canonicalize(map).equals(canonicalize(obj))).toBe(true);
      expect(canonicalize({ outer: map, list: [map] }).equals(canonicalize({ outer: obj, list: [obj] }))).toBe(true);
    }
    // "__proto__" as a Map key is an ordinary member.
    expect(
      canonicalize(
        new Map([
          ['__proto__', 1],
          ['a', 2],
        ]),
      ).toString(),
    ).toBe('{"__proto__":1,"a":2}');
    expect(canonicalize(new Map()).toString()).toBe('{}');
    // Nested Maps, inserted out of order.
    const nested = new Map<string, unknown>([
      [
        'z',
        new Map([
          ['\u{10000}', 1],
          ['\uffff', 2],
        ]),
      ],
      ['a', 0],
    ]);
    expect(canonicalize(nested).toString()).toBe('{"a":0,"z":{"\uffff":2,"\u{10000}":1}}');
  });

  it.each([
    ['a number key', new Map<unknown, unknown>([[1, 'x']])],
    ['an object key', new Map<unknown, unknown>([[{}, 'x']])],
    ['a symbol key', new Map<unknown, unknown>([[Symbol('k'), 'x']])],
    [
      'a string key and then a number key',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'x'],
      ]),
    ],
  ])('a Map with %s is refused', (_name, map) => {
    expect(() => canonicalize(map)).toThrow(CanonicalJsonError);
    expect(() => canonicalize({ deep: [map] })).toThrow(CanonicalJsonError);
  });

  it('model objects encode as their toJSON()', () => {
    const key = new Key('ed25519', 'ed25519', { public: 'ab'.repeat(32) }, { 'x-ceremony-owner': 'é\u{1f600}' });
    const role = new DelegatedRole('p', [key.keyid], 1, true, ['p/*'], undefined, { 'x-b': 1, 'x-a': [2] });
    expect(canonicalize(key).equals(canonicalize(key.toJSON()))).toBe(true);
    expect(canonicalize([role, new Map([['k', key]])]).equals(canonicalize([role.toJSON(), { k: key.toJSON() }]))).toBe(
      true,
    );
    // Strings that need escapes or are not ASCII, in every field a key or a role writes.
    const odd = ['', 'a"b', 'back\\slash', 'tab\there', '\u0000', 'é', '\uffff', '\u{10000}', '\u{1f600}x'];
    for (const text of odd) {
      const models = [
        new Key('ed25519', 'ed25519', { public: text }),
        new Key(text, text, { public: 'ab', [text]: text }, { [`x-${text}`]: text }),
        new DelegatedRole(`n${text}`, [text], 2, false, [text, `${text}/*`], undefined),
        new DelegatedRole(`n${text}`, [], 1, true, undefined, ['ab', text], { [text || 'x']: [text] }),
      ];
      for (const m of models) {
        expect(canonicalize(m).equals(canonicalize(m.toJSON())), JSON.stringify(m.toJSON())).toBe(true);
        expect(serializeJson(m).equals(serializeJson(m.toJSON())), JSON.stringify(m.toJSON())).toBe(true);
      }
      expect(
        canonicalize(new Map<string, unknown>(models.map((m, i) => [`${text}${i}`, m]))).equals(
          canonicalize(Object.fromEntries(models.map((m, i) => [`${text}${i}`, m.toJSON()]))),
        ),
      ).toBe(true);
    }
    // A class instance without a JSON value is still refused.
    expect(() => canonicalize({ when: new Date(0) })).toThrow(CanonicalJsonError);
    expect(JSON_VALUE in key).toBe(true);
  });
});
