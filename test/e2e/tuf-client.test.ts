/**
 * End to end with a real TUF client (tuf-js). The offline side runs the ceremony on SoftHSM tokens
 * (bootstrap, a developer's delegation request claimed, later a root rotation and a claimed
 * re-sign) and exports bundles; the online side imports them with the CLI, adds the developer's
 * project role, recently-claimed, snapshot and timestamp signed with the online keys, and serves
 * the folder on 127.0.0.1. The tuf-js Updater refreshes from 1.root.json and downloads a target
 * of the claimed project through targets → claimed → project; it follows the new root; and it
 * refuses a repository made from a tampered bundle.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { claimFromRequests } from '../../src/ceremony/claims/intake-claim.js';
import { createResignEvent } from '../../src/ceremony/lifecycle/resign.js';
import { createKeyChangeEvent } from '../../src/ceremony/lifecycle/rotate-event.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { generateTokenKey } from '../../src/keys/token-keys.js';
import { pinSource } from '../../src/keys/pin.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import {
  Metadata,
  MetaFile,
  Snapshot,
  TargetFile,
  Targets,
  Timestamp,
  type Root,
} from '../../src/tuf/model/metadata.js';
import { Delegations } from '../../src/tuf/model/roles.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, signAs, type Bootstrapped } from '../maintenance/fixture.js';
import { holderTokens, type HolderTokens } from '../maintenance/tokens.js';
import { writeRequest } from '../requests/fixtures.js';

const TARGET = 'demo/demo-1.0.tar.gz';
const TARGET_BYTES = Buffer.from('the demo release 1.0, as its developer built it\n');
const ONLINE_EXPIRES = day(365);

let t: HolderTokens;
let b: Bootstrapped;
let server: Server;
let baseUrl: string;
let work: string;
const developer = Ed25519Signer.generate('developer of demo');
/** The folder each test serves: `<served>/metadata` and `<served>/targets`. */
let served: string;
let secondBundle: string;

function serve(dir: string): void {
  served = dir;
}

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol', 'dave']);
  b = await bootstrap(t.provider, { dir: t.fx.dir, period: '365d' });
  work = join(b.dir, 'e2e');
  mkdirSync(work);
  // The developer asks for "demo"; the admins claim it (claimed v2), signed on two tokens.
  const requests = join(work, 'requests');
  await writeRequest(requests, 'demo.json', { project: 'demo', signers: [developer] }, day(1));
  const claim = claimFromRequests(b.repo, {
    requestsDir: requests,
    noOnlineCheck: 'no online service in this test',
    allowRekey: false,
    at: day(1),
    eventDir: join(work, 'claim-event'),
  });
  expect(claim.event).toBeDefined();
  await signAs(claim.event!, ['alice', 'bob'], t.provider);
  finalizeEvent(b.repo, SigningEvent.load(claim.event!.dir), { at: day(1) });

  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!/^\/(metadata|targets)\//.test(path) || path.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(served, path));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  t?.fx.cleanup();
});

/** Export a bundle from the offline repository with the CLI; returns the bundle folder. */
async function exportBundle(name: string): Promise<string> {
  const r = await runCli(['bundle', 'export', '--repo', b.repoDir, '--to', join(work, name), '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).bundle;
}

const versionsOf = (dir: string, role: string): number[] =>
  readdirSync(dir)
    .map((n) => new RegExp(`^(\\d+)\\.${role}\\.json$`).exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((x, y) => x - y);

/**
 * The online service's part: the developer's project role, an empty recently-claimed, snapshot
 * and timestamp over what the metadata folder holds, and the target under its hash-prefixed name.
 */
async function publishOnline(dir: string, version: number): Promise<void> {
  const metadata = join(dir, 'metadata');
  if (versionsOf(metadata, 'demo').length === 0) {
    const project = new Metadata(
      new Targets({
        version: 1,
        expires: ONLINE_EXPIRES,
        targets: new Map([[TARGET, new TargetFile(TARGET_BYTES.length, { sha256: sha256Hex(TARGET_BYTES) })]]),
      }),
    );
    await project.sign(developer, 'append');
    writeFileSync(join(metadata, '1.demo.json'), project.toBytes());
    const rc = new Metadata(
      new Targets({ version: 1, expires: ONLINE_EXPIRES, delegations: new Delegations(new Map(), [], undefined) }),
    );
    await rc.sign(b.online['recently-claimed']!, 'append');
    writeFileSync(join(metadata, '1.recently-claimed.json'), rc.toBytes());
    mkdirSync(join(dir, 'targets', 'demo'), { recursive: true });
    writeFileSync(join(dir, 'targets', 'demo', `${sha256Hex(TARGET_BYTES)}.demo-1.0.tar.gz`), TARGET_BYTES);
  }
  const meta = new Map<string, MetaFile>();
  for (const role of ['targets', 'claimed', 'recently-claimed', 'demo'])
    meta.set(`${role}.json`, new MetaFile(versionsOf(metadata, role).at(-1)!));
  const snapshot = new Metadata(new Snapshot({ version, expires: ONLINE_EXPIRES, meta }));
  await snapshot.sign(b.online['snapshot']!, 'append');
  const snapshotBytes = snapshot.toBytes();
  writeFileSync(join(metadata, `${version}.snapshot.json`), snapshotBytes);
  const timestamp = new Metadata(
    new Timestamp({
      version,
      expires: ONLINE_EXPIRES,
      snapshotMeta: new MetaFile(version, snapshotBytes.length, { sha256: sha256Hex(snapshotBytes) }),
    }),
  );
  await timestamp.sign(b.online['timestamp']!, 'append');
  writeFileSync(join(metadata, 'timestamp.json'), timestamp.toBytes());
}

/** A tuf-js client that trusts 1.root.json (kept in `clientDir` between refreshes). */
function client(clientDir: string): Updater {
  if (!readdirSync(work).includes(clientDir)) {
    mkdirSync(join(work, clientDir, 'targets'), { recursive: true });
    writeFileSync(join(work, clientDir, 'root.json'), b.repo.readBytes('root', 1));
  }
  return new Updater({
    metadataDir: join(work, clientDir),
    metadataBaseUrl: `${baseUrl}/metadata`,
    targetBaseUrl: `${baseUrl}/targets`,
    targetDir: join(work, clientDir, 'targets'),
  });
}

async function download(updater: Updater, to: string): Promise<Buffer> {
  await updater.refresh();
  const info = await updater.getTargetInfo(TARGET);
  expect(info, `tuf-js finds ${TARGET}`).toBeDefined();
  return readFileSync(await updater.downloadTarget(info!, to));
}

describe('a real TUF client over bundles from the ceremony', () => {
  const online = () => join(work, 'online');
  const importArgs = (bundle: string) => [
    'bundle',
    'import',
    bundle,
    '--root',
    join(online(), 'trusted-1.root.json'),
    '--into',
    join(online(), 'metadata'),
  ];

  it('downloads a target of a claimed project through targets → claimed → project role, from 1.root.json', async () => {
    mkdirSync(online());
    // The online side was given root v1 out of band when the repository was set up.
    writeFileSync(join(online(), 'trusted-1.root.json'), b.repo.readBytes('root', 1));
    const bundle = await exportBundle('medium-1');
    const imported = await runCli(importArgs(bundle));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/OK: sequence 1 imported/);
    await publishOnline(online(), 1);
    serve(online());

    const bytes = await download(client('client-a'), join(work, 'client-a', 'targets', 'demo-1.0.tar.gz'));
    expect(bytes.equals(TARGET_BYTES)).toBe(true);

    // The downstream checks agree with the client on the served folder.
    const check = await runCli([
      'verify-download',
      join(work, 'client-a', 'targets', 'demo-1.0.tar.gz'),
      `${baseUrl}/targets/demo/demo-1.0.tar.gz`,
      '--metadata',
      join(online(), 'metadata'),
      '--root',
      join(online(), 'trusted-1.root.json'),
    ]);
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(/is demo\/demo-1\.0\.tar\.gz as listed by demo \(targets → claimed → demo\)/);
    writeFileSync(join(work, 'developer.pub.json'), JSON.stringify(developer.key.toJSON()));
    const dev = await runCli([
      'dev',
      'check',
      '--project',
      'Demo',
      '--key',
      join(work, 'developer.pub.json'),
      '--threshold',
      '1',
      '--metadata',
      join(online(), 'metadata'),
      '--root',
      join(online(), 'trusted-1.root.json'),
    ]);
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/^OK: demo is delegated through targets → claimed → demo to exactly your 1 key/);
  });

  it('follows a root rotation and a claimed re-sign carried by the next bundle', async () => {
    // Root rotation: carol's root key is replaced by dave's, made on dave's token; 2 of the old and 2 of the new sign.
    const root1 = b.repo.current<Root>('root').signed;
    const carol = root1.roles.root.keyids.find(
      (id) => root1.keys.get(id)!.unrecognized['x-ceremony-owner'] === 'carol',
    )!;
    const dave = await generateTokenKey(t.profile, 'dave', 'root', 'ed25519', 'root-dave', pinSource({}));
    const rotation = createKeyChangeEvent(b.repo, join(work, 'rotate-event'), {
      kind: 'rotate',
      description: 'carol hands her root key to dave',
      changes: [{ role: 'root', add: [dave.key], remove: [carol] }],
      at: day(30),
    });
    await signAs(rotation.event, ['alice', 'bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(rotation.event.dir), { at: day(30) });
    // claimed re-signed (version and expiry bumped, content unchanged).
    const resign = join(work, 'resign-event');
    createResignEvent(b.repo, resign, { at: day(31), only: ['claimed'] });
    await signAs(SigningEvent.load(resign), ['alice', 'bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(resign), { at: day(31) });
    expect([b.repo.currentVersion('root'), b.repo.currentVersion('claimed')]).toEqual([2, 3]);

    const bundle = await exportBundle('medium-2');
    secondBundle = bundle;
    expect(readdirSync(bundle).sort()).toEqual(
      [
        '1.root.json',
        '2.root.json',
        '1.targets.json',
        '3.claimed.json',
        'bundle.json',
        'bundle.png',
        'transcript.jsonl',
      ].sort(),
    );
    const imported = await runCli([...importArgs(bundle), '--json']);
    expect(imported.code).toBe(0);
    const doc = JSON.parse(imported.stdout);
    const published = join(online(), 'metadata');
    expect(doc.imported).toEqual(
      expect.arrayContaining([
        { name: '2.root.json', action: 'new', path: join(published, '2.root.json') },
        { name: '3.claimed.json', action: 'new', path: join(published, '3.claimed.json') },
        { name: '1.root.json', action: 'same', path: join(published, '1.root.json') },
        { name: 'transcript.jsonl', action: 'replace', path: join(`${published}.records`, 'transcript.jsonl') },
      ]),
    );
    // The rotation: the import names the root the online side trusts from now on.
    expect(doc.next_root).toMatchObject({
      file: '2.root.json',
      version: 2,
      sha256: sha256Hex(b.repo.readBytes('root', 2)),
    });
    await publishOnline(online(), 2);

    // The client that trusted root v1 moves to root v2, and still gets the target.
    const bytes = await download(client('client-a'), join(work, 'client-a', 'targets', 'again.tar.gz'));
    expect(bytes.equals(TARGET_BYTES)).toBe(true);
    expect(JSON.parse(readFileSync(join(work, 'client-a', 'root.json'), 'utf8')).signed.version).toBe(2);
    // The root tuf-js now trusts is, byte for byte, the one the import said to trust next.
    expect(sha256Hex(readFileSync(join(work, 'client-a', 'root.json')))).toBe(doc.next_root.sha256);
    expect(JSON.parse(readFileSync(join(work, 'client-a', 'claimed.json'), 'utf8')).signed.version).toBe(3);
    // A new client from 1.root.json follows the chain too.
    expect((await download(client('client-b'), join(work, 'client-b', 'targets', 'x'))).equals(TARGET_BYTES)).toBe(
      true,
    );
  });

  it('refuses a tampered bundle file: the import says why, and a client served it refuses', async () => {
    const bundle = secondBundle;
    const tampered = join(work, 'tampered-bundle');
    cpSync(bundle, tampered, { recursive: true });
    const claimedPath = join(tampered, '3.claimed.json');
    const claimed = readFileSync(claimedPath);
    const at = claimed.indexOf('"demo/*"');
    expect(at).toBeGreaterThan(0);
    claimed[at + 1] = 'D'.charCodeAt(0);
    rmSync(claimedPath);
    writeFileSync(claimedPath, claimed);

    const other = join(work, 'online-other');
    mkdirSync(join(other, 'metadata'), { recursive: true });
    const refused = await runCli([
      'bundle',
      'import',
      tampered,
      '--root',
      join(online(), 'trusted-1.root.json'),
      '--into',
      join(other, 'metadata'),
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^tuf-ceremony bundle import: 3\.claimed\.json: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} in the manifest\n$/,
    );
    expect(readdirSync(join(other, 'metadata'))).toEqual([]);

    // Bypass the import: serve the tampered files as they are.
    for (const name of readdirSync(tampered))
      if (name.endsWith('.json') && name !== 'bundle.json') cpSync(join(tampered, name), join(other, 'metadata', name));
    await publishOnline(other, 1);
    serve(other);
    await expect(download(client('client-c'), join(work, 'client-c', 'targets', 'y'))).rejects.toThrow(
      /claimed was signed by 0\/2 keys/,
    );
    serve(online());
  });
});
