/**
 * The upload's ZIP (decision 0008): what the writer makes, Python's zipfile reads back; the reader
 * takes deflated entries from other tools, and refuses overlapping entries, a CRC-32 that differs,
 * an inflated size beyond the header's, and ZIP64 markers, naming the entry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readZip, writeZip, ZipError } from '../../src/bundle/zip.js';

const limits = { maxEntries: 100, maxTotalBytes: 1 << 20 };
const tmp = mkdtempSync(join(tmpdir(), 'zip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A one-entry archive by hand: `data` as stored, headers saying `size`, `crc` and `method`. */
function handMade(name: string, data: Buffer, o: { method: number; size: number; crc: number }): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(o.method, 8);
  local.writeUInt32LE(o.crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(o.size, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(o.method, 10);
  central.writeUInt32LE(o.crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(o.size, 24);
  central.writeUInt16LE(n.length, 28);
  const body = Buffer.concat([local, n, data]);
  const cd = Buffer.concat([central, n]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, cd, end]);
}

describe('the upload ZIP', () => {
  it('is read back by Python zipfile, byte for byte, and by the reader here', () => {
    const entries: Array<[string, Buffer]> = [
      ['metadata/1.my-project.json', Buffer.from('{"signed":{}}\n')],
      ['targets/my-project/my_project-1.0.tar.gz', Buffer.from('sdist \u00e9\n')],
    ];
    const zip = writeZip(entries);
    const path = join(tmp, 'u.zip');
    writeFileSync(path, zip);
    const listing = execFileSync('python3', [
      '-c',
      'import sys,zipfile,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n' +
        'for i in z.infolist(): print(i.filename, i.compress_type, hashlib.sha256(z.read(i)).hexdigest())',
      path,
    ]).toString();
    expect(listing.trim().split('\n')).toEqual(
      entries.map(([n, b]) => `${n} 0 ${createHash('sha256').update(b).digest('hex')}`),
    );
    expect([...readZip(zip, 'u.zip', limits)]).toEqual(entries);
    expect(writeZip(entries)).toEqual(zip);
  });

  it('reads a deflated entry from another tool', () => {
    const data = Buffer.from('a wheel '.repeat(100));
    const zip = handMade('targets/p/w.whl', deflateRawSync(data), { method: 8, size: data.length, crc: crc32(data) });
    expect(readZip(zip, 'other.zip', limits).get('targets/p/w.whl')).toEqual(data);
  });

  it('refuses what lies about its content', () => {
    const data = Buffer.from('a wheel '.repeat(100));
    const deflated = deflateRawSync(data);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['crc', handMade('t/a', data, { method: 0, size: data.length, crc: crc32(data) ^ 1 }), /t\/a: CRC-32 mismatch/],
      [
        'bomb',
        handMade('t/a', deflated, { method: 8, size: 10, crc: crc32(data) }),
        /t\/a: does not inflate to its stated 10 bytes/,
      ],
      [
        'short',
        handMade('t/a', deflated, { method: 8, size: data.length + 5, crc: crc32(data) }),
        /t\/a: holds 800 bytes, its header says 805/,
      ],
      ['zip64', handMade('t/a', data, { method: 0, size: 0xffffffff, crc: 0 }), /t\/a: a ZIP64 entry/],
      ['method', handMade('t/a', data, { method: 12, size: data.length, crc: crc32(data) }), /compression method 12/],
      [
        'backslash',
        handMade('t\\..\\a', data, { method: 0, size: data.length, crc: crc32(data) }),
        /not a plain relative path/,
      ],
    ];
    // The overlapping-entry bomb: entry b's local header and data lie inside entry a's data.
    const inner = writeZip([['t/b', data]]);
    const innerLocal = inner.subarray(0, inner.readUInt32LE(inner.length - 6));
    const outer = writeZip([['t/a', innerLocal]]);
    const outerCd = outer.subarray(outer.readUInt32LE(outer.length - 6), outer.length - 22);
    const innerCd = Buffer.from(inner.subarray(innerLocal.length, inner.length - 22));
    innerCd.writeUInt32LE(30 + 't/a'.length, 42);
    const end = Buffer.from(outer.subarray(outer.length - 22));
    end.writeUInt16LE(2, 8);
    end.writeUInt16LE(2, 10);
    end.writeUInt32LE(outerCd.length + innerCd.length, 12);
    cases.push([
      'overlap',
      Buffer.concat([outer.subarray(0, outer.length - 22 - outerCd.length), outerCd, innerCd, end]),
      /t\/b: its data overlaps t\/a/,
    ]);
    for (const [name, zip, why] of cases) {
      expect(() => readZip(zip, `${name}.zip`, limits), name).toThrow(ZipError);
      expect(() => readZip(zip, `${name}.zip`, limits), name).toThrow(why);
    }
    expect(() => readZip(writeZip([['a', data]]), 'big.zip', { maxEntries: 1, maxTotalBytes: 100 })).toThrow(
      /more than 100 bytes/,
    );
  });
});
