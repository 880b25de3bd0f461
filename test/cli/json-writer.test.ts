import { describe, expect, it } from 'vitest';
import { writeJson } from '../../src/cli/json-writer.js';

/** A small deterministic generator, so that a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 9 : 12));
  switch (k) {
    case 0:
      return Math.floor(r() * 1e6) - 5e5;
    case 1:
      return ['', 'plain', 'line\nbreak', 'quote " and \\', 'é ☃ \u{1f600}', '\u0001'][Math.floor(r() * 6)];
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return () => 1;
    case 6:
      return new Date(Date.UTC(2031, 0, 1 + Math.floor(r() * 100)));
    case 7:
      return r() < 0.5 ? Number.NaN : 1.5;
    case 8:
      return new Point(1, 2);
    case 9:
      return Array.from({ length: Math.floor(r() * 5) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--)
        o[['a', 'b c', 'é', '"q"', 'n'][Math.floor(r() * 5)]!] = value(r, depth + 1);
      return o;
    }
  }
}

const written = (v: unknown): string => {
  let text = '';
  writeJson((t) => (text += t), v);
  return text;
};

describe('a JSON document written in pieces', () => {
  it('is exactly JSON.stringify(value, null, 2) and a newline (3,000 random documents)', () => {
    const r = random(11);
    const big = () => Array.from({ length: 1001 + Math.floor(r() * 20) }, () => value(r, 2));
    for (let i = 0; i < 3000; i++) {
      // Some with lists long enough to be written entry by entry, at the top or inside an object.
      const v = {
        ok: true,
        doc: value(r, 0),
        list: [value(r, 1), value(r, 1)],
        big: i % 50 === 0 ? big() : undefined,
        inner: i % 50 === 25 ? { nested: { deep: big(), skip: undefined, f: () => 1 } } : value(r, 1),
      };
      expect(written(v), `seed 11, document ${i}`).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
  });

  it('writes a list of a million entries in pieces of about 1 MiB, none the whole document', () => {
    const absent = Array.from({ length: 1_000_000 }, (_, i) => ({ role: `project-${i}`, delegated_by: 'claimed' }));
    const pieces: number[] = [];
    let text = '';
    writeJson(
      (t) => {
        pieces.push(t.length);
        text += t;
      },
      { ok: true, absent },
    );
    expect(pieces.length).toBeGreaterThan(50);
    expect(Math.max(...pieces.slice(0, 50))).toBeLessThan(2 << 20);
    expect(text).toBe(`${JSON.stringify({ ok: true, absent }, null, 2)}\n`);
  });
});
