/**
 * The trusted set and the verifiers built on it, attacked: an online role speaking for a claimed
 * project, a folder without timestamp, snapshot entries under encoded names, rollback and
 * mix-and-match, hostile file names, a claimed role too large to spread into one call.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, MetaFile, Snapshot, TargetFile, Targets, Timestamp } from '../../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../../src/tuf/verify/repository-verifier.js';
import { DelegatedRole, Delegations } from '../../../src/tuf/model/roles.js';
import { TrustedSet, TrustError } from '../../../src/tuf/verify/trusted-set.js';
import { runCli } from '../../helpers/cli.js';
import { FAR, makeRoot, mapSource, seededSigner } from '../../helpers/software-repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'trusted-set-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const AT = new Date(Date.UTC(2030, 0, 1));
const rootSigners = [seededSigner(1, 'alice'), seededSigner(2, 'bob')];
const targetsSigner = seededSigner(3);
const online = seededSigner(4);
const claimedSigner = seededSigner(5);
const developer = seededSigner(6);
const attacker = seededSigner(7);
const RELEASE = Buffer.from('example-project 1.0, as its developer built it\n');
const EVIL = Buffer.from('example-project 1.0, as the attacker built it\n');
const PATH = 'example-project/example_project-1.0.tar.gz';

function keysOf(...signers: Ed25519Signer[]): Map<string, Key> {
  return new Map(signers.map((s) => [s.key.keyid, s.key]));
}

function role(
  name: string,
  signer: Ed25519Signer,
  terminating: boolean,
  paths?: string[],
  prefixes?: string[],
): DelegatedRole {
  return new DelegatedRole(name, [signer.key.keyid], 1, terminating, paths, prefixes);
}

function targetsOf(
  version: number,
  delegations?: Delegations,
  targets?: Map<string, TargetFile>,
  expires = FAR,
): Metadata<Targets> {
  return new Metadata(new Targets({ version, expires, delegations, targets }));
}

function fileOf(bytes: Buffer): TargetFile {
  return new TargetFile(bytes.length, { sha256: sha256Hex(bytes) });
}

interface Layout {
  /** claimed delegates to a hash bin that delegates to the project (sharded), or to the project directly. */
  sharded: boolean;
  /** recently-claimed (online key) delegates the project's name to the attacker and publishes its file. */
  takeover: boolean;
  /** Skip writing these files. */
  omit?: string[];
  /** The project role's name (to try names that encode differently). */
  project?: string;
  /** recently-claimed also delegates `mallory`, a developer's role that delegates `claimed` and the project to its own key. */
  mallory?: boolean;
  /** The keys and threshold claimed delegates the project to (default: the developer's, 1). */
  projectKeys?: { keys: Key[]; threshold: number };
}

/** A consistent-snapshot repository: root, timestamp, snapshot, targets → claimed (→ bin) → project, recently-claimed. */
async function build(layout: Layout): Promise<Map<string, Uint8Array>> {
  const project = layout.project ?? 'example-project';
  const files = new Map<string, Uint8Array>();
  const put = (name: string, md: Metadata) => files.set(name, md.toBytes());
  const root = makeRoot(rootSigners, 2, { targets: targetsSigner, online });
  for (const s of rootSigners) await root.sign(s, 'append');
  put('1.root.json', root);

  const top = targetsOf(
    1,
    new Delegations(
      keysOf(claimedSigner, online),
      [role('claimed', claimedSigner, false, ['*/*']), role('recently-claimed', online, false, ['*/*'])],
      undefined,
    ),
  );
  await top.sign(targetsSigner, 'append');
  put('1.targets.json', top);

  const pk = layout.projectKeys ?? { keys: [developer.key], threshold: 1 };
  const projectDelegation = new DelegatedRole(
    project,
    pk.keys.map((k) => k.keyid),
    pk.threshold,
    true,
    [`${project}/*`],
    undefined,
  );
  const meta = new Map<string, MetaFile>([['targets.json', new MetaFile(1)]]);
  const sign = async (name: string, md: Metadata<Targets>, signer: Ed25519Signer) => {
    await md.sign(signer, 'append');
    const bytes = md.toBytes();
    files.set(`${md.signed.version}.${encodeURIComponent(name)}.json`, bytes);
    meta.set(`${name}.json`, new MetaFile(md.signed.version, bytes.length, { sha256: sha256Hex(bytes) }));
  };
  if (layout.sharded) {
    const bin = 'claimed-bins-0';
    await sign(
      'claimed',
      targetsOf(
        1,
        new Delegations(
          keysOf(claimedSigner),
          [
            role(bin, claimedSigner, false, undefined, [
              '0',
              '1',
              '2',
              '3',
              '4',
              '5',
              '6',
              '7',
              '8',
              '9',
              'a',
              'b',
              'c',
              'd',
              'e',
              'f',
            ]),
          ],
          undefined,
        ),
      ),
      claimedSigner,
    );
    await sign(
      bin,
      targetsOf(1, new Delegations(new Map(pk.keys.map((k) => [k.keyid, k])), [projectDelegation], undefined)),
      claimedSigner,
    );
  } else {
    await sign(
      'claimed',
      targetsOf(1, new Delegations(new Map(pk.keys.map((k) => [k.keyid, k])), [projectDelegation], undefined)),
      claimedSigner,
    );
  }
  const recently = layout.takeover
    ? new Delegations(keysOf(attacker), [role(project, attacker, true, [`${project}/*`])], undefined)
    : layout.mallory
      ? new Delegations(keysOf(attacker), [role('mallory', attacker, true, ['mallory/*'])], undefined)
      : new Delegations(new Map(), [], undefined);
  if (layout.mallory) {
    const own = new Delegations(
      keysOf(attacker),
      [role('claimed', attacker, false, ['*/*']), role(project, attacker, true, ['*/*'])],
      undefined,
    );
    await sign('mallory', targetsOf(1, own), attacker);
  }
  await sign('recently-claimed', targetsOf(1, recently), online);
  const path = `${project}/example_project-1.0.tar.gz`;
  if (layout.takeover) await sign(project, targetsOf(1, undefined, new Map([[path, fileOf(EVIL)]])), attacker);
  else await sign(project, targetsOf(1, undefined, new Map([[path, fileOf(RELEASE)]])), developer);

  const snapshot = new Metadata(new Snapshot({ version: 1, expires: FAR, meta }));
  await snapshot.sign(online, 'append');
  put('1.snapshot.json', snapshot);
  const snapBytes = files.get('1.snapshot.json')!;
  const timestamp = new Metadata(
    new Timestamp({
      version: 1,
      expires: FAR,
      snapshotMeta: new MetaFile(1, snapBytes.length, { sha256: sha256Hex(snapBytes) }),
    }),
  );
  await timestamp.sign(online, 'append');
  put('timestamp.json', timestamp);
  for (const name of layout.omit ?? []) files.delete(name);
  return files;
}

let folders = 0;
function writeFolder(files: Map<string, Uint8Array>): string {
  const dir = join(tmp, `repo-${folders++}`);
  const md = join(dir, 'metadata');
  const root = join(dir, 'trusted-1.root.json');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(md, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(md, name), bytes);
  writeFileSync(root, files.get('1.root.json') ?? Buffer.from('{}'));
  writeFileSync(join(dir, 'download'), RELEASE);
  writeFileSync(join(dir, 'evil'), EVIL);
  return dir;
}

const client = (files: Map<string, Uint8Array>) => {
  const set = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
  set.updateTimestamp(files.get('timestamp.json')!, 'timestamp.json');
  set.updateSnapshot(files.get('1.snapshot.json')!, '1.snapshot.json');
  set.updateDelegatedTargets('targets', 'root', files.get('1.targets.json')!, '1.targets.json');
  return set;
};

function trustCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TrustError);
    return (e as TrustError).trustCode;
  }
  throw new Error('expected a TrustError');
}

describe('the trusted set', () => {
  it('verifies the project through the delegator on the path, never another one that delegates the same name', async () => {
    const files = await build({ sharded: true, takeover: true });
    const set = client(files);
    set.updateDelegatedTargets('claimed', 'targets', files.get('1.claimed.json')!, '1.claimed.json');
    set.updateDelegatedTargets(
      'claimed-bins-0',
      'claimed',
      files.get('1.claimed-bins-0.json')!,
      '1.claimed-bins-0.json',
    );
    set.updateDelegatedTargets(
      'recently-claimed',
      'targets',
      files.get('1.recently-claimed.json')!,
      '1.recently-claimed.json',
    );
    // Through the online role the attacker's file verifies; through the claimed bin it does not.
    set.updateDelegatedTargets(
      'example-project',
      'recently-claimed',
      files.get('1.example-project.json')!,
      '1.example-project.json',
    );
    expect(
      trustCode(() =>
        set.updateDelegatedTargets(
          'example-project',
          'claimed-bins-0',
          files.get('1.example-project.json')!,
          '1.example-project.json',
        ),
      ),
    ).toBe('E_UNSIGNED');
    expect(set.hasEdge('recently-claimed', 'example-project')).toBe(true);
    expect(set.hasEdge('claimed-bins-0', 'example-project')).toBe(false);
  });

  it('keeps the client order: no snapshot before a timestamp, no targets before a snapshot, no root after a timestamp', async () => {
    const files = await build({ sharded: false, takeover: false });
    const set = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    expect(trustCode(() => set.updateSnapshot(files.get('1.snapshot.json')!, '1.snapshot.json'))).toBe('E_ORDER');
    expect(
      trustCode(() => set.updateDelegatedTargets('targets', 'root', files.get('1.targets.json')!, '1.targets.json')),
    ).toBe('E_ORDER');
    set.updateTimestamp(files.get('timestamp.json')!, 'timestamp.json');
    expect(trustCode(() => set.updateRoot(files.get('1.root.json')!, '2.root.json'))).toBe('E_ORDER');
    expect(
      trustCode(() => set.updateDelegatedTargets('claimed', 'targets', files.get('1.claimed.json')!, '1.claimed.json')),
    ).toBe('E_ORDER');
  });

  it('refuses a timestamp older than the trusted one, a snapshot of another version or hash, a role snapshot does not list', async () => {
    const files = await build({ sharded: false, takeover: false });
    const set = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    const ts2 = new Metadata(new Timestamp({ version: 2, expires: FAR, snapshotMeta: new MetaFile(2) }));
    await ts2.sign(online, 'append');
    set.updateTimestamp(ts2.toBytes(), 'timestamp.json');
    expect(trustCode(() => set.updateTimestamp(files.get('timestamp.json')!, 'timestamp.json'))).toBe('E_ROLLBACK');
    expect(trustCode(() => set.updateSnapshot(files.get('1.snapshot.json')!, '1.snapshot.json'))).toBe('E_VERSION');

    const other = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    other.updateTimestamp(files.get('timestamp.json')!, 'timestamp.json');
    const altered = Buffer.from(files.get('1.snapshot.json')!);
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 1;
    expect(trustCode(() => other.updateSnapshot(altered, '1.snapshot.json'))).toBe('E_LENGTH_OR_HASH');

    const set3 = client(files);
    expect(
      trustCode(() =>
        set3.updateDelegatedTargets('unlisted', 'targets', files.get('1.claimed.json')!, '1.unlisted.json'),
      ),
    ).toBe('E_NOT_DELEGATED');
  });

  it('refuses an expired timestamp and a hash it cannot compute', async () => {
    const files = await build({ sharded: false, takeover: false });
    const expired = new Metadata(
      new Timestamp({ version: 1, expires: new Date(Date.UTC(2029, 0, 1)), snapshotMeta: new MetaFile(1) }),
    );
    await expired.sign(online, 'append');
    const set = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    expect(trustCode(() => set.updateTimestamp(expired.toBytes(), 'timestamp.json'))).toBe('E_EXPIRED');
    const md5 = new Metadata(
      new Timestamp({ version: 1, expires: FAR, snapshotMeta: new MetaFile(1, undefined, { md5: '00'.repeat(16) }) }),
    );
    await md5.sign(online, 'append');
    const set2 = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    set2.updateTimestamp(md5.toBytes(), 'timestamp.json');
    expect(trustCode(() => set2.updateSnapshot(files.get('1.snapshot.json')!, '1.snapshot.json'))).toBe(
      'E_LENGTH_OR_HASH',
    );
  });

  it('turns bytes that are not metadata into a refusal naming the file', async () => {
    const files = await build({ sharded: false, takeover: false });
    expect(
      trustCode(
        () => new TrustedSet(Buffer.from('{"signed": '), { at: AT, mode: 'client', trustedRootName: '1.root.json' }),
      ),
    ).toBe('E_BAD_METADATA');
    const set = new TrustedSet(files.get('1.root.json')!, { at: AT, mode: 'client' });
    expect(trustCode(() => set.updateTimestamp(files.get('1.targets.json')!, 'timestamp.json'))).toBe('E_BAD_METADATA');
  });
});

describe('an online role that delegates a claimed project’s name to another key (PEP 480)', () => {
  for (const sharded of [true, false]) {
    describe(sharded ? 'sharded claimed (targets → claimed → bin → project)' : 'flat claimed', () => {
      it('verify fails on the claimed edge, naming the project file and the delegator', async () => {
        const files = await build({ sharded, takeover: true });
        const report = verifyRepository(files.get('1.root.json')!, mapSource(files), { at: AT });
        expect(report.ok).toBe(false);
        const r = report.roles.find((x) => x.role === 'example-project')!;
        expect(r.status).toBe('failed');
        expect(r.problems.join('\n')).toMatch(
          new RegExp(
            `1\\.example-project\\.json: 0 of 1 required signatures by the keys ${sharded ? 'claimed-bins-0' : 'claimed'} delegates example-project to`,
          ),
        );
      });

      it('verify-download rejects the attacker’s file and dev check raises the alarm', async () => {
        const dir = writeFolder(await build({ sharded, takeover: true }));
        const common = [
          '--metadata',
          join(dir, 'metadata'),
          '--root',
          join(dir, 'trusted-1.root.json'),
          '--at',
          '2030-01-01',
        ];
        const dl = await runCli([
          'verify-download',
          join(dir, 'evil'),
          `https://files.example.org/${PATH}`,
          ...common,
          '--target-path',
          PATH,
        ]);
        expect(dl.code).toBe(3);
        expect(dl.stderr).toMatch(
          /1\.example-project\.json: 0 of 1 required signatures by the keys .* delegates example-project to/,
        );
        const keyFile = join(dir, 'developer.pub.json');
        writeFileSync(keyFile, JSON.stringify(developer.key.toJSON()));
        const check = await runCli(['dev', 'check', '--project', 'example-project', '--key', keyFile, ...common]);
        expect(check.code).toBe(3);
        expect(check.stderr).toMatch(/^ALARM: example-project/);
        expect(check.stderr).toMatch(
          /the published project role does not verify through this delegation: 1\.example-project\.json/,
        );
      });

      it('an honest repository of the same shape passes all three', async () => {
        const dir = writeFolder(await build({ sharded, takeover: false }));
        const common = [
          '--metadata',
          join(dir, 'metadata'),
          '--root',
          join(dir, 'trusted-1.root.json'),
          '--at',
          '2030-01-01',
        ];
        expect(
          (
            await runCli([
              'verify',
              '--root',
              join(dir, 'trusted-1.root.json'),
              '--at',
              '2030-01-01',
              join(dir, 'metadata'),
            ])
          ).code,
        ).toBe(0);
        const dl = await runCli([
          'verify-download',
          join(dir, 'download'),
          `https://files.example.org/${PATH}`,
          ...common,
          '--target-path',
          PATH,
        ]);
        expect(dl.stderr).toBe('');
        expect(dl.code).toBe(0);
        const keyFile = join(dir, 'developer.pub.json');
        writeFileSync(keyFile, JSON.stringify(developer.key.toJSON()));
        expect((await runCli(['dev', 'check', '--project', 'example-project', '--key', keyFile, ...common])).code).toBe(
          0,
        );
      });
    });
  }
});

describe('one key under two keyids in a project delegation', () => {
  it('dev check raises the alarm: the threshold can never be met, the project is locked out', async () => {
    const twin = developer.key.withCustomFields({ 'x-note': 'the same key again' });
    expect(twin.keyid).not.toBe(developer.key.keyid);
    const dir = writeFolder(
      await build({ sharded: false, takeover: false, projectKeys: { keys: [developer.key, twin], threshold: 2 } }),
    );
    const keyFile = join(dir, 'developer.pub.json');
    writeFileSync(keyFile, JSON.stringify(developer.key.toJSON()));
    const check = await runCli([
      'dev',
      'check',
      '--project',
      'example-project',
      '--key',
      keyFile,
      '--threshold',
      '2',
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
    ]);
    expect(check.code).toBe(3);
    expect(check.stderr).toMatch(/^ALARM: example-project/);
    expect(check.stderr).toContain('threshold 2, but only 1 distinct key(s): one key is listed under several keyids');
  });
});

describe('freshness', () => {
  it('verify-download and dev check refuse a folder without timestamp.json; verify of it says there is no rollback protection', async () => {
    const dir = writeFolder(await build({ sharded: true, takeover: false, omit: ['timestamp.json'] }));
    const common = [
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
    ];
    const dl = await runCli([
      'verify-download',
      join(dir, 'download'),
      `https://files.example.org/${PATH}`,
      ...common,
      '--target-path',
      PATH,
    ]);
    expect(dl.code).toBe(3);
    expect(dl.stderr).toMatch(
      /timestamp\.json: not in .*: without a timestamp a client has no freshness or rollback protection/,
    );
    const keyFile = join(dir, 'developer.pub.json');
    writeFileSync(keyFile, JSON.stringify(developer.key.toJSON()));
    const check = await runCli(['dev', 'check', '--project', 'example-project', '--key', keyFile, ...common]);
    expect(check.code).toBe(3);
    expect(check.stderr).toMatch(/timestamp\.json: not in/);
    const v = await runCli([
      'verify',
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      join(dir, 'metadata'),
    ]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(
      /note: no timestamp and snapshot checked: this folder has no freshness or rollback protection/,
    );
  });

  it('a snapshot entry is looked up by the role name as written, so a role whose name encodes differently is still version-checked', async () => {
    const files = await build({ sharded: false, takeover: false, project: 'example project' });
    expect([...files.keys()]).toContain('1.example%20project.json');
    // An older copy under the newer name: the version snapshot lists must be the one read.
    const old = targetsOf(1, undefined, new Map());
    await old.sign(developer, 'append');
    const stale = new Map(files);
    stale.set('1.example%20project.json', old.toBytes());
    const report = verifyRepository(files.get('1.root.json')!, mapSource(stale), { at: AT });
    expect(report.ok).toBe(false);
    expect(report.roles.find((r) => r.role === 'example project')!.problems[0]).toMatch(
      /1\.example%20project\.json: .* bytes|differs from/,
    );
    expect(verifyRepository(files.get('1.root.json')!, mapSource(files), { at: AT }).ok).toBe(true);
  });
});

describe('what a developer’s role can and cannot do to the audit', () => {
  it('a project role delegating `claimed` and another project to its own key is a warning, not a failure, and each file is read once', async () => {
    const files = await build({ sharded: false, takeover: false, mallory: true });
    const reads = new Map<string, number>();
    const source = mapSource(files);
    const counting = {
      names: source.names,
      read: (n: string) => (reads.set(n, (reads.get(n) ?? 0) + 1), source.read(n)),
    };
    const report = verifyRepository(files.get('1.root.json')!, counting, { at: AT });
    expect(report.roles.filter((r) => r.status === 'failed')).toEqual([]);
    expect(report.ok).toBe(true);
    const claimed = report.roles.find((r) => r.role === 'claimed')!;
    expect(claimed.delegators).toEqual(['targets', 'mallory']);
    expect(claimed.warnings!.join('\n')).toMatch(
      /1\.claimed\.json: 0 of 1 required signatures by the keys mallory delegates claimed to .*targets, whose delegation decides/,
    );
    expect(reads.get('1.claimed.json')).toBe(1);
    expect(reads.get('1.example-project.json')).toBe(1);
  });
});

describe('files no client would read as they stand', () => {
  it('a hash prefix longer than a SHA-256 matches nothing and is no crash', async () => {
    const files = await build({ sharded: false, takeover: false });
    const long = targetsOf(
      2,
      new Delegations(
        keysOf(developer),
        [role('example-project', developer, true, undefined, ['a'.repeat(65)])],
        undefined,
      ),
    );
    await long.sign(claimedSigner, 'append');
    const dir = writeFolder(new Map([...files, ['1.claimed.json', long.toBytes()]]));
    const r = await runCli([
      'verify-download',
      join(dir, 'download'),
      'https://x.example/y',
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      '--target-path',
      PATH,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('a metadata file of gigabytes is refused unread, naming it (exit 3)', async () => {
    const dir = writeFolder(await build({ sharded: false, takeover: false }));
    truncateSync(join(dir, 'metadata', 'timestamp.json'), 3 * 2 ** 30);
    const common = [
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
    ];
    const dl = await runCli([
      'verify-download',
      join(dir, 'download'),
      'https://x.example/y',
      ...common,
      '--target-path',
      PATH,
    ]);
    expect(dl.code).toBe(3);
    expect(dl.stderr).toMatch(/timestamp\.json: 3221225472 bytes, more than the 1048576 allowed for it/);
    const v = await runCli([
      'verify',
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      join(dir, 'metadata'),
    ]);
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/timestamp\.json: 3221225472 bytes/);
  });

  it('a root file past a missing version is reported, not skipped', async () => {
    const files = await build({ sharded: false, takeover: false });
    files.set('3.root.json', Buffer.from('{}'));
    const report = verifyRepository(files.get('1.root.json')!, mapSource(files), { at: AT });
    expect(report.ok).toBe(false);
    expect(report.roles[0]!.problems.join('\n')).toMatch(/3\.root\.json: root version 2 is missing/);
  });
});

/** The folder with claimed re-signed as `claimedVersion` and a new snapshot and timestamp of `version` listing it. */
async function republished(
  files: Map<string, Uint8Array>,
  version: number,
  claimedVersion: number,
): Promise<Map<string, Uint8Array>> {
  const out = new Map(files);
  const claimed = Metadata.fromBytes<Targets>(files.get('1.claimed.json')!, '1.claimed.json', 'targets').edit((t) => {
    t.version = claimedVersion;
  });
  await claimed.sign(claimedSigner, 'append');
  const claimedBytes = claimed.toBytes();
  out.set(`${claimedVersion}.claimed.json`, claimedBytes);
  const snapshot = Metadata.fromBytes<Snapshot>(files.get('1.snapshot.json')!, '1.snapshot.json', 'snapshot').edit(
    (sn) => {
      sn.version = version;
      sn.meta.set(
        'claimed.json',
        new MetaFile(claimedVersion, claimedBytes.length, { sha256: sha256Hex(claimedBytes) }),
      );
    },
  );
  await snapshot.sign(online, 'append');
  const snapBytes = snapshot.toBytes();
  out.set(`${version}.snapshot.json`, snapBytes);
  const timestamp = new Metadata(
    new Timestamp({
      version,
      expires: FAR,
      snapshotMeta: new MetaFile(version, snapBytes.length, { sha256: sha256Hex(snapBytes) }),
    }),
  );
  await timestamp.sign(online, 'append');
  out.set('timestamp.json', timestamp.toBytes());
  return out;
}

describe('rollback by the holder of the online keys, across runs', () => {
  it('with --state, a newer snapshot that lists an older claimed role is refused; without it, a fresh client cannot tell', async () => {
    const base = await build({ sharded: false, takeover: false });
    const current = writeFolder(await republished(base, 2, 2));
    // The attacker, holding the online keys, serves claimed v1 again under a newer snapshot.
    const rolledBack = writeFolder(await republished(base, 3, 1));
    const state = join(tmp, 'client-state');
    const args = (dir: string) => [
      'verify-download',
      join(dir, 'download'),
      'https://x.example/y',
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(current, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      '--target-path',
      PATH,
    ];
    const first = await runCli([...args(current), '--state', state]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const second = await runCli([...args(rolledBack), '--state', state]);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/3\.snapshot\.json: lists claimed\.json version 1, older than the trusted 2/);
    // The state still holds what was trusted, so the refusal repeats; the current folder still passes.
    expect((await runCli([...args(rolledBack), '--state', state])).code).toBe(3);
    expect((await runCli([...args(current), '--state', state])).code).toBe(0);
    expect((await runCli(args(rolledBack))).code).toBe(0);
  });
});

describe('hostile names', () => {
  it('a malformed or needless percent escape in a file name is a refusal naming the file, not an internal error', async () => {
    for (const name of ['1.%ZZ.json', '1.example%2Dproject.json', '1.%C3.json']) {
      const files = await build({ sharded: false, takeover: false });
      files.set(name, files.get('1.claimed.json')!);
      const dir = writeFolder(files);
      const r = await runCli([
        'verify',
        '--root',
        join(dir, 'trusted-1.root.json'),
        '--at',
        '2030-01-01',
        join(dir, 'metadata'),
      ]);
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(`✗ ${name}: not a metadata file name`);
    }
  });

  it('a file whose name is not UTF-8 is a refusal (exit 3) for verify and verify-download', async () => {
    const dir = writeFolder(await build({ sharded: false, takeover: false }));
    const raw = Buffer.concat([
      Buffer.from(join(dir, 'metadata') + '/'),
      Buffer.from([0x31, 0x2e, 0xff, 0xfe, 0x2e, 0x6a, 0x73, 0x6f, 0x6e]),
    ]);
    writeFileSync(raw, '{}');
    const v = await runCli([
      'verify',
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      join(dir, 'metadata'),
    ]);
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/a file name that is not UTF-8 text/);
    const dl = await runCli([
      'verify-download',
      join(dir, 'download'),
      `https://files.example.org/${PATH}`,
      '--metadata',
      join(dir, 'metadata'),
      '--root',
      join(dir, 'trusted-1.root.json'),
      '--at',
      '2030-01-01',
      '--target-path',
      PATH,
    ]);
    expect(dl.code).toBe(3);
    expect(dl.stderr).toMatch(/name is not UTF-8/);
  });
});

describe('size', () => {
  it('verify walks a claimed role of 200,000 delegations (more than one call can take as arguments)', async () => {
    const files = new Map(await build({ sharded: false, takeover: false }));
    const roles: DelegatedRole[] = [];
    for (let i = 0; i < 200_000; i++) roles.push(role(`project-${i}`, developer, true, [`project-${i}/*`]));
    roles.push(role('example-project', developer, true, ['example-project/*']));
    const claimed = targetsOf(2, new Delegations(keysOf(developer), roles, undefined));
    await claimed.sign(claimedSigner, 'append');
    files.set('2.claimed.json', claimed.toBytes());
    // An offline folder (no timestamp or snapshot): the newest claimed is read.
    files.delete('timestamp.json');
    files.delete('1.snapshot.json');
    const report = verifyRepository(files.get('1.root.json')!, mapSource(files), { at: AT });
    expect(report.roles.find((r) => r.role === 'claimed')!.file).toBe('2.claimed.json');
    expect(report.absentCount).toBe(200_000);
    expect(report.ok).toBe(true);
    const listed = verifyRepository(files.get('1.root.json')!, mapSource(files), { at: AT, listAbsent: true });
    expect(listed.absent).toHaveLength(200_000);
  });
});
