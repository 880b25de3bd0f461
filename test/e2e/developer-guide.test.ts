/**
 * docs/developer-guide.md, run as written: every `tuf-ceremony` command of its code blocks, in
 * order, in a fresh folder, with a key file and a key on a SoftHSM token (threshold 2). Between the
 * developer's steps the admins run their claim ceremony on SoftHSM tokens (claim, event sign,
 * finalize) and the online side publishes the repository on 127.0.0.1 with snapshot and timestamp,
 * first without the project's role, then with the uploaded release. The only changes to the
 * guide's commands: the URL and `~` point here, and key file passphrases come from a file.
 * At the end a tuf-js client installs the release through the same server.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, MetaFile, Snapshot, Targets, Timestamp } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../src/tuf/model/roles.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, type Bootstrapped } from '../maintenance/fixture.js';
import { holderTokens, type HolderTokens } from '../maintenance/tokens.js';
import { RepoServer } from './hostile/harness.js';
import type { WrittenRepo } from './hostile/repo.js';

const GUIDE = resolve(import.meta.dirname, '..', '..', 'docs', 'developer-guide.md');
const GUIDE_URL = 'https://index.example.org/tuf/metadata';
const PROJECT = 'my-project';
const SDIST = 'my_project-1.0.tar.gz';

/** The guide's commands: each fenced line that starts with `tuf-ceremony`, split as a shell does. */
export function guideCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  let inBlock = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inBlock = !inBlock;
    else if (inBlock && line.startsWith('tuf-ceremony ')) commands.push(shellWords(line).slice(1));
  }
  return commands;
}

function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

let t: HolderTokens;
let b: Bootstrapped;
let work: string;
let home: string;
let site: string;
let url: string;
const server = new RepoServer();
const cwd = process.cwd();
const now = new Date();
const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol', 'you']);
  b = await bootstrap(t.provider, { dir: t.fx.dir, period: '3650d' });
  work = mkdtempSync(join(t.fx.dir, 'developer-'));
  home = join(work, 'home');
  site = join(work, 'site');
  mkdirSync(join(site, 'metadata'), { recursive: true });
  mkdirSync(join(site, 'targets'), { recursive: true });
  await server.start();
  url = `${server.serve('site', { dir: site } as WrittenRepo)}/metadata`;
  // What the developer has before the guide starts: a token profile, the trusted root, a release.
  copyFileSync(
    t.variant('you-profile.json', { you: { developer: 'developer-you' } }).path,
    join(work, 'my-token.json'),
  );
  writeFileSync(join(work, '1.root.json'), b.repo.readBytes('root', 1));
  mkdirSync(join(work, 'dist'));
  writeFileSync(join(work, 'dist', SDIST), 'my-project 1.0, the sdist\n');
  writeFileSync(join(work, 'dist', 'my_project-1.0-py3-none-any.whl'), 'my-project 1.0, the wheel\n');
  writeFileSync(join(work, 'pass'), 'a long developer passphrase\n', { mode: 0o600 });
  process.chdir(work);
});
afterAll(async () => {
  process.chdir(cwd);
  await server.stop();
  t?.fx.cleanup();
});

const online = (role: string) => b.online[role]!;
let siteVersion = 0;

/** The online side publishes: every root, targets and claimed as finalized, recently-claimed, and `extra`. */
async function publish(extra: Array<[string, Buffer]>, rc: Buffer): Promise<void> {
  siteVersion++;
  const dir = join(site, 'metadata');
  const meta = new Map<string, MetaFile>();
  for (let v = 1; ; v++) {
    let bytes: Buffer;
    try {
      bytes = b.repo.readBytes('root', v);
    } catch {
      break;
    }
    writeFileSync(join(dir, `${v}.root.json`), bytes);
  }
  for (const role of ['targets', 'claimed']) {
    const md = b.repo.current(role);
    writeFileSync(join(dir, `${md.signed.version}.${role}.json`), md.toBytes());
    meta.set(`${role}.json`, new MetaFile(md.signed.version));
  }
  writeFileSync(join(dir, '1.recently-claimed.json'), rc);
  meta.set('recently-claimed.json', new MetaFile(1));
  for (const [name, bytes] of extra) {
    writeFileSync(join(dir, name), bytes);
    const [version, role] = name.split('.');
    meta.set(`${role}.json`, new MetaFile(Number(version)));
  }
  const expires = new Date(now.getTime() + 86_400_000);
  const snapshot = new Metadata(new Snapshot({ version: siteVersion, expires, meta }));
  await snapshot.sign(online('snapshot'), 'append');
  const snapBytes = snapshot.toBytes();
  writeFileSync(join(dir, `${siteVersion}.snapshot.json`), snapBytes);
  const ts = new Metadata(
    new Timestamp({
      version: siteVersion,
      expires,
      snapshotMeta: new MetaFile(siteVersion, snapBytes.length, { sha256: sha256Hex(snapBytes) }),
    }),
  );
  await ts.sign(online('timestamp'), 'append');
  writeFileSync(join(dir, 'timestamp.json'), ts.toBytes());
}

/** recently-claimed as the online service signs it when the project first uploads (PEP 480). */
async function registeredOnline(keys: Key[]): Promise<Buffer> {
  const role = new DelegatedRole(
    PROJECT,
    keys.map((k) => k.keyid),
    1,
    true,
    [`${PROJECT}/*`],
    undefined,
  );
  const md = new Metadata(
    new Targets({
      version: 1,
      expires: new Date(now.getTime() + 86_400_000),
      delegations: new Delegations(new Map(keys.map((k) => [k.keyid, k])), [role], undefined),
    }),
  );
  await md.sign(online('recently-claimed'), 'append');
  return md.toBytes();
}

/** The admins' claim ceremony on their tokens, then the first publication. */
async function ceremony(): Promise<Buffer> {
  const keys = ['my-project.pub.json', 'my-project-token.pub.json'].map((f) =>
    Key.fromJSON(JSON.parse(readFileSync(join(work, f), 'utf8'))),
  );
  const rc = await registeredOnline(keys);
  const admin = join(work, 'admin');
  mkdirSync(join(admin, 'inbox'), { recursive: true });
  copyFileSync(join(work, 'my-project-request.json'), join(admin, 'inbox', 'my-project-request.json'));
  writeFileSync(join(admin, '1.recently-claimed.json'), rc);
  const event = join(admin, 'claim-event');
  const claim = await runCli([
    'claim',
    '--repo',
    b.repoDir,
    '--requests',
    join(admin, 'inbox'),
    '--recently-claimed',
    join(admin, '1.recently-claimed.json'),
    '--event',
    event,
    '--at',
    at,
  ]);
  expect(claim.stderr).toBe('');
  expect(claim.stdout).toMatch(/add 1 +re-key 0 +unchanged 0 +rejected 0/);
  expect(claim.stdout).toContain(`sha256 ${sha256Hex(readFileSync(join(work, 'my-project-request.json')))}`);
  const digests = SigningEvent.load(event)
    .roles()
    .map((r) => r.payloadSha256)
    .join(',');
  for (const holder of ['alice', 'bob']) {
    const signed = await runCli([
      'event',
      'sign',
      event,
      '--profile',
      t.profilePath,
      '--holder',
      holder,
      '--confirm',
      digests,
      '--repo',
      b.repoDir,
      '--no-qr',
    ]);
    expect(signed.code).toBe(0);
  }
  const fin = await runCli(['event', 'finalize', event, '--repo', b.repoDir, '--at', at]);
  expect(fin.stderr).toBe('');
  await publish([], rc);
  return rc;
}

/** The online side publishes the upload: the project's role and its files (consistent-snapshot target names). */
async function publishUpload(rc: Buffer): Promise<void> {
  const upload = join(work, 'upload-1.0');
  const [roleFile] = readdirSync(join(upload, 'metadata'));
  for (const name of readdirSync(join(upload, 'targets', PROJECT))) {
    const bytes = readFileSync(join(upload, 'targets', PROJECT, name));
    mkdirSync(join(site, 'targets', PROJECT), { recursive: true });
    writeFileSync(join(site, 'targets', PROJECT, `${sha256Hex(bytes)}.${name}`), bytes);
  }
  await publish([[roleFile!, readFileSync(join(upload, 'metadata', roleFile!))]], rc);
}

describe('the developer guide', () => {
  it('runs as written, from a new key to a checked published release, on SoftHSM and in tuf-js', async () => {
    const commands = guideCommands(readFileSync(GUIDE, 'utf8'));
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual([
      'dev keygen',
      'dev pubkey',
      'dev keygen',
      'dev request',
      'dev fetch',
      'dev check',
      'dev sign',
      'upload check',
      'dev check',
    ]);
    let rc: Buffer | undefined;
    let checks = 0;
    for (const command of commands) {
      const argv = command.map((w) => w.replace(GUIDE_URL, url).replace(/^~\//, `${home}/`));
      const keyFiles = argv.filter((w, i) => argv[i - 1] === '--key' && !w.startsWith('token:')).length;
      const passphrases =
        (argv[1] === 'keygen' && !argv.includes('--profile')) || argv[1] === 'request' || argv[1] === 'sign'
          ? Array.from({ length: Math.max(1, keyFiles) }, () => ['--passphrase-file', 'pass']).flat()
          : [];
      if (argv[1] === 'fetch') rc = await ceremony();
      const devCheck = argv[0] === 'dev' && argv[1] === 'check';
      if (devCheck && ++checks === 2) await publishUpload(rc!);
      const r = await runCli([...argv, ...passphrases]);
      expect(r.stderr.replace(/^To sign:[\s\S]*$/m, ''), argv.join(' ')).not.toMatch(/error|refused|\n\s+at /i);
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(0);
      if (devCheck)
        expect(r.stdout).toMatch(
          /^OK: my-project is delegated through targets → claimed → my-project to exactly your 2 key\(s\), threshold 2/,
        );
      if (argv[0] === 'upload') expect(r.stdout).toMatch(/^ACCEPT: upload-1\.0\.zip for my-project/);
    }
    // tuf-js trusts the whole chain down to the project's role and finds the release in it. (It
    // cannot download it: it hashes each listed algorithm with node:crypto, which has no
    // blake2b-256, PEP 458's hash that dev sign lists beside sha256; python-tuf computes it.)
    const client = join(work, 'tufjs');
    mkdirSync(join(client, 'targets'), { recursive: true });
    copyFileSync(join(work, '1.root.json'), join(client, 'root.json'));
    const updater = new Updater({
      metadataDir: client,
      metadataBaseUrl: url,
      targetBaseUrl: url.replace(/metadata$/, 'targets'),
      targetDir: join(client, 'targets'),
      config: { fetchRetry: 0 },
    });
    await updater.refresh();
    const info = await updater.getTargetInfo(`${PROJECT}/${SDIST}`);
    const sdist = readFileSync(join(work, 'dist', SDIST));
    expect(info?.length).toBe(sdist.length);
    expect(info?.hashes['sha256']).toBe(sha256Hex(sdist));
    await expect(info!.verify(Readable.from([sdist]))).rejects.toThrow(/[Dd]igest method not supported|blake2b/);
  });
});
