import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { withoutTopLevelMembers } from '../../../src/tuf/json/canonical-bytes.js';

/** A small deterministic generator, so that a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TRICKY_STRINGS = ['', 'plain', 'a"b', 'back\\slash', 'ends\\', '\\"', '{[,:]}', '"version":1', 'é ☃ \u{1f600}'];
const KEYS = ['_type', 'a', 'delegations', 'expires', 'spec_version', 'targets', 'version', 'x-custom', 'z'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 2 ? 4 : 7));
  if (k === 0) return Math.floor(r() * 1e9);
  if (k === 1) return TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)];
  if (k === 2) return r() < 0.5;
  if (k === 3) return null;
  if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  return object(r, depth + 1);
}

function object(r: () => number, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const key of KEYS) if (r() < 0.5) o[key] = value(r, depth);
  return o;
}

describe('the canonical JSON of an object without some top-level members', () => {
  it('is what canonicalize writes for the object with them deleted (2,000 random objects)', () => {
    const r = random(7);
    for (let i = 0; i < 2000; i++) {
      const o = object(r, 0);
      const names = KEYS.filter(() => r() < 0.4);
      const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !names.includes(k)));
      const cut = Buffer.concat(withoutTopLevelMembers(canonicalize(o), names)!);
      expect(cut.toString('utf8'), `seed 7, object ${i}, without ${names.join(',')}`).toBe(
        canonicalize(rest).toString('utf8'),
      );
    }
  });

  it('cuts only top-level members: the same names inside values stay', () => {
    const o = { a: { expires: 'x', version: 1 }, expires: '2030-01-01T00:00:00Z', v: ['"version":2'], version: 3 };
    const cut = Buffer.concat(withoutTopLevelMembers(canonicalize(o), ['expires', 'version'])!);
    expect(cut.toString('utf8')).toBe('{"a":{"expires":"x","version":1},"v":["\\"version\\":2"]}');
  });

  it('declines an object with a member name that is not plain ASCII (the caller makes the tree)', () => {
    expect(withoutTopLevelMembers(canonicalize({ 'x-é': 1, version: 2 }), ['version'])).toBeUndefined();
    expect(withoutTopLevelMembers(canonicalize({ 'a\\"b': 1, version: 2 }), ['version'])).toBeUndefined();
  });

  it('gives slices of the input, not copies', () => {
    const bytes = canonicalize({ a: 'x'.repeat(1000), version: 1 });
    const [first] = withoutTopLevelMembers(bytes, ['version'])!;
    expect(first!.buffer).toBe(bytes.buffer);
  });
});
