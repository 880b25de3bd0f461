import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readsBackAs, writeExclusiveFiles } from '../../src/bundle/durable-files.js';
import { FsyncError, fsyncFiles } from '../../src/bundle/parallel-fsync.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (n: number) =>
  Array.from({ length: n }, (_, i) => [join(dir, `f${i}`), Buffer.from(`file ${i}\n`.repeat(i + 1))] as const);

describe('writing many files durably', () => {
  it.each([3, 200])('writes %i new files with exactly their bytes, fsynced together', (n) => {
    const want = files(n);
    writeExclusiveFiles(want);
    for (const [path, bytes] of want) expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses to overwrite a file that exists (EEXIST) and leaves it as it was', () => {
    const want = files(40);
    writeFileSync(want[7]![0], 'already here');
    expect(() => writeExclusiveFiles(want)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(want[7]![0], 'utf8')).toBe('already here');
  });

  it.each([5, 100])('names the file an fsync could not open, among %i', (n) => {
    const paths = files(n).map(([p]) => p);
    for (const [p, b] of files(n)) writeFileSync(p, b);
    const missing = join(dir, 'gone');
    const list = [...paths.slice(0, n - 1), missing, paths[n - 1]!];
    let caught: unknown;
    try {
      fsyncFiles(list);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FsyncError);
    expect(caught).toMatchObject({ path: missing, code: 'ENOENT' });
  });
});

describe('reading back', () => {
  it('tells equal bytes from a file that differs in one byte, in length, or is empty', () => {
    const path = join(dir, 'x');
    const bytes = Buffer.from('the bytes that were written\n');
    writeFileSync(path, bytes);
    expect(readsBackAs(path, bytes)).toBe(true);
    const flipped = Buffer.from(bytes);
    flipped[5] = flipped[5]! ^ 1;
    writeFileSync(path, flipped);
    expect(readsBackAs(path, bytes)).toBe(false);
    writeFileSync(path, bytes.subarray(0, 10));
    expect(readsBackAs(path, bytes)).toBe(false);
    writeFileSync(path, '');
    expect(readsBackAs(path, bytes)).toBe(false);
    expect(readsBackAs(path, Buffer.alloc(0))).toBe(true);
  });

  it('reads a file larger than its 8 MiB piece whole: a byte changed in the last piece is found', () => {
    const path = join(dir, 'large');
    const bytes = Buffer.alloc((8 << 20) * 2 + 12345, 'claimed ');
    writeFileSync(path, bytes);
    expect(readsBackAs(path, bytes)).toBe(true);
    // A byte changed in any piece: the last byte of the first, the first of the second, the last.
    for (const at of [(8 << 20) - 1, 8 << 20, bytes.length - 3]) {
      const changed = Buffer.from(bytes);
      changed[at] = 0x21;
      writeFileSync(path, changed);
      expect(readsBackAs(path, bytes), `byte ${at}`).toBe(false);
    }
    // A view into a larger buffer is compared from its own start.
    const inner = Buffer.concat([Buffer.from('xx'), bytes]).subarray(2);
    writeFileSync(path, bytes);
    expect(readsBackAs(path, inner)).toBe(true);
  });

  it('a file that gives more bytes than its size said (one growing while read) is not what was written', () => {
    // A device reports size 0 and reads on: the read after the expected end finds more.
    expect(readsBackAs('/dev/zero', Buffer.alloc(0))).toBe(false);
  });
});
