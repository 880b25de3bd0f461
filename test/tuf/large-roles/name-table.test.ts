/**
 * The byte-range name table answers exactly as a Set of the names would, for names given as
 * bytes of the input or as strings, and reports when names crowd together.
 */
import { describe, expect, it } from 'vitest';
import { NameTable } from '../../../src/tuf/large-roles/name-table.js';
import { random } from '../../helpers/random.js';

/** Plain ASCII names laid out in one buffer, with where each lies. */
function layout(names: string[]): { buf: Buffer; at: Array<[number, number]> } {
  const at: Array<[number, number]> = [];
  let text = '';
  for (const n of names) {
    at.push([text.length + 1, text.length + 1 + n.length]);
    text += `"${n}"`;
  }
  return { buf: Buffer.from(text, 'latin1'), at };
}

describe('NameTable', () => {
  it('agrees with a Set on random names added as bytes or strings, across growth', () => {
    const r = random(11);
    const pool = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? r.hex(64) : `project-${r.int(5000)}`));
    const { buf, at } = layout(pool);
    const table = new NameTable(buf, 16);
    const set = new Set<string>();
    pool.forEach((name, i) => {
      const added = i % 2 === 0 ? table.addBytes(at[i]![0], at[i]![1]) : table.addString(name);
      expect(added).toBe(!set.has(name));
      set.add(name);
    });
    pool.forEach((name, i) => {
      expect(table.hasBytes(at[i]![0], at[i]![1])).toBe(true);
      expect(table.hasString(name)).toBe(true);
    });
    for (let i = 0; i < 500; i++) {
      const other = `x${r.hex(20)}`;
      expect(table.hasString(other)).toBe(set.has(other));
    }
    // Looked up by the bytes of another buffer (the other version of a role, compared on its
    // bytes): the same number as by string, and -1 for names it lacks.
    const others = [...pool.slice(0, 300), ...Array.from({ length: 300 }, () => `project-${5000 + r.int(5000)}`)];
    const elsewhere = layout(others);
    others.forEach((name, i) => {
      const [start, end] = elsewhere.at[i]!;
      expect(table.indexOfBytes(elsewhere.buf, start, end)).toBe(table.indexOfString(name));
      expect(table.indexOfBytes(elsewhere.buf, start, end) >= 0).toBe(set.has(name));
    });
    expect(table.crowded).toBe(false);
  });

  it('names that share their ends are told apart and spread out (no crafted crowd)', () => {
    // Hashing only part of a name would make these collide under every seed: a table that walks
    // one long chain for each of them (hash flooding). The whole name is hashed.
    const names = Array.from(
      { length: 20_000 },
      (_, i) => `project-aaaaaaaa${String(i).padStart(8, '0')}bbbbbbbbbbbbbbbb`,
    );
    const { buf, at } = layout(names);
    const table = new NameTable(buf);
    names.forEach((_, i) => expect(table.addBytes(at[i]![0], at[i]![1])).toBe(true));
    names.forEach((name, i) => {
      expect(table.addBytes(at[i]![0], at[i]![1])).toBe(false);
      expect(table.hasString(name)).toBe(true);
    });
    expect(table.hasString('project-aaaaaaaa99999999bbbbbbbbbbbbbbbb')).toBe(false);
    expect(table.crowded).toBe(false);
  });

  it('a non-ASCII string never equals a byte range', () => {
    const { buf, at } = layout(['caf']);
    const table = new NameTable(buf);
    table.addBytes(at[0]![0], at[0]![1]);
    expect(table.hasString('caf')).toBe(true);
    expect(table.hasString('café')).toBe(false);
    expect(table.hasString('ca\u0166')).toBe(false);
  });
});
