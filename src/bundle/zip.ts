/**
 * ZIP archives for the PEP 480 upload ("a ZIP file containing two directories, /metadata/ and
 * /targets/"): a writer of stored (uncompressed) entries, and a reader for what an index takes in
 * from anyone. Node has no ZIP module; the format (PKWARE APPNOTE 6.3) is small enough to write
 * here rather than add a dependency (docs/decisions/0008-upload-layout.md).
 *
 * The reader trusts nothing: the central directory and each local header must agree; entries are
 * stored or deflated only, never encrypted, never ZIP64; names are UTF-8 relative paths without
 * `.`, `..`, empty components or backslashes, each once; data ranges never overlap (the
 * overlapping-entry bomb) and every size is capped before anything is inflated; the CRC-32 of each
 * entry is checked. Anything else is a ZipError naming the entry and the field.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { VerificationError } from '../tuf/model/errors.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
/** General purpose flag bit 11: the name is UTF-8. */
const UTF8_FLAG = 0x0800;
const ENCRYPTED_FLAG = 0x0001;
const STORED = 0;
const DEFLATED = 8;
/** 1980-01-01 00:00:00, the earliest DOS date: entries carry no time, so the same input gives the same bytes. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** "Made by" Unix (3), version 2.0, so that the external attributes below are read as a mode. */
const MADE_BY = (3 << 8) | 20;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

/** A refused archive: exit 3, naming the archive and, where it is one entry's fault, the entry. */
export class ZipError extends VerificationError {
  constructor(archive: string, where: string, reason: string) {
    super(`${archive}: ${where ? `${where}: ` : ''}${reason}`, 'E_BAD_ARCHIVE');
  }
}

export interface ZipLimits {
  /** Most entries. */
  maxEntries: number;
  /** Most bytes of all entries together, uncompressed. */
  maxTotalBytes: number;
}

/** A stored ZIP of `entries` (path → bytes), in the order given. Refuses what would need ZIP64. */
export function writeZip(entries: ReadonlyArray<readonly [string, Uint8Array]>): Buffer {
  if (entries.length >= 0xffff) throw new RangeError('too many entries for a ZIP without ZIP64');
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    if (data.length >= 0xffffffff || offset >= 0xffffffff)
      throw new RangeError(`${name}: too large for a ZIP without ZIP64`);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_FLAG, 6);
    local.writeUInt16LE(STORED, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(CENTRAL_HEADER, 0);
    entry.writeUInt16LE(MADE_BY, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(UTF8_FLAG, 8);
    entry.writeUInt16LE(STORED, 10);
    entry.writeUInt16LE(DOS_TIME, 12);
    entry.writeUInt16LE(DOS_DATE, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(REGULAR_FILE_0644, 38);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    parts.push(local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(central);
  if (offset + cd.length >= 0xffffffff) throw new RangeError('too large for a ZIP without ZIP64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** A relative path of plain components: no `.`, `..`, empty component, backslash or control character. */
export function isPlainRelativePath(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('\\') &&
    !/[\p{Cc}]/u.test(name) &&
    name.split('/').every((c) => c !== '' && c !== '.' && c !== '..')
  );
}

/** The files of a ZIP archive (path → bytes); folder entries are skipped. */
export function readZip(bytes: Buffer, archive: string, limits: ZipLimits): Map<string, Buffer> {
  const fail = (where: string, reason: string): never => {
    throw new ZipError(archive, where, reason);
  };
  // The end record is in the last 22 + 65535 bytes (its comment is at most 65535 bytes).
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === END_OF_CENTRAL && i + 22 + bytes.readUInt16LE(i + 20) === bytes.length) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('', 'not a ZIP archive (no end of central directory record)');
  const count = bytes.readUInt16LE(end + 10);
  const cdSize = bytes.readUInt32LE(end + 12);
  const cdOffset = bytes.readUInt32LE(end + 16);
  if (bytes.readUInt16LE(end + 4) !== 0 || bytes.readUInt16LE(end + 6) !== 0 || bytes.readUInt16LE(end + 8) !== count)
    fail('', 'a multi-part archive');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('', 'a ZIP64 archive');
  if (count > limits.maxEntries) fail('', `${count} entries, more than the ${limits.maxEntries} taken`);
  if (cdOffset + cdSize > end) fail('', 'the central directory runs past its end record');

  const files = new Map<string, Buffer>();
  const ranges: Array<[number, number, string]> = [];
  let total = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || bytes.readUInt32LE(p) !== CENTRAL_HEADER)
      fail(`central directory entry ${i + 1}`, 'not a central directory header');
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    const crc = bytes.readUInt32LE(p + 16);
    const compressed = bytes.readUInt32LE(p + 20);
    const size = bytes.readUInt32LE(p + 24);
    const nameLength = bytes.readUInt16LE(p + 28);
    const extraLength = bytes.readUInt16LE(p + 30);
    const commentLength = bytes.readUInt16LE(p + 32);
    const localOffset = bytes.readUInt32LE(p + 42);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (p > cdOffset + cdSize) fail(`central directory entry ${i + 1}`, 'runs past the central directory');
    let name: string;
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(rawName);
    } catch {
      return fail(`entry ${i + 1}`, 'the name is not UTF-8');
    }
    if (!(flags & UTF8_FLAG) && /[^\x20-\x7e]/.test(name)) fail(name, 'a name beyond ASCII without the UTF-8 flag');
    if (flags & ENCRYPTED_FLAG) fail(name, 'encrypted');
    if (method !== STORED && method !== DEFLATED) fail(name, `compression method ${method} (only stored or deflated)`);
    if (compressed === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) fail(name, 'a ZIP64 entry');
    const isFolder = name.endsWith('/');
    const path = isFolder ? name.slice(0, -1) : name;
    if (!isPlainRelativePath(path)) fail(name, 'not a plain relative path');
    if (files.has(path)) fail(name, 'listed twice');

    if (localOffset + 30 > cdOffset || bytes.readUInt32LE(localOffset) !== LOCAL_HEADER)
      fail(name, 'its local header is missing');
    const localName = bytes.subarray(localOffset + 30, localOffset + 30 + bytes.readUInt16LE(localOffset + 26));
    if (!localName.equals(rawName)) fail(name, 'the local header names another file');
    if (bytes.readUInt16LE(localOffset + 8) !== method) fail(name, 'the local header says another compression method');
    const dataStart = localOffset + 30 + localName.length + bytes.readUInt16LE(localOffset + 28);
    const dataEnd = dataStart + compressed;
    if (dataEnd > cdOffset) fail(name, 'its data runs into the central directory');
    ranges.push([localOffset, dataEnd, name]);
    if (isFolder) {
      if (size !== 0) fail(name, 'a folder entry with content');
      continue;
    }
    total += size;
    if (total > limits.maxTotalBytes)
      fail(name, `the entries hold more than ${limits.maxTotalBytes} bytes together, more than taken`);
    const stored = bytes.subarray(dataStart, dataEnd);
    let data: Buffer;
    if (method === STORED) {
      if (compressed !== size) fail(name, 'a stored entry whose two sizes differ');
      data = Buffer.from(stored);
    } else {
      try {
        data = inflateRawSync(stored, { maxOutputLength: Math.max(1, size) });
      } catch (e) {
        return fail(name, `does not inflate to its stated ${size} bytes (${(e as Error).message})`);
      }
    }
    if (data.length !== size) fail(name, `holds ${data.length} bytes, its header says ${size}`);
    if (crc32(data) !== crc) fail(name, 'CRC-32 mismatch');
    files.set(path, data);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++)
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(ranges[i]![2], `its data overlaps ${ranges[i - 1]![2]}`);
  return files;
}
