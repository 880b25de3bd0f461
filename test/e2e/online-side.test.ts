/**
 * The reference online side (`tuf-ceremony online …`) end to end, read by a real TUF client
 * (tuf-js). The offline side runs the ceremony on SoftHSM tokens (bootstrap, a project claimed,
 * later a root rotation and a claimed re-sign) and exports bundles; the online side imports them,
 * takes in the developer's upload from `dev sign`, signs snapshot, timestamp, recently-claimed and
 * unclaimed with its key files and writes a consistent-snapshot repository, served on 127.0.0.1.
 * The tuf-js Updater downloads the project's file through targets → claimed → project, follows
 * the root rotation and the claimed re-sign. Hostile input: a tampered bundle, a replayed one, a
 * clock set back.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { TargetFile } from '@tufjs/models';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { claimFromRequests } from '../../src/ceremony/claims/intake-claim.js';
import { createResignEvent } from '../../src/ceremony/lifecycle/resign.js';
import { createKeyChangeEvent } from '../../src/ceremony/lifecycle/rotate-event.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import { generateTokenKey } from '../../src/keys/token-keys.js';
import { pinSource } from '../../src/keys/pin.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import type { Root } from '../../src/tuf/model/metadata.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, iso, signAs, type Bootstrapped } from '../maintenance/fixture.js';
import { holderTokens, type HolderTokens } from '../maintenance/tokens.js';
import { writeRequest } from '../requests/fixtures.js';

const RELEASE = Buffer.from('the demo release 1.0, as its developer built it\n');
const TARGET = 'demo/demo-1.0.tar.gz';
/** Key files in tests: the cheapest scrypt cost the reader accepts. */
const FAST_SCRYPT = { scrypt: { n: 2 ** 14, r: 8, p: 1 } };
const PASSPHRASE = 'online-side test passphrase: quartz lantern 7 orbit';

let t: HolderTokens;
let b: Bootstrapped;
let server: Server;
let baseUrl: string;
let work: string;
let state: string;
let served: string;
const developer = Ed25519Signer.generate('developer of demo');
const newcomer = Ed25519Signer.generate('developer of newcomer');
const keyArgs: string[] = [];

const at = (n: number) => ['--at', iso(day(n))];

async function ok(argv: string[]): Promise<string> {
  const r = await runCli(argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r.stdout;
}

async function exportBundle(name: string): Promise<string> {
  return JSON.parse(await ok(['bundle', 'export', '--repo', b.repoDir, '--to', join(work, name), '--json'])).bundle;
}

const publish = (n: number) => ok(['online', 'publish', '--state', state, ...keyArgs, ...at(n), '--json']);

function client(name: string): Updater {
  const dir = join(work, name);
  if (!readdirSync(work).includes(name)) {
    mkdirSync(join(dir, 'targets'), { recursive: true });
    writeFileSync(join(dir, 'root.json'), b.repo.readBytes('root', 1));
  }
  return new Updater({
    metadataDir: dir,
    metadataBaseUrl: `${baseUrl}/metadata`,
    targetBaseUrl: `${baseUrl}/targets`,
    targetDir: join(dir, 'targets'),
  });
}

async function download(updater: Updater, to: string): Promise<Buffer> {
  await updater.refresh();
  const info = await updater.getTargetInfo(TARGET);
  expect(info, `tuf-js finds ${TARGET}`).toBeDefined();
  // dev sign lists sha256 and blake2b-256 (PEP 458); tuf-js 4 verifies every listed hash and knows
  // no blake2b-256, so its download checks the sha256 it found through the chain, and fetches
  // the file under that hash's name (the online side writes one per listed hash).
  expect(Object.keys(info!.hashes).sort()).toEqual(['blake2b-256', 'sha256']);
  const sha256Only = new TargetFile({
    path: info!.path,
    length: info!.length,
    hashes: { sha256: info!.hashes['sha256']! },
  });
  return readFileSync(await updater.downloadTarget(sha256Only, to));
}

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol', 'dave']);
  b = await bootstrap(t.provider, { dir: t.fx.dir, period: '365d' });
  work = join(b.dir, 'online-e2e');
  mkdirSync(work);
  const requests = join(work, 'requests');
  await writeRequest(requests, 'demo.json', { project: 'demo', signers: [developer] }, day(1));
  const claim = claimFromRequests(b.repo, {
    requestsDir: requests,
    noOnlineCheck: 'no online service yet in this test',
    allowRekey: false,
    at: day(1),
    eventDir: join(work, 'claim-event'),
  });
  await signAs(claim.event!, ['alice', 'bob'], t.provider);
  finalizeEvent(b.repo, SigningEvent.load(claim.event!.dir), { at: day(1) });
  // The online keys and the developer's key, as encrypted key files the tool reads.
  const pass = join(work, 'passphrase');
  writeFileSync(pass, `${PASSPHRASE}\n`, { mode: 0o600 });
  for (const [role, signer] of Object.entries(b.online)) {
    const file = join(work, `online-${role}.key.json`);
    writeEncryptedKeyFile(file, signer, PASSPHRASE, FAST_SCRYPT);
    keyArgs.push('--key', file, '--passphrase-file', pass);
  }
  writeEncryptedKeyFile(join(work, 'developer.key.json'), developer, PASSPHRASE, FAST_SCRYPT);
  writeFileSync(join(work, 'demo-1.0.tar.gz'), RELEASE);
  state = join(work, 'online');
  served = join(state, 'repository');
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      if (!/^\/(metadata|targets)\//.test(path) || path.includes('..')) throw new Error('not served');
      const body = readFileSync(join(served, path));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  t?.fx.cleanup();
});

describe('the reference online side, read by tuf-js', () => {
  it("publishes a bundle and a developer's upload; tuf-js downloads through targets → claimed → demo", async () => {
    writeFileSync(join(work, 'trusted-1.root.json'), b.repo.readBytes('root', 1));
    const init = await ok([
      'online',
      'init',
      '--state',
      state,
      '--root',
      join(work, 'trusted-1.root.json'),
      '--plan',
      join(b.dir, 'plan.json'),
      '--timestamp-expires',
      '7d',
    ]);
    expect(init).toMatch(/trusting root v1/);
    const imported = await ok(['online', 'import', await exportBundle('medium-1'), '--state', state, ...at(1)]);
    expect(imported).toMatch(/OK: sequence 1 taken into/);
    const first = JSON.parse(await publish(1));
    expect(first.roles.filter((r: { signed: boolean }) => r.signed).map((r: { role: string }) => r.role)).toEqual([
      'recently-claimed',
      'unclaimed',
      'snapshot',
      'timestamp',
    ]);
    expect(first.written.at(-1)).toBe('timestamp.json');

    // The developer signs a release against what the online side published, and uploads it.
    const upload = join(work, 'upload-1');
    const signed = await runCli([
      'dev',
      'sign',
      '--project',
      'demo',
      '--files',
      join(work, 'demo-1.0.tar.gz'),
      '--key',
      join(work, 'developer.key.json'),
      '--passphrase-file',
      join(work, 'passphrase'),
      '--out',
      upload,
      '--metadata',
      join(served, 'metadata'),
      '--root',
      join(work, 'trusted-1.root.json'),
      ...at(1),
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const taken = JSON.parse(await ok(['online', 'upload', `${upload}.zip`, '--state', state, ...at(1), '--json']));
    expect(taken.chain).toEqual(['targets', 'claimed', 'demo']);
    expect(taken.written).toContain('metadata/1.demo.json');
    const second = JSON.parse(await publish(2));
    expect(second.roles.find((r: { role: string }) => r.role === 'snapshot')).toMatchObject({
      version: 2,
      signed: true,
    });
    expect(second.roles.find((r: { role: string }) => r.role === 'unclaimed')).toMatchObject({
      version: 1,
      signed: false,
    });

    const bytes = await download(client('client-a'), join(work, 'client-a', 'targets', 'demo-1.0.tar.gz'));
    expect(bytes.equals(RELEASE)).toBe(true);
    // verify-download agrees with tuf-js on the published folder, and refuses a tampered copy.
    const verifyArgs = (file: string) => [
      'verify-download',
      file,
      `${baseUrl}/targets/${TARGET}`,
      '--metadata',
      join(served, 'metadata'),
      '--root',
      join(work, 'trusted-1.root.json'),
    ];
    expect(await ok(verifyArgs(join(work, 'client-a', 'targets', 'demo-1.0.tar.gz')))).toMatch(
      /targets → claimed → demo/,
    );
    // Under the release's own name, as pip saves what a hostile mirror served.
    mkdirSync(join(work, 'tampered'));
    const tampered = join(work, 'tampered', 'demo-1.0.tar.gz');
    writeFileSync(tampered, Buffer.concat([RELEASE.subarray(0, -1), Buffer.from('!')]));
    const refused = await runCli(verifyArgs(tampered));
    expect(refused.code).toBe(3);
  });

  it('follows a root rotation and a claimed re-sign that the next bundle carries', async () => {
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
    const resign = join(work, 'resign-event');
    createResignEvent(b.repo, resign, { at: day(31), only: ['claimed'] });
    await signAs(SigningEvent.load(resign), ['alice', 'bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(resign), { at: day(31) });

    const imported = await ok(['online', 'import', await exportBundle('medium-2'), '--state', state, ...at(31)]);
    expect(imported).toMatch(/root v2 is now the root the online side trusts \(it was v1\)/);
    const third = JSON.parse(await publish(31));
    expect(third.root_version).toBe(2);
    // The new root becomes visible just before the timestamp, after everything it vouches for.
    expect(third.written.slice(-2)).toEqual(['2.root.json', 'timestamp.json']);

    const bytes = await download(client('client-a'), join(work, 'client-a', 'targets', 'again.tar.gz'));
    expect(bytes.equals(RELEASE)).toBe(true);
    expect(JSON.parse(readFileSync(join(work, 'client-a', 'root.json'), 'utf8')).signed.version).toBe(2);
    expect(JSON.parse(readFileSync(join(work, 'client-a', 'claimed.json'), 'utf8')).signed.version).toBe(3);
    expect((await download(client('client-b'), join(work, 'client-b', 'targets', 'x'))).equals(RELEASE)).toBe(true);
  });

  it('hands recently-claimed to bundle export-online, and the offline side takes it in', async () => {
    writeFileSync(join(work, 'newcomer.pub.json'), serializeJson(newcomer.key.toJSON()));
    await ok([
      'online',
      'register',
      '--state',
      state,
      '--project',
      'NewComer',
      '--key',
      join(work, 'newcomer.pub.json'),
      ...at(32),
    ]);
    // Registered with other keys: refused, keys change only at a claim ceremony.
    const other = Ed25519Signer.generate();
    writeFileSync(join(work, 'other.pub.json'), serializeJson(other.key.toJSON()));
    const rekey = await runCli([
      'online',
      'register',
      '--state',
      state,
      '--project',
      'newcomer',
      '--key',
      join(work, 'other.pub.json'),
      ...at(32),
    ]);
    expect(rekey.code).toBe(5);
    expect(rekey.stderr).toMatch(/newcomer was registered on .* with other keys/);
    const claimed = await runCli([
      'online',
      'register',
      '--state',
      state,
      '--project',
      'demo',
      '--key',
      join(work, 'other.pub.json'),
      ...at(32),
    ]);
    expect(claimed.code).toBe(5);
    expect(claimed.stderr).toMatch(/demo is claimed already/);

    const published = JSON.parse(await publish(32));
    const rc = published.roles.find((r: { role: string }) => r.role === 'recently-claimed');
    expect(rc.signed).toBe(true);
    const medium = join(work, 'medium-online');
    mkdirSync(medium);
    const exported = JSON.parse(
      await ok([
        'bundle',
        'export-online',
        '--from',
        join(served, 'metadata'),
        '--to',
        medium,
        '--log',
        join(state, 'exports.json'),
        '--json',
      ]),
    );
    expect(exported.files).toContain(`${rc.version}.recently-claimed.json`);
    const back = await runCli(['bundle', 'import', exported.bundle, '--repo', b.repoDir, ...at(32)]);
    expect(back.code, back.stderr).toBe(0);
    expect(readdirSync(join(b.repoDir, 'online'))).toContain(`${rc.version}.recently-claimed.json`);
  });

  it('refuses a tampered bundle and a replayed one, and its versions only go up', async () => {
    const before = readdirSync(join(state, 'offline')).sort();
    const tampered = join(work, 'tampered-bundle');
    cpSync(join(work, 'medium-2'), tampered, { recursive: true });
    const claimedPath = join(tampered, '3.claimed.json');
    const bytes = readFileSync(claimedPath);
    bytes[bytes.indexOf('"demo/*"') + 1] = 'D'.charCodeAt(0);
    rmSync(claimedPath);
    writeFileSync(claimedPath, bytes);
    const refused = await runCli(['online', 'import', tampered, '--state', state, ...at(33)]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/3\.claimed\.json: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} in the manifest/);
    const replayed = await runCli(['online', 'import', join(work, 'medium-1'), '--state', state, ...at(33)]);
    expect(replayed.code).toBe(3);
    expect(replayed.stderr).toMatch(/the bundle's newest root is version 1, older than the trusted root version 2/);
    expect(readdirSync(join(state, 'offline')).sort()).toEqual(before);

    // A clock set back a month: the timestamp still goes one up, and a client that saw the last one follows.
    const timestampVersion = () =>
      JSON.parse(readFileSync(join(served, 'metadata', 'timestamp.json'), 'utf8')).signed.version;
    const last = timestampVersion();
    await publish(3);
    expect(timestampVersion()).toBe(last + 1);
    expect((await download(client('client-a'), join(work, 'client-a', 'targets', 'late.tar.gz'))).equals(RELEASE)).toBe(
      true,
    );
  });

  it('a claim ceremony takes the registration from the online list, and the next publish drops it from recently-claimed', async () => {
    // The developer's request, checked at the claim ceremony against the list bundle export-online carried (PEP 480).
    const requests = join(work, 'requests-2');
    await writeRequest(requests, 'newcomer.json', { project: 'NewComer', signers: [newcomer] }, day(33));
    const claim = claimFromRequests(b.repo, {
      requestsDir: requests,
      allowRekey: false,
      at: day(33),
      eventDir: join(work, 'claim-event-2'),
    });
    expect(claim.intake.decisions.files.map((f) => [f.project, f.decision])).toEqual([['newcomer', 'add']]);
    expect(claim.intake.onlineCheckSkipped).toBeUndefined();
    expect([...claim.intake.online!.projects.keys()]).toEqual(['newcomer']);
    await signAs(claim.event!, ['alice', 'bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(claim.event!.dir), { at: day(33) });

    await ok(['online', 'import', await exportBundle('medium-3'), '--state', state, ...at(33)]);
    const published = JSON.parse(await publish(33));
    expect(published.left_recently_claimed).toEqual(['newcomer']);
    const rc = published.roles.find((r: { role: string }) => r.role === 'recently-claimed');
    const rcJson = JSON.parse(readFileSync(join(served, 'metadata', `${rc.version}.recently-claimed.json`), 'utf8'));
    expect(rcJson.signed.delegations.roles).toEqual([]);
    const config = JSON.parse(readFileSync(join(state, 'online.json'), 'utf8'));
    expect(config.recently_claimed).toEqual({});
    // The client finds newcomer through claimed now.
    const dev = await runCli([
      'dev',
      'check',
      '--project',
      'newcomer',
      '--key',
      join(work, 'newcomer.pub.json'),
      '--metadata',
      join(served, 'metadata'),
      '--root',
      join(work, 'trusted-1.root.json'),
      ...at(33),
    ]);
    expect(dev.stdout).toMatch(/^OK: newcomer is delegated through targets → claimed → newcomer/);
  });
});
