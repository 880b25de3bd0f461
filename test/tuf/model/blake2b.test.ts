/**
 * BLAKE2b-256, PEP 458's hash for PyPI and the only one Warehouse publishes: securesystemslib's
 * `blake2b-256` is `hashlib.blake2b(digest_size=32)`, not BLAKE2b-512 cut short. The digests are
 * pinned by vectors made with Python's hashlib, cross-checked with @noble/hashes, and every path
 * that checks a hash accepts a repository that lists blake2b-256 alone: the trusted set (timestamp
 * and snapshot), verify-download, dev check, dev fetch, verify and upload check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake2b } from '@noble/hashes/blake2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFileOf } from '../../../src/bundle/project-upload.js';
import { serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { digestHex } from '../../../src/tuf/model/digest.js';
import { Metadata, MetaFile, TargetFile, Targets } from '../../../src/tuf/model/metadata.js';
import { writeZip } from '../../../src/bundle/zip.js';
import { runCli } from '../../helpers/cli.js';
import { PEP480_DIR } from '../../helpers/vectors.js';
import {
  FAR,
  HONEST,
  HONEST_PATH,
  honestRepo,
  PROJECT,
  RepoKeys,
  roleFile,
  writeRepo,
  type WrittenRepo,
} from '../../e2e/hostile/repo.js';

interface HashCase {
  name: string;
  input_hex?: string;
  input_file?: string;
  sha256: string;
  sha512: string;
  'blake2b-256': string;
  'blake2b-512': string;
}
// Made by scripts/vectors/hashes.py with Python's hashlib.
const vectors = (
  JSON.parse(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated', 'hashes.json'), 'utf8'),
  ) as {
    cases: HashCase[];
  }
).cases;
const inputOf = (c: HashCase) =>
  c.input_hex !== undefined
    ? Buffer.from(c.input_hex, 'hex')
    : readFileSync(join(PEP480_DIR, c.input_file!.replace(/^pep480-repo\//, '')));

describe('digests against Python hashlib', () => {
  for (const c of vectors)
    it(`${c.name}: sha256, sha512 and blake2b-256 as hashlib computes them`, () => {
      const data = inputOf(c);
      expect(digestHex('sha256', data)).toBe(c.sha256);
      expect(digestHex('sha512', data)).toBe(c.sha512);
      expect(digestHex('blake2b-256', data)).toBe(c['blake2b-256']);
      expect(Buffer.from(blake2b(data, { dkLen: 32 })).toString('hex')).toBe(c['blake2b-256']);
      // Not BLAKE2b-512 cut to 32 bytes: the output length is a parameter of BLAKE2b.
      expect(c['blake2b-512'].slice(0, 64)).not.toBe(c['blake2b-256']);
    });

  it('gives the blake2b-256 of hello, and knows no BLAKE2b of unnamed length', () => {
    expect(digestHex('blake2b-256', Buffer.from('hello'))).toBe(
      '324dcf027dd4a30a932c441f365a25e86b173defa4b8e58948253471b81b72cf',
    );
    expect(digestHex('blake2b', Buffer.from('hello'))).toBeUndefined();
  });
});

describe('a repository whose metadata lists blake2b-256 alone', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'blake2b-'));
  const keys = new RepoKeys();
  const devKey = join(tmp, 'developer.pub.json');
  const offered = join(tmp, 'offered');
  let repo: WrittenRepo;
  const b2 = (bytes: Uint8Array) => ({ 'blake2b-256': digestHex('blake2b-256', bytes)! });

  beforeAll(async () => {
    const draft = honestRepo('flat', keys);
    draft.roles.get(PROJECT)!.targets = new Map([[HONEST_PATH, new TargetFile(HONEST.length, b2(HONEST))]]);
    const metadata = join(tmp, 'repo', 'metadata');
    draft.snapshot.edit = (meta) => {
      for (const [name, m] of meta) {
        const bytes = readFileSync(join(metadata, roleFile(name.slice(0, -5), m.version)));
        meta.set(name, new MetaFile(m.version, bytes.length, b2(bytes)));
      }
    };
    draft.timestamp.edit = (m) =>
      new MetaFile(m.version, m.length, b2(readFileSync(join(metadata, '1.snapshot.json'))));
    repo = await writeRepo(draft, join(tmp, 'repo'));
    writeFileSync(devKey, serializeJson(keys.developer.key.toJSON()));
    writeFileSync(offered, HONEST);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const trusted = () => ['--root', repo.trustedRoot];

  it('is read by the trusted set, verify-download, dev check, dev fetch and verify', async () => {
    expect(JSON.parse(readFileSync(join(repo.metadata, 'timestamp.json'), 'utf8')).signed.meta).toEqual({
      'snapshot.json': {
        version: 1,
        length: expect.any(Number),
        hashes: b2(readFileSync(join(repo.metadata, '1.snapshot.json'))),
      },
    });
    const d = await runCli([
      'verify-download',
      offered,
      `https://x.example/${HONEST_PATH}`,
      '--metadata',
      repo.metadata,
      ...trusted(),
    ]);
    expect(d.stdout).toMatch(/OK: .* 47 bytes, blake2b-256 match/);
    const check = await runCli([
      'dev',
      'check',
      '--project',
      PROJECT,
      '--key',
      devKey,
      '--metadata',
      repo.metadata,
      ...trusted(),
    ]);
    expect(check.code).toBe(0);
    const out = join(tmp, 'fetched');
    const fetched = await runCli([
      'dev',
      'fetch',
      '--url',
      repo.metadata,
      '--project',
      PROJECT,
      '--out',
      out,
      ...trusted(),
    ]);
    expect(fetched.code).toBe(0);
    const verify = await runCli(['verify', ...trusted(), repo.metadata]);
    expect(verify.code).toBe(0);
  });

  it('is refused where a blake2b-256 hash differs, naming the file', async () => {
    const changed = join(tmp, 'changed');
    writeFileSync(changed, Buffer.from(HONEST).fill(0x41, 0, 1));
    const d = await runCli([
      'verify-download',
      changed,
      `https://x.example/${HONEST_PATH}`,
      '--metadata',
      repo.metadata,
      ...trusted(),
    ]);
    expect(d.code).toBe(3);
    expect(d.stderr).toMatch(/blake2b-256 [0-9a-f]{64} differs from [0-9a-f]{64} listed by example-project/);
    const snapshot = readFileSync(join(repo.metadata, '1.snapshot.json'));
    const tampered = Buffer.from(snapshot);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 1;
    repo.write('1.snapshot.json', tampered);
    try {
      const check = await runCli([
        'dev',
        'check',
        '--project',
        PROJECT,
        '--key',
        devKey,
        '--metadata',
        repo.metadata,
        ...trusted(),
      ]);
      expect(check.code).toBe(3);
      expect(check.stderr).toMatch(
        /1\.snapshot\.json: blake2b-256 [0-9a-f]{64} differs from [0-9a-f]{64} listed in timestamp\.json/,
      );
    } finally {
      repo.write('1.snapshot.json', snapshot);
    }
  });

  it('upload check takes a role that lists blake2b-256 alone, and refuses a file whose blake2b-256 differs', async () => {
    const file = Buffer.from('example-project 1.1\n');
    const path = `${PROJECT}/${PROJECT}-1.1.tar.gz`;
    const role = new Metadata(
      new Targets({
        version: 2,
        expires: FAR,
        targets: new Map([
          [HONEST_PATH, new TargetFile(HONEST.length, b2(HONEST))],
          [path, new TargetFile(file.length, b2(file))],
        ]),
      }),
    );
    await role.sign(keys.developer, 'append');
    const upload = (bytes: Buffer) =>
      writeZip([
        [`metadata/2.${PROJECT}.json`, role.toBytes()],
        [`targets/${path}`, bytes],
      ]);
    writeFileSync(join(tmp, 'good.zip'), upload(file));
    writeFileSync(join(tmp, 'bad.zip'), upload(Buffer.from('example-project 1.X\n')));
    const good = await runCli(['upload', 'check', join(tmp, 'good.zip'), '--metadata', repo.metadata, ...trusted()]);
    expect(good.stdout).toMatch(/^ACCEPT/);
    const bad = await runCli(['upload', 'check', join(tmp, 'bad.zip'), '--metadata', repo.metadata, ...trusted()]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/blake2b-256 [0-9a-f]{64}, but the role lists [0-9a-f]{64}/);
    // What dev sign lists for each file: sha256 and blake2b-256.
    expect(Object.keys(targetFileOf(file).hashes).sort()).toEqual(['blake2b-256', 'sha256']);
  });
});
