/**
 * `upload check` against attackers of the PEP 480 upload: a developer of one project who holds
 * their own keys (or one key of several), the holder of an online key, and anyone who can hand
 * the index a file. Each case is an attack; the index must refuse it, naming the file and the
 * field. Where a TUF client's verdict applies, tuf-js is asked too.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata as TufjsMetadata, MetadataKind } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFileOf, writeUpload } from '../../src/bundle/project-upload.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { canonicalize, serializeJson } from '../../src/tuf/json/canonical-json.js';
import { digestHex } from '../../src/tuf/model/digest.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, MetaFile, TargetFile, Targets } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../src/tuf/model/roles.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { runCli } from '../helpers/cli.js';
import {
  addDelegation,
  delegation,
  delegations,
  FAR,
  honestRepo,
  PAST,
  PROJECT,
  RepoKeys,
  roleFile,
  signerAs,
  SUCCINCT_PREFIX,
  writeRepo,
  type RepoDraft,
  type WrittenRepo,
} from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'upload-attacks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const keys = new RepoKeys();
/** The developer of another claimed project. */
const otherDeveloper = new Ed25519Signer(new Uint8Array(32).fill(13));
/** A key the project delegates its documentation to. */
const docsKey = new Ed25519Signer(new Uint8Array(32).fill(14));
const OTHER = 'other-project';
const DOCS = `${PROJECT}-docs`;

/**
 * claimed → example-project (the developer's key) and other-project (another developer's);
 * example-project v1 delegates example-project-docs (v3 published) within its paths.
 */
function draft(change?: (d: RepoDraft) => void): RepoDraft {
  const d = honestRepo('flat', keys);
  addDelegation(
    d.roles.get('claimed')!,
    delegation(OTHER, [otherDeveloper], { terminating: true, paths: [`${OTHER}/*`] }),
  );
  d.roles.set(OTHER, { version: 1, expires: FAR, targets: new Map(), signers: [otherDeveloper] });
  d.roles.get(PROJECT)!.delegations = delegations([
    delegation(DOCS, [docsKey], { terminating: true, paths: [`${PROJECT}/docs-*`] }),
  ]);
  d.roles.set(DOCS, { version: 3, expires: FAR, targets: new Map(), signers: [docsKey] });
  change?.(d);
  return d;
}

let repo: WrittenRepo;
let n = 0;
beforeAll(async () => {
  repo = await writeRepo(draft(), join(tmp, 'repo'));
});

interface UploadRole {
  name: string;
  role: Targets;
  signers: Signer[];
}

/** An upload folder: each role signed by its signers under metadata/, each file under targets/. */
async function upload(roles: UploadRole[], files: Array<[string, Buffer]> = []): Promise<string> {
  const dir = join(tmp, `upload-${++n}`);
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  for (const { name, role, signers } of roles) {
    const md = new Metadata(role);
    for (const s of signers) await md.sign(s, 'append');
    writeFileSync(join(dir, 'metadata', roleFile(name, role.version)), md.toBytes());
  }
  for (const [path, bytes] of files) {
    mkdirSync(join(dir, 'targets', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'targets', path), bytes);
  }
  return dir;
}

const check = (dir: string, metadata: WrittenRepo = repo, extra: string[] = []) =>
  runCli(['upload', 'check', dir, '--metadata', metadata.metadata, '--root', metadata.trustedRoot, ...extra]);

/** The project's role v2 (the published role's delegation kept, or the one given). */
function projectRole(o: { targets?: Map<string, TargetFile>; children?: DelegatedRole[]; childKeys?: Key[] } = {}) {
  const children = o.children ?? [
    new DelegatedRole(DOCS, [docsKey.key.keyid], 1, true, [`${PROJECT}/docs-*`], undefined),
  ];
  const keyMap = new Map((o.childKeys ?? [docsKey.key]).map((k) => [k.keyid, k]));
  return new Targets({
    version: 2,
    expires: FAR,
    targets: o.targets ?? new Map(),
    delegations: new Delegations(keyMap, children, undefined),
  });
}

const release = Buffer.from('example-project 2.0\n');
const releasePath = `${PROJECT}/example_project-2.0.tar.gz`;

describe('the honest upload', () => {
  it('a new release with the docs role delegated again, one version up, is accepted', async () => {
    const dir = await upload(
      [
        {
          name: PROJECT,
          role: projectRole({ targets: new Map([[releasePath, targetFileOf(release)]]) }),
          signers: [keys.developer],
        },
        { name: DOCS, role: new Targets({ version: 4, expires: FAR }), signers: [docsKey] },
      ],
      [[releasePath, release]],
    );
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('the honest upload, its delegated role unchanged', () => {
  it('the docs role as published (version 3, the same content) is taken again', async () => {
    const dir = await upload([
      { name: PROJECT, role: projectRole(), signers: [keys.developer] },
      { name: DOCS, role: new Targets({ version: 3, expires: FAR }), signers: [docsKey] },
    ]);
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('a role of the upload named as a role of another project or of the index', () => {
  for (const name of [OTHER, 'recently-claimed', 'claimed', 'unclaimed', 'claimed-bins-3'])
    it(`a delegation to a role named ${name}, within the project's paths, signed by the project's own key`, async () => {
      // Published as N.<name>.json, the file would stand where the index keeps that role: the
      // other project's (or the index's) role is replaced by one its keys never signed.
      const child = new DelegatedRole(name, [keys.developer.key.keyid], 1, true, [`${PROJECT}/*`], undefined);
      const dir = await upload([
        {
          name: PROJECT,
          role: projectRole({ children: [child], childKeys: [keys.developer.key] }),
          signers: [keys.developer],
        },
        { name, role: new Targets({ version: 2, expires: FAR }), signers: [keys.developer] },
      ]);
      const r = await check(dir, repo, ['--allow-delegations', '--project', PROJECT]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`signed.delegations.roles[${JSON.stringify(name)}]: the repository has a role`);
    });
});

describe('a role of the upload older than the published one, or changed under its version', () => {
  it('the docs role at version 2 where version 3 is published (a rollback that snapshot would list)', async () => {
    const dir = await upload([
      { name: PROJECT, role: projectRole(), signers: [keys.developer] },
      { name: DOCS, role: new Targets({ version: 2, expires: FAR }), signers: [docsKey] },
    ]);
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`metadata/2.${DOCS}.json: signed.version: 2 is not newer than the published version 3`);
  });

  it('the docs role at version 3, as published, but listing another file', async () => {
    const docs = new Targets({
      version: 3,
      expires: FAR,
      targets: new Map([[`${PROJECT}/docs-2.0.zip`, targetFileOf(release)]]),
    });
    const dir = await upload(
      [
        { name: PROJECT, role: projectRole(), signers: [keys.developer] },
        { name: DOCS, role: docs, signers: [docsKey] },
      ],
      [[`${PROJECT}/docs-2.0.zip`, release]],
    );
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `metadata/3.${DOCS}.json: signed.version: 3 is the published version, and the role differs from it`,
    );
  });
});

describe('the project found only in the online role because claimed cannot be read', () => {
  for (const [what, change] of [
    ['claimed expired', (d: RepoDraft) => (d.roles.get('claimed')!.expires = PAST)],
    ['claimed signed by one admin of two', (d: RepoDraft) => (d.roles.get('claimed')!.signers = [keys.claimed[0]!])],
  ] as const)
    it(`${what}; recently-claimed still names the project with the key claimed revoked`, async () => {
      // The project's first upload since claimed took it over: nothing published to compare with.
      const stale = await writeRepo(
        draft((d) => {
          change(d);
          d.roles.delete(PROJECT);
          d.roles.delete(DOCS);
          d.roles.get('recently-claimed')!.delegations = delegations([
            delegation(PROJECT, [keys.revokedDeveloper], { terminating: true, paths: [`${PROJECT}/*`] }),
          ]);
        }),
        join(tmp, `stale-${++n}`),
      );
      const role = new Targets({ version: 2, expires: FAR, targets: new Map([[releasePath, targetFileOf(release)]]) });
      const dir = await upload([{ name: PROJECT, role, signers: [keys.revokedDeveloper] }], [[releasePath, release]]);
      const r = await check(dir, stale);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/refused: .*1\.claimed\.json: .*claimed cannot be read/);
    });
});

describe('the project found only in the online role because its claimed bin cannot be read', () => {
  it('snapshot (an online key) lists another version of every bin of claimed; recently-claimed names the attacker', async () => {
    const d = honestRepo('succinct', keys);
    d.roles.delete(PROJECT);
    d.roles.get('recently-claimed')!.delegations = delegations([
      delegation(PROJECT, [keys.attacker], { terminating: true, paths: [`${PROJECT}/*`] }),
    ]);
    d.snapshot.edit = (meta) => {
      for (const name of [...meta.keys()]) if (name.startsWith(`${SUCCINCT_PREFIX}-`)) meta.set(name, new MetaFile(7));
    };
    const sharded = await writeRepo(d, join(tmp, 'sharded'));
    const role = new Targets({ version: 1, expires: FAR, targets: new Map([[releasePath, targetFileOf(release)]]) });
    const dir = await upload([{ name: PROJECT, role, signers: [keys.attacker] }], [[releasePath, release]]);
    const r = await check(dir, sharded);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused: 7\.claimed-bins-[0-3]\.json: listed by .*: claimed cannot be read/);
  });

  for (const layout of ['succinct', 'hashed'] as const)
    it(`snapshot drops every bin of claimed (${layout}); recently-claimed names the attacker`, async () => {
      const d = honestRepo(layout, keys);
      d.roles.delete(PROJECT);
      d.roles.get('recently-claimed')!.delegations = delegations([
        delegation(PROJECT, [keys.attacker], { terminating: true, paths: [`${PROJECT}/*`] }),
      ]);
      d.snapshot.edit = (meta) => {
        for (const name of [...meta.keys()]) if (name.startsWith('claimed-bin')) meta.delete(name);
      };
      const sharded = await writeRepo(d, join(tmp, `dropped-${layout}`));
      const role = new Targets({ version: 1, expires: FAR, targets: new Map([[releasePath, targetFileOf(release)]]) });
      const dir = await upload([{ name: PROJECT, role, signers: [keys.attacker] }], [[releasePath, release]]);
      const r = await check(dir, sharded);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /refused: .*claimed delegates claimed-bins?-[0-3], which 1\.snapshot\.json does not list: claimed cannot be read/,
      );
    });
});

describe('one key counted twice toward a threshold of 2', () => {
  it('a docs role delegated to one key under two keyids (a custom field), signed under both', async () => {
    const twin = new Key(docsKey.key.keytype, docsKey.key.scheme, { ...docsKey.key.keyval }, { 'x-holder': 'twin' });
    const child = new DelegatedRole(DOCS, [docsKey.key.keyid, twin.keyid], 2, true, [`${PROJECT}/docs-*`], undefined);
    const docs = new Targets({ version: 4, expires: FAR });
    const dir = await upload([
      {
        name: PROJECT,
        role: projectRole({ children: [child], childKeys: [docsKey.key, twin] }),
        signers: [keys.developer],
      },
      { name: DOCS, role: docs, signers: [docsKey, signerAs(docsKey, twin)] },
    ]);
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`metadata/4.${DOCS}.json: signatures: 1 of 2 required signatures`);
    expect(r.stderr).toContain('1 not counted: the same key as another');
    // tuf-js counts keyids, and takes it: this tool counts keys (decision 0004).
    const tuf = (md: Metadata) => TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(md.toBytes().toString()));
    const parent = new Metadata(projectRole({ children: [child], childKeys: [docsKey.key, twin] }));
    const signedDocs = new Metadata(docs);
    await signedDocs.sign(docsKey, 'append');
    await signedDocs.sign(signerAs(docsKey, twin), 'append');
    expect(() => tuf(parent).verifyDelegate(DOCS, tuf(signedDocs))).not.toThrow();
  });
});

describe('BLAKE2b names and lengths', () => {
  const blake512 = digestHex('sha512', release)!; // any 64-byte hex: what blake2b-512 would list
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'blake2b (securesystemslib: BLAKE2b-512)',
      { blake2b: blake512 },
      /lists a blake2b hash, which this tool cannot compute/,
    ],
    ['blake2b-512', { 'blake2b-512': blake512 }, /lists a blake2b-512 hash, which this tool cannot compute/],
    [
      'blake2b-256 holding 64 bytes',
      { 'blake2b-256': digestHex('blake2b-256', release)! + blake512.slice(64) },
      /blake2b-256 [0-9a-f]{64}, but the role lists [0-9a-f]{128}/,
    ],
    [
      'blake2b-256 holding BLAKE2b-512 cut short',
      { 'blake2b-256': blake512.slice(0, 64) },
      /blake2b-256 [0-9a-f]{64}, but the role lists/,
    ],
    ['BLAKE2B-256 in capitals', { 'BLAKE2B-256': digestHex('blake2b-256', release)! }, /lists a BLAKE2B-256 hash/],
  ];
  for (const [what, hashes, why] of cases)
    it(`a target listed with ${what} is refused`, async () => {
      const targets = new Map([[releasePath, new TargetFile(release.length, hashes)]]);
      const dir = await upload(
        [{ name: PROJECT, role: projectRole({ targets }), signers: [keys.developer] }],
        [[releasePath, release]],
      );
      const r = await check(dir, repo, ['--allow-delegations']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(why);
    });
});

describe('dev sign where the delegation’s path patterns climb out of targets/', () => {
  it('recently-claimed (an online key) gives the project the exact path ../../<name>: nothing is written outside the upload', async () => {
    const evilPath = `../../escaped-${PROJECT}.tar.gz`;
    const online = await writeRepo(
      draft((d) => {
        d.roles.get('claimed')!.delegations = delegations([]);
        d.roles.delete(PROJECT);
        d.roles.delete(DOCS);
        d.roles.get('recently-claimed')!.delegations = delegations([
          delegation(PROJECT, [keys.developer], { terminating: true, paths: [evilPath] }),
        ]);
      }),
      join(tmp, 'climbing'),
    );
    const work = join(tmp, 'climb', 'a', 'b');
    mkdirSync(work, { recursive: true });
    const keyFile = join(tmp, 'climb', 'dev.key.json');
    const passFile = join(tmp, 'climb', 'dev.pass');
    writeFileSync(passFile, 'passphrase of the climbing developer\n', { mode: 0o600 });
    writeEncryptedKeyFile(keyFile, keys.developer, 'passphrase of the climbing developer', {
      scrypt: { n: 2 ** 14, r: 8, p: 1 },
    });
    const file = join(tmp, 'climb', 'release.tar.gz');
    writeFileSync(file, release);
    const out = join(work, 'upload');
    const r = await runCli([
      'dev',
      'sign',
      '--project',
      PROJECT,
      '--files',
      file,
      '--key',
      keyFile,
      '--passphrase-file',
      passFile,
      '--metadata',
      online.metadata,
      '--root',
      online.trustedRoot,
      '--out',
      out,
    ]);
    expect(readdirSync(join(tmp, 'climb', 'a'))).toEqual(['b']);
    expect(existsSync(join(work, `escaped-${PROJECT}.tar.gz`))).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no target path for "release.tar.gz" under the project's path patterns ${evilPath}`);
  });

  it('the upload writer refuses such a name whatever made it, and writes nothing', () => {
    const out = join(tmp, 'climb', 'a', 'b', 'direct');
    expect(() => writeUpload(out, [[`targets/${'../'.repeat(3)}escaped`, release]])).toThrow(
      /targets\/\.\.\/\.\.\/\.\.\/escaped: not a plain relative path; nothing was written/,
    );
    expect(readdirSync(join(tmp, 'climb', 'a'))).toEqual(['b']);
    expect(existsSync(`${out}.zip`)).toBe(false);
  });
});

describe('a role signed by the project’s key whose common fields are odd', () => {
  const base = { _type: 'targets', spec_version: '1.0.31', version: 2, expires: '2050-01-01T00:00:00Z', targets: {} };
  const cases: Array<[string, Record<string, unknown> | string, RegExp]> = [
    ['_type root', { ...base, _type: 'root' }, /signed\._type: expected "targets", got "root"/],
    ['_type in capitals', { ...base, _type: 'Targets' }, /signed\._type: unknown metadata type "Targets"/],
    ['spec_version 2.0.0', { ...base, spec_version: '2.0.0' }, /spec_version: unsupported spec_version "2\.0\.0"/],
    ['expires with milliseconds', { ...base, expires: '2050-01-01T00:00:00.000Z' }, /expires/],
    ['expires without a zone', { ...base, expires: '2050-01-01T00:00:00' }, /expires/],
    ['version 0', { ...base, version: 0 }, /version/],
    ['version as text', { ...base, version: '2' }, /version/],
    [
      'version beyond 2^53 (as text: no JavaScript number holds it)',
      '{"_type":"targets","expires":"2050-01-01T00:00:00Z","spec_version":"1.0.31","targets":{},"version":9007199254740993}',
      /version/,
    ],
  ];
  for (const [what, signed, why] of cases)
    it(`${what} is refused`, async () => {
      const payload = typeof signed === 'string' ? Buffer.from(signed) : canonicalize(signed);
      const sig = Buffer.from(await keys.developer.sign(payload)).toString('hex');
      const dir = join(tmp, `odd-${++n}`);
      mkdirSync(join(dir, 'metadata'), { recursive: true });
      const signatures = serializeJson([{ keyid: keys.developer.key.keyid, sig }]);
      writeFileSync(
        join(dir, 'metadata', `2.${PROJECT}.json`),
        Buffer.concat([
          Buffer.from('{"signatures":'),
          signatures,
          Buffer.from(',"signed":'),
          payload,
          Buffer.from('}'),
        ]),
      );
      const r = await check(dir, repo, ['--project', PROJECT]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(why);
    });
});

describe('target paths that climb or hold an empty component', () => {
  for (const path of [`${PROJECT}/..`, `${PROJECT}/.`, `${PROJECT}/`])
    it(`${JSON.stringify(path)}, which the project's pattern ${PROJECT}/* matches, is refused`, async () => {
      // No upload can hold a file of that name (readers refuse it), and the published role lists none.
      const targets = new Map([[path, targetFileOf(release)]]);
      const dir = await upload([{ name: PROJECT, role: projectRole({ targets }), signers: [keys.developer] }]);
      const r = await check(dir, repo, ['--allow-delegations']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        `signed.targets[${JSON.stringify(path)}]: neither in this upload nor in the published role`,
      );
    });

  it(`${PROJECT}//x, outside the pattern ${PROJECT}/* (three components), is refused`, async () => {
    const targets = new Map([[`${PROJECT}//x`, targetFileOf(release)]]);
    const dir = await upload([{ name: PROJECT, role: projectRole({ targets }), signers: [keys.developer] }]);
    const r = await check(dir, repo, ['--allow-delegations']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`signed.targets["${PROJECT}//x"]: outside the paths delegated (${PROJECT}/*)`);
  });
});
