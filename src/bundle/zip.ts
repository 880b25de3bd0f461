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
 * entry is checked. Whatever another reader would read otherwise is refused too: the entries must
 * tile the archive up to the central directory, which must end at the end record; no end record
 * signature in the comment; no symbolic link or other non-file in the external attributes; no
 * extra field that overrides the name or sizes. Anything else is a ZipError naming the entry and
 * the field.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { VerificationError } from '../tuf/base/index.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const DATA_DESCRIPTOR = 0x08074b50;
/** General purpose flag bit 11: the name is UTF-8. */
const UTF8_FLAG = 0x0800;
const ENCRYPTED_FLAG = 0x0001;
/** Bit 3: CRC-32 and sizes follow the data, in a data descriptor; the local header's are zero. */
const DESCRIPTOR_FLAG = 0x0008;
/**
 * Extra fields that other readers take over the entry's own fields (APPNOTE 4.5.3, 4.6.9): the
 * ZIP64 sizes and offset, and Info-ZIP's Unicode Path, which unzip extracts to
 * instead of the name this reader checked.
 */
const OVERRIDING_EXTRA: ReadonlyMap<number, string> = new Map([
  [0x0001, 'ZIP64 extended information'],
  [0x7075, 'Info-ZIP Unicode Path'],
]);
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
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

/** Why an extra field block is refused (malformed, or a field that overrides the entry), or undefined. */
function extraProblem(extra: Buffer): string | undefined {
  for (let i = 0; i < extra.length;) {
    if (i + 4 > extra.length) return 'a malformed extra field';
    const id = extra.readUInt16LE(i);
    const size = extra.readUInt16LE(i + 2);
    if (i + 4 + size > extra.length) return 'a malformed extra field';
    const what = OVERRIDING_EXTRA.get(id);
    if (what)
      return `an extra field 0x${id.toString(16).padStart(4, '0')} (${what}), which other readers take over the entry`;
    i += 4 + size;
  }
  return undefined;
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
  // Python's zipfile takes the last end record signature in the file, whatever its comment length
  // says: one in the comment would be its end record, and this reader's another.
  if (bytes.subarray(end + 22).includes(bytes.subarray(end, end + 4)))
    fail('', 'the archive comment holds an end of central directory signature');
  const count = bytes.readUInt16LE(end + 10);
  const cdSize = bytes.readUInt32LE(end + 12);
  const cdOffset = bytes.readUInt32LE(end + 16);
  if (bytes.readUInt16LE(end + 4) !== 0 || bytes.readUInt16LE(end + 6) !== 0 || bytes.readUInt16LE(end + 8) !== count)
    fail('', 'a multi-part archive');
  // A ZIP64 locator just before the end record makes other readers take the ZIP64 record's
  // directory (Python's zipfile reads the 76 bytes there, whatever they belong to).
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('', 'a ZIP64 archive');
  if (end >= 20 && bytes.readUInt32LE(end - 20) === ZIP64_END_LOCATOR)
    fail('', 'a ZIP64 archive (a ZIP64 end locator before the end record)');
  if (count > limits.maxEntries) fail('', `${count} entries, more than the ${limits.maxEntries} taken`);
  if (cdOffset + cdSize > end) fail('', 'the central directory runs past its end record');
  // Readers that allow bytes before the archive (Python's zipfile) find the central directory as
  // the one that ends at the end record, and move every offset by the difference: anything between
  // them would be another archive to them.
  if (cdOffset + cdSize !== end) fail('', 'bytes between the central directory and its end record');

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
    const externalAttributes = bytes.readUInt32LE(p + 38);
    const localOffset = bytes.readUInt32LE(p + 42);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLength);
    const centralExtra = bytes.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
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
    // The Unix mode in the upper half of the external attributes (APPNOTE 4.4.15) is what an
    // extracting tool makes: a symbolic link there would be followed when the index serves it.
    const type = (externalAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) fail(name, 'a symbolic link (external attributes), not a plain file');
    if (type !== 0 && type !== (isFolder ? S_IFDIR : S_IFREG))
      fail(name, `file type 0${type.toString(8)} in its external attributes, not a plain file`);
    const badExtra = extraProblem(centralExtra);
    if (badExtra) fail(name, badExtra);

    if (localOffset + 30 > cdOffset || bytes.readUInt32LE(localOffset) !== LOCAL_HEADER)
      fail(name, 'its local header is missing');
    const localName = bytes.subarray(localOffset + 30, localOffset + 30 + bytes.readUInt16LE(localOffset + 26));
    if (!localName.equals(rawName)) fail(name, 'the local header names another file');
    if (bytes.readUInt16LE(localOffset + 8) !== method) fail(name, 'the local header says another compression method');
    // A reader that streams the archive knows only the local headers: they must say what the
    // central directory says (APPNOTE 4.3.7, 4.4.4), or with a data descriptor, its record must.
    if (bytes.readUInt16LE(localOffset + 6) !== flags) fail(name, 'the local header says other flags');
    const dataStart = localOffset + 30 + localName.length + bytes.readUInt16LE(localOffset + 28);
    const localExtra = bytes.subarray(localOffset + 30 + localName.length, Math.min(dataStart, cdOffset));
    const badLocalExtra = extraProblem(localExtra);
    if (badLocalExtra) fail(name, `local header: ${badLocalExtra}`);
    const dataEnd = dataStart + compressed;
    if (dataEnd > cdOffset) fail(name, 'its data runs into the central directory');
    let entryEnd = dataEnd;
    const local = [
      bytes.readUInt32LE(localOffset + 14),
      bytes.readUInt32LE(localOffset + 18),
      bytes.readUInt32LE(localOffset + 22),
    ];
    if (flags & DESCRIPTOR_FLAG) {
      // APPNOTE 4.3.9: the CRC-32 and both sizes, after an optional signature.
      const signed = dataEnd + 4 <= cdOffset && bytes.readUInt32LE(dataEnd) === DATA_DESCRIPTOR;
      const at = signed ? dataEnd + 4 : dataEnd;
      entryEnd = at + 12;
      if (entryEnd > cdOffset) fail(name, 'its data descriptor runs into the central directory');
      const record = [bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4), bytes.readUInt32LE(at + 8)];
      if (record[0] !== crc || record[1] !== compressed || record[2] !== size)
        fail(name, 'the data descriptor says another CRC-32 or size');
      if (local.some((v, k) => v !== 0 && v !== record[k])) fail(name, 'the local header says another CRC-32 or size');
    } else if (local[0] !== crc || local[1] !== compressed || local[2] !== size)
      fail(name, 'the local header says another CRC-32 or size');
    ranges.push([localOffset, entryEnd, name]);
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
  // Python's zipfile reads entries while the directory's size lasts, not as many as counted.
  if (p !== cdOffset + cdSize)
    fail('', `the central directory holds more than the ${count} entries its end record counts`);
  // The entries tile the archive up to the central directory: no overlap (the overlapping-entry
  // bomb), and no bytes in no entry, where a reader that streams local headers would find an entry
  // the central directory does not name.
  ranges.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let coveredBy = '';
  for (const [start, stop, name] of ranges) {
    if (start < covered) fail(name, `its data overlaps ${coveredBy}`);
    if (start > covered) fail('', `bytes ${covered} to ${start} are in no entry`);
    covered = stop;
    coveredBy = name;
  }
  if (covered !== cdOffset) fail('', `bytes ${covered} to ${cdOffset} are in no entry`);
  return files;
}
