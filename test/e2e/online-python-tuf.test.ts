/**
 * python-tuf reads what the online side writes. python-tuf is not on npm: its client
 * (scripts/python-tuf/online-client.py, tuf.ngclient.Updater) read a repository this test builds
 * and downloaded a project's file through targets → claimed → project, refused a tampered copy,
 * and walked to unclaimed's succinct bins for a file nobody has; its report is committed in
 * test/generated/online-side/python-tuf.json beside the repository it read. Everything here is
 * deterministic (fixed seeds, Ed25519, one fixed time), so this test builds the repository again
 * with today's code and requires the same bytes, file by file: what python-tuf accepted is what
 * the tool still writes.
 *
 * To regenerate after a deliberate change of the format: TUF_WRITE_ONLINE_VECTOR=1 runs this
 * test once writing the repository into test/generated/online-side, then run the script as its
 * docstring says.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRepository } from '../../src/ceremony/state/repository-export.js';
import { Repository } from '../../src/ceremony/state/repository.js';
import { appendTranscript } from '../../src/ceremony/state/transcript.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { digestHex, sha256Hex } from '../../src/tuf/model/digest.js';
import { Metadata, Root, Targets } from '../../src/tuf/model/metadata.js';
import type { Key } from '../../src/tuf/model/key.js';
import { DelegatedRole, Delegations, Role } from '../../src/tuf/model/roles.js';
import { runCli } from '../helpers/cli.js';
import { planJson, signer } from '../requests/fixtures.js';

const VECTOR = join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'online-side');
const AT = '2030-01-02T00:00:00Z';
const FAR = new Date('2031-01-01T00:00:00Z');
const RELEASE = Buffer.from('demo 1.0, as its developer built it\n');
const PASSPHRASE = 'vector passphrase: heron cobalt 19 saffron';

let built: string;

async function cli(argv: string[]): Promise<void> {
  const r = await runCli(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

/** root → targets → claimed (2 of 2) → demo; recently-claimed and unclaimed online; all from fixed seeds. */
async function offlineRepository(dir: string): Promise<Repository> {
  const plan: Record<string, unknown> = { ...planJson(), project_paths: ['{project}/*'] };
  (plan['online'] as Record<string, unknown>)['unclaimed'] = {
    key: 'online.pub.json',
    succinct_bins: { bit_length: 1 },
  };
  const repo = Repository.create(dir, Buffer.from(JSON.stringify(plan, null, 2)));
  const [alice, bob, targetsKey, claimedA, claimedB, online, developer] = [1, 2, 3, 4, 5, 6, 8].map((n) => signer(n));
  const table = (...s: Array<{ key: Key }>) => new Map(s.map((x) => [x.key.keyid, x.key]));
  const root = new Metadata(
    new Root({
      version: 1,
      expires: FAR,
      consistentSnapshot: true,
      keys: table(alice!, bob!, targetsKey!, online!),
      roles: {
        root: new Role([alice!.key.keyid, bob!.key.keyid], 2),
        targets: new Role([targetsKey!.key.keyid], 1),
        snapshot: new Role([online!.key.keyid], 1),
        timestamp: new Role([online!.key.keyid], 1),
      },
    }),
  );
  for (const s of [alice!, bob!]) await root.sign(s, 'append');
  repo.writeVersion('root', root);
  const claimedIds = [claimedA!.key.keyid, claimedB!.key.keyid];
  const targets = new Metadata(
    new Targets({
      version: 1,
      expires: FAR,
      delegations: new Delegations(
        table(claimedA!, claimedB!, online!),
        [
          new DelegatedRole('claimed', claimedIds, 2, false, ['*/*'], undefined),
          new DelegatedRole('recently-claimed', [online!.key.keyid], 1, false, ['*/*'], undefined),
          new DelegatedRole('unclaimed', [online!.key.keyid], 1, false, ['*/*'], undefined),
        ],
        undefined,
      ),
    }),
  );
  await targets.sign(targetsKey!, 'append');
  repo.writeVersion('targets', targets);
  const claimed = new Metadata(
    new Targets({
      version: 1,
      expires: FAR,
      delegations: new Delegations(
        table(developer!),
        [new DelegatedRole('demo', [developer!.key.keyid], 1, true, ['demo/*'], undefined)],
        undefined,
      ),
    }),
  );
  for (const s of [claimedA!, claimedB!]) await claimed.sign(s, 'append');
  repo.writeVersion('claimed', claimed);
  return repo;
}

/** The whole chain, with the CLI: bundle, online init and import, dev sign, online upload and publish. */
async function buildRepository(work: string): Promise<string> {
  const repo = await offlineRepository(join(work, 'repo'));
  // A bundle carries the ceremony's transcript, ending at its head (docs/formats/bundle.md).
  appendTranscript(repo.dir, { step: 'init', time: AT, inputs: {}, outputs: {} });
  mkdirSync(join(work, 'medium'));
  const bundle = await exportRepository(repo, { to: join(work, 'medium'), toolVersion: 'test', now: new Date(AT) });
  writeFileSync(join(work, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
  const fast = { scrypt: { n: 2 ** 14, r: 8, p: 1 } };
  writeEncryptedKeyFile(join(work, 'online.key.json'), signer(6), PASSPHRASE, fast);
  writeEncryptedKeyFile(join(work, 'developer.key.json'), signer(8), PASSPHRASE, fast);
  const state = join(work, 'online');
  const at = ['--at', AT];
  const publish = [
    'online',
    'publish',
    '--state',
    state,
    '--key',
    join(work, 'online.key.json'),
    '--passphrase-file',
    join(work, 'passphrase'),
    ...at,
  ];
  await cli([
    'online',
    'init',
    '--state',
    state,
    '--root',
    join(repo.metadataDir, '1.root.json'),
    '--plan',
    join(repo.dir, 'plan.json'),
  ]);
  await cli(['online', 'import', bundle.dir, '--state', state, ...at]);
  await cli(publish);
  writeFileSync(join(work, 'newcomer.pub.json'), serializeJson(signer(21).key.toJSON()));
  await cli([
    'online',
    'register',
    '--state',
    state,
    '--project',
    'newcomer',
    '--key',
    join(work, 'newcomer.pub.json'),
    ...at,
  ]);
  mkdirSync(join(work, 'dist'));
  writeFileSync(join(work, 'dist', 'demo-1.0.tar.gz'), RELEASE);
  const signed = await runCli([
    'dev',
    'sign',
    '--project',
    'demo',
    '--files',
    join(work, 'dist', 'demo-1.0.tar.gz'),
    '--key',
    join(work, 'developer.key.json'),
    '--passphrase-file',
    join(work, 'passphrase'),
    '--out',
    join(work, 'upload'),
    '--metadata',
    join(state, 'repository', 'metadata'),
    '--root',
    join(repo.metadataDir, '1.root.json'),
    ...at,
  ]);
  if (signed.code !== 0) throw new Error(signed.stderr);
  await cli(['online', 'upload', join(work, 'upload.zip'), '--state', state, ...at]);
  await cli(publish);
  return join(state, 'repository');
}

/** Every file under `dir` by its path relative to it. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'online-vector-'));
  built = await buildRepository(work);
  if (process.env['TUF_WRITE_ONLINE_VECTOR'] === '1') {
    rmSync(join(VECTOR, 'repository'), { recursive: true, force: true });
    mkdirSync(VECTOR, { recursive: true });
    cpSync(built, join(VECTOR, 'repository'), { recursive: true });
  }
}, 120_000);

describe('python-tuf reads the online side', () => {
  it('the repository python-tuf read is, byte for byte, what the online side writes today', () => {
    const want = filesOf(join(VECTOR, 'repository'));
    const got = filesOf(built);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [name, bytes] of want) expect(got.get(name)!.equals(bytes), name).toBe(true);
  });

  it('python-tuf downloaded demo-1.0 through targets → claimed → demo, refused a tampered copy, and walked the bins', () => {
    expect(existsSync(join(VECTOR, 'python-tuf.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(VECTOR, 'python-tuf.json'), 'utf8'));
    expect(report.python_tuf).toBe('5.1.0');
    expect(report.downloaded_sha256).toBe(sha256Hex(RELEASE));
    expect(report.target).toEqual({
      path: 'demo/demo-1.0.tar.gz',
      length: RELEASE.length,
      hashes: expect.objectContaining({ sha256: sha256Hex(RELEASE) }),
    });
    expect(Object.keys(report.target.hashes).sort()).toEqual(['blake2b-256', 'sha256']);
    expect(report.tampered).toBe('refused: LengthOrHashMismatchError');
    expect(report.requested).toEqual(
      expect.arrayContaining([
        'metadata/timestamp.json',
        'metadata/1.claimed.json',
        'metadata/1.demo.json',
        'metadata/1.unclaimed-bins-0.json',
        // python-tuf asks for the file under its first hash's name (blake2b-256, in key order).
        `targets/demo/${digestHex('blake2b-256', RELEASE)!}.demo-1.0.tar.gz`,
      ]),
    );
    expect(report.absent).toBeNull();
  });
});
