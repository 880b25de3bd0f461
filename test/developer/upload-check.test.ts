/**
 * `dev sign` and `upload check` (PEP 480, "Snapshot Process"): a developer with two keys and
 * threshold 2 signs a release; the index accepts it, and refuses each attack: a role signed by one
 * key or by the wrong keys, expired, a version not newer, a file changed after signing, a target or
 * a delegation outside the project's paths, a hostile ZIP. tuf-js gives the same verdict on the
 * signatures where it applies.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata as TufjsMetadata, MetadataKind } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_LIMITS, targetFileOf } from '../../src/bundle/project-upload.js';
import { readZip, writeZip } from '../../src/bundle/zip.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { runCli } from '../helpers/cli.js';
import {
  delegation,
  delegations,
  FAR,
  honestRepo,
  PROJECT,
  RepoKeys,
  writeRepo,
  type WrittenRepo,
} from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'upload-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const keys = new RepoKeys();
const second = new Ed25519Signer(new Uint8Array(32).fill(20));
const developers = [keys.developer, second];
let repo: WrittenRepo;
const keyFiles: string[] = [];
const passFiles: string[] = [];
const release = join(tmp, 'dist');

beforeAll(async () => {
  const draft = honestRepo('flat', keys);
  // The project is claimed with two developer keys, threshold 2; its role v1 is published.
  draft.roles.get('claimed')!.delegations = delegations([
    delegation(PROJECT, developers, { threshold: 2, terminating: true, paths: [`${PROJECT}/*`] }),
  ]);
  draft.roles.get(PROJECT)!.signers = developers;
  repo = await writeRepo(draft, join(tmp, 'repo'));
  developers.forEach((s, i) => {
    keyFiles.push(join(tmp, `dev${i}.key.json`));
    passFiles.push(join(tmp, `dev${i}.pass`));
    writeFileSync(passFiles[i]!, `passphrase of developer ${i}\n`, { mode: 0o600 });
    writeEncryptedKeyFile(keyFiles[i]!, s, `passphrase of developer ${i}`, { scrypt: { n: 2 ** 14, r: 8, p: 1 } });
  });
  mkdirSync(release);
  writeFileSync(join(release, 'example_project-1.1.tar.gz'), 'the 1.1 sdist\n');
  writeFileSync(join(release, 'example_project-1.1-py3-none-any.whl'), 'the 1.1 wheel\n');
});

const trusted = () => ['--metadata', repo.metadata, '--root', repo.trustedRoot];
const withKeys = (n = 2) => keyFiles.slice(0, n).flatMap((k, i) => ['--key', k, '--passphrase-file', passFiles[i]!]);
const releaseFiles = () => [
  '--files',
  join(release, 'example_project-1.1.tar.gz'),
  '--files',
  join(release, 'example_project-1.1-py3-none-any.whl'),
];

async function devSign(out: string, extra: string[], n = 2) {
  return runCli(['dev', 'sign', '--project', PROJECT, ...releaseFiles(), ...withKeys(n), '--out', out, ...extra]);
}

async function uploadCheck(upload: string, extra: string[] = []) {
  return runCli(['upload', 'check', upload, ...trusted(), ...extra]);
}

/** The claimed role as tuf-js reads it, asked whether it delegates the project role to these signatures. */
function tufjsAccepts(roleBytes: Buffer): boolean {
  const claimed = readFileSync(join(repo.metadata, '1.claimed.json'), 'utf8');
  const tuf = (s: string) => TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(s));
  try {
    tuf(claimed).verifyDelegate(PROJECT, tuf(roleBytes.toString()));
    return true;
  } catch {
    return false;
  }
}

/** A hand-made upload folder: the role (signed by `signers`) and the files under targets/. */
async function handMade(name: string, role: Targets, signers: Signer[], files: Array<[string, Buffer]>) {
  const dir = join(tmp, name);
  const md = new Metadata(role);
  for (const s of signers) await md.sign(s, 'append');
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  writeFileSync(join(dir, 'metadata', `${role.version}.${PROJECT}.json`), md.toBytes());
  for (const [path, bytes] of files) {
    mkdirSync(join(dir, 'targets', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'targets', path), bytes);
  }
  return dir;
}

describe('a release signed by a threshold of the developer keys', () => {
  it('dev sign checks it as the index does, writes the folder and the ZIP; upload check accepts both', async () => {
    const out = join(tmp, 'release-1.1');
    const r = await devSign(out, [...trusted(), '--json']);
    expect(r.stderr).toContain('Payload SHA-256 (what every key signs):');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, project: PROJECT, version: 2, checked_against: 'claimed' });
    expect(doc.targets.map((t: { path: string }) => t.path).sort()).toEqual([
      `${PROJECT}/${PROJECT}-1.0.tar.gz`,
      `${PROJECT}/example_project-1.1-py3-none-any.whl`,
      `${PROJECT}/example_project-1.1.tar.gz`,
    ]);
    const sdist = doc.targets.find((t: { path: string }) => t.path.endsWith('1.1.tar.gz'));
    expect(sdist.hashes).toEqual(targetFileOf(Buffer.from('the 1.1 sdist\n')).hashes);
    expect(Object.keys(sdist.hashes).sort()).toEqual(['blake2b-256', 'sha256']);

    for (const upload of [out, `${out}.zip`]) {
      const c = await uploadCheck(upload, ['--json']);
      expect(c.code).toBe(0);
      expect(JSON.parse(c.stdout)).toMatchObject({ ok: true, project: PROJECT, published_version: 1, problems: [] });
    }
    expect(tufjsAccepts(readFileSync(join(out, 'metadata', `2.${PROJECT}.json`)))).toBe(true);
    // The ZIP holds exactly the folder's files.
    const zip = readZip(readFileSync(`${out}.zip`), 'zip', UPLOAD_LIMITS);
    expect([...zip.keys()].sort()).toEqual([
      `metadata/2.${PROJECT}.json`,
      `targets/${PROJECT}/example_project-1.1-py3-none-any.whl`,
      `targets/${PROJECT}/example_project-1.1.tar.gz`,
    ]);
    // Never overwritten.
    const again = await devSign(out, []);
    expect(again.code).toBe(5);
  });

  it('dev sign refuses to write what the index would refuse: one key of a threshold of 2', async () => {
    const out = join(tmp, 'one-key-checked');
    const r = await devSign(out, trusted(), 1);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /nothing was written\n {2}refused: metadata\/2\.example-project\.json: signatures: 1 of 2 required/,
    );
    expect(() => readFileSync(`${out}.zip`)).toThrow();
  });
});

describe('upload check refuses each attack, naming the file and the field', () => {
  it('a role signed by one key of a threshold of 2 (tuf-js refuses it too)', async () => {
    const out = join(tmp, 'one-key');
    expect((await devSign(out, ['--previous', join(repo.metadata, `1.${PROJECT}.json`)], 1)).code).toBe(0);
    const c = await uploadCheck(out);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/^REFUSE: .*one-key for example-project: 1 problem/);
    expect(c.stderr).toContain(
      'refused: metadata/2.example-project.json: signatures: 1 of 2 required signatures by the keys claimed delegates example-project to (missing 1)',
    );
    expect(tufjsAccepts(readFileSync(join(out, 'metadata', `2.${PROJECT}.json`)))).toBe(false);
  });

  it('a role signed by keys that are not the registered ones', async () => {
    const role = new Targets({ version: 2, expires: FAR, targets: new Map() });
    const dir = await handMade('wrong-keys', role, [keys.attacker, keys.revokedDeveloper], []);
    const c = await uploadCheck(dir, ['--json']);
    expect(c.code).toBe(3);
    const doc = JSON.parse(c.stdout);
    expect(doc.error.code).toBe('E_UPLOAD_REFUSED');
    expect(doc.problems[0]).toMatch(/signatures: 0 of 2 required .*missing 2; 2 from keys not authorized/);
  });

  it('an expired role', async () => {
    const out = join(tmp, 'expired');
    const at = ['--at', '2020-01-01T00:00:00Z', '--valid-for', '1d'];
    expect((await devSign(out, [...at, '--previous', join(repo.metadata, `1.${PROJECT}.json`)])).code).toBe(0);
    const c = await uploadCheck(out);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/metadata\/2\.example-project\.json: signed\.expires: expired at 2020-01-02T00:00:00Z/);
  });

  it('a version not newer than the published one', async () => {
    const out = join(tmp, 'not-newer');
    expect((await devSign(out, ['--version', '1'])).code).toBe(0);
    const c = await uploadCheck(out);
    expect(c.code).toBe(3);
    expect(c.stderr).toContain(
      'metadata/1.example-project.json: signed.version: 1 is not newer than the published version 1',
    );
  });

  it('a file changed after signing, and a file the role does not list', async () => {
    const out = join(tmp, 'changed');
    expect((await devSign(out, trusted())).code).toBe(0);
    const copy = join(tmp, 'changed-copy');
    cpSync(out, copy, { recursive: true });
    writeFileSync(join(copy, 'targets', PROJECT, 'example_project-1.1.tar.gz'), 'the 1.1 sdist, back-doored\n');
    writeFileSync(join(copy, 'targets', PROJECT, 'extra.whl'), 'not signed\n');
    const c = await uploadCheck(copy);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(
      new RegExp(
        String.raw`targets\/example-project\/example_project-1\.1\.tar\.gz: 27 bytes, but the role lists 14 ` +
          String.raw`\(metadata\/2\.example-project\.json: signed\.targets\["example-project\/example_project-1\.1\.tar\.gz"\]\)`,
      ),
    );
    expect(c.stderr).toContain('targets/example-project/extra.whl: listed by no role of the upload');
  });

  it('the same length, another content: a hash differs', async () => {
    const out = join(tmp, 'same-length');
    expect((await devSign(out, trusted())).code).toBe(0);
    writeFileSync(join(out, 'targets', PROJECT, 'example_project-1.1.tar.gz'), 'THE 1.1 SDIST\n');
    const c = await uploadCheck(out);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(
      /example_project-1\.1\.tar\.gz: (blake2b-256|sha256) [0-9a-f]{64}, but the role lists [0-9a-f]{64}/,
    );
  });

  it('a target outside the project’s paths', async () => {
    const evil = Buffer.from('a file for another project\n');
    const role = new Targets({
      version: 2,
      expires: FAR,
      targets: new Map([['requests/evil.tar.gz', targetFileOf(evil)]]),
    });
    const dir = await handMade('outside-target', role, developers, [['requests/evil.tar.gz', evil]]);
    const c = await uploadCheck(dir);
    expect(c.code).toBe(3);
    expect(c.stderr).toContain(
      'metadata/2.example-project.json: signed.targets["requests/evil.tar.gz"]: outside the paths delegated (example-project/*)',
    );
  });

  it('a delegation outside the project’s paths, and any delegation unless allowed', async () => {
    const helper = keys.attacker;
    const inside = delegation('example-project-docs', [helper], { paths: [`${PROJECT}/docs-*`] });
    const outside = delegation('grab-all', [helper], { paths: ['*/*'] });
    const role = new Targets({ version: 2, expires: FAR, delegations: delegations([inside, outside]) });
    const dir = await handMade('outside-delegation', role, developers, []);
    const docs = new Metadata(new Targets({ version: 1, expires: FAR }));
    await docs.sign(helper, 'append');
    writeFileSync(join(dir, 'metadata', '1.example-project-docs.json'), docs.toBytes());

    const refused = await uploadCheck(dir);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'metadata/2.example-project.json: signed.delegations: the role delegates further, which this index does not allow',
    );
    const allowed = await uploadCheck(dir, ['--allow-delegations']);
    expect(allowed.code).toBe(3);
    expect(allowed.stderr).toContain(
      'signed.delegations.roles["grab-all"].paths: */* outside the delegator\'s paths (example-project/*)',
    );
    expect(allowed.stderr).not.toContain('example-project-docs"]');
  });

  it('a hostile ZIP: a path that escapes, a name twice, an entry that lies about its size', async () => {
    const role = readFileSync(join(repo.metadata, `1.${PROJECT}.json`));
    const cases: Array<[string, Buffer, RegExp]> = [
      [
        'escape',
        writeZip([['metadata/../../etc/passwd', role]]),
        /metadata\/\.\.\/\.\.\/etc\/passwd: not a plain relative path/,
      ],
      [
        'twice',
        writeZip([
          ['metadata/2.example-project.json', role],
          ['metadata/2.example-project.json', role],
        ]),
        /listed twice/,
      ],
      ['absolute', writeZip([['/metadata/x', role]]), /not a plain relative path/],
    ];
    const lying = writeZip([['targets/example-project/a', Buffer.from('0123456789')]]);
    // The central directory says 5 bytes, the data holds 10: a stored entry whose sizes differ.
    lying.writeUInt32LE(5, lying.length - 22 - 46 - 'targets/example-project/a'.length + 24);
    cases.push([
      'lying',
      lying,
      /a stored entry whose two sizes differ|the local header says another CRC-32 or size|overlaps|holds/,
    ]);
    cases.push(['not-zip', Buffer.from('not a zip at all'), /not a ZIP archive/]);
    for (const [name, bytes, why] of cases) {
      const path = join(tmp, `${name}.zip`);
      writeFileSync(path, bytes);
      const c = await uploadCheck(path);
      expect(c.code, name).toBe(3);
      expect(c.stderr, name).toMatch(why);
      expect(c.stderr, name).not.toMatch(/\n\s+at /);
    }
  });
});
