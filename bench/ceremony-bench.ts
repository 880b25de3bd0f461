/**
 * Section "ceremony": a ceremony at PyPI's size, end to end, with the commands admins, developers
 * and the online service run, as child processes of the built CLI (`node bin/tuf-ceremony.js …`):
 *
 *   npm run bench -- ceremony --projects 600k [--layout flat|bins-10|bins-14]
 *
 * The starting state is built once with the tool's library and cached (TUF_BENCH_CACHE, default
 * <os.tmpdir()>/tuf-ceremony-bench-ceremony/<layout>-<projects>): three admins' SoftHSM tokens
 * made by softhsm-config/make-tokens.sh, `init` on them (root, targets, claimed keys generated on
 * the tokens), a claimed role (flat, or 2^k bins, docs/decisions/0003-claimed-sharding.md) that
 * delegates `projects` projects signed with the admins' claimed token keys, 10k request files and
 * one more (made with the library as the intake bench does, proofs of possession included).
 * Each run copies that state (tokens included) to a fresh folder and times, as a ceremony would:
 * claim of 10k requests, event show, event status, event sign by two admins each on their own
 * copy of the event, event merge, event finalize, expiry, resign, revoke, claim of 1 request,
 * bundle export / verify / import, then on a published folder (the finalized roles plus snapshot
 * and timestamp signed with the online key, as the online service would publish them) verify,
 * dev check and verify-download. Each row: exit code, wall and CPU seconds, peak RSS of the child.
 * A command that exits 1 (an internal error) fails the benchmark after the table is printed.
 * The run's folder keeps only its logs afterwards (TUF_BENCH_KEEP=1 keeps everything).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRepository } from '../src/ceremony/lifecycle/bootstrap.js';
import {
  claimedAuthorization,
  claimedSettingsFromPlan,
  proposeClaimed,
  readClaimedState,
} from '../src/ceremony/claims/claimed-build.js';
import type { ClaimedProjects } from '../src/ceremony/claims/claimed-projects.js';
import { finalizeEvent } from '../src/ceremony/events/event-finalize.js';
import { signEvent } from '../src/ceremony/events/event-sign.js';
import { SigningEvent } from '../src/ceremony/events/event.js';
import { Repository } from '../src/ceremony/state/repository.js';
import { createRequest, encodeRequest } from '../src/ceremony/claims/requests-format.js';
import { TokenProvider } from '../src/ceremony/signers/token-provider.js';
import { pinSource } from '../src/keys/pin.js';
import { loadProfile } from '../src/keys/profile.js';
import { createTestTokens } from '../src/keys/softhsm.js';
import { Ed25519Signer, ed25519PublicKey } from '../src/keys/software-signer.js';
import { serializeJson } from '../src/tuf/json/canonical-json.js';
import { sha256Hex } from '../src/tuf/model/digest.js';
import { Key } from '../src/tuf/model/key.js';
import { Metadata, MetaFile, Snapshot, TargetFile, Targets, Timestamp } from '../src/tuf/model/metadata.js';
import { roleFileName } from '../src/tuf/verify/role-names.js';
import type { Signer } from '../src/tuf/model/signer.js';
import { addSeconds, formatExpires } from '../src/tuf/base/time.js';
import { projectName } from './claimed-role.js';
import { parseSize, sizeLabel } from './delegations.js';
import { distinctEd25519PublicKeys } from './fixture-keys.js';
import { formatTable } from './harness.js';
import { measure, type Run } from './verify-command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'bin', 'tuf-ceremony.js');
const MB = 1024 * 1024;
const ADMINS = ['alice', 'bob', 'carol'];
const SIGNERS = ['alice', 'bob'];
/** Every command runs `--at` this instant, so a cached state never expires. */
const NOW = new Date('2031-06-01T00:00:00Z');
const INIT_AT = addSeconds(NOW, -86400);
const REQUESTS = 10_000;
const AT = ['--at', formatExpires(NOW)];
/** The online keys are software keys of the online service; fixed seeds, so the cache needs no secrets. */
const ONLINE_SEEDS: Record<string, number> = { snapshot: 11, timestamp: 12, 'recently-claimed': 13, unclaimed: 14 };
const onlineSigner = (role: string): Ed25519Signer => new Ed25519Signer(new Uint8Array(32).fill(ONLINE_SEEDS[role]!));
/** The last existing project's key, held here so that its own role and dev check can use it. */
const developer = (): Ed25519Signer => new Ed25519Signer(new Uint8Array(32).fill(7));

export type Layout = 'flat' | 'bins-10' | 'bins-14';
export const LAYOUTS: Layout[] = ['flat', 'bins-10', 'bins-14'];

/** What the cached state holds; written last, so a folder without it is incomplete. */
interface Fixture {
  projects: number;
  layout: Layout;
  /** The project whose key `developer()` holds, delegated by the claimed role. */
  project: string;
}

function bitLength(layout: Layout): number | undefined {
  return layout === 'flat' ? undefined : Number(layout.slice('bins-'.length));
}

function writePlan(dir: string, layout: Layout): string {
  const online: Record<string, { key: string }> = {};
  for (const role of Object.keys(ONLINE_SEEDS)) {
    online[role] = { key: `online-${role}.json` };
    writeFileSync(join(dir, `online-${role}.json`), serializeJson(onlineSigner(role).key.toJSON()));
  }
  const bits = bitLength(layout);
  const plan = {
    plan_format: 1,
    repository: 'bench-index',
    admins: ADMINS.map((name) => ({
      name,
      contact: `${name}@example.org`,
      keys: { root: { type: 'ed25519' }, targets: { type: 'ed25519' }, claimed: { type: 'ed25519' } },
    })),
    roles: {
      root: { threshold: 2, expires: '365d' },
      targets: { threshold: 2, expires: '365d' },
      claimed: { threshold: 2, expires: '90d', ...(bits ? { bins: { bit_length: bits } } : {}) },
    },
    online,
    // Exact paths: a sharded claimed role needs them (decision 0003).
    project_paths: ['{project}'],
    expiry_warning: '30d',
  };
  const path = join(dir, 'plan.json');
  writeFileSync(path, JSON.stringify(plan, null, 2));
  return path;
}

function writeProfile(dir: string, module: string): string {
  const holders = Object.fromEntries(
    ADMINS.map((h) => [
      h,
      {
        token: { label: h },
        keys: { root: `root-${h}`, targets: `targets-${h}`, claimed: `claimed-${h}` },
        pin: { file: `softhsm/pins/${h}.pin` },
      },
    ]),
  );
  const path = join(dir, 'profile.json');
  writeFileSync(path, JSON.stringify({ module, holders }, null, 2));
  return path;
}

/** A developer key whose signatures come from node:crypto: fast enough to make 10k requests. */
function nodeEd25519Signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = ed25519PublicKey(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return { key, sign: async (payload) => nodeSign(null, payload, privateKey) };
}

async function writeRequests(dir: string, names: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [i, project] of names.entries()) {
    const request = await createRequest({
      project,
      signers: [nodeEd25519Signer()],
      threshold: 1,
      contact: `dev${i}@example.org`,
      created: INIT_AT,
      expires: addSeconds(NOW, 30 * 86400),
    });
    writeFileSync(join(dir, `request-${i}.json`), encodeRequest(request));
  }
}

/**
 * The starting state: tokens, `init` signed by alice and bob and finalized, then claimed (and its
 * bins) delegating `count` projects, signed with alice's and bob's claimed keys on their tokens.
 */
async function buildState(dir: string, count: number, layout: Layout): Promise<void> {
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tokens = createTestTokens(
    join(partial, 'softhsm'),
    ADMINS.map((h) => ({ label: h, soPin: `so-${h}-0000`, userPin: `pin-${h}-1234` })),
  );
  process.env['SOFTHSM2_CONF'] = tokens.conf;
  const planPath = writePlan(partial, layout);
  const provider = new TokenProvider(loadProfile(writeProfile(partial, tokens.module)), pinSource({}));
  const init = await initRepository({
    planPath,
    repoDir: join(partial, 'repo'),
    provider,
    now: INIT_AT,
    log: () => {},
  });
  await signEvent({
    event: init.event,
    holders: SIGNERS,
    provider,
    confirm: init.event.roles().map((r) => r.payloadSha256),
    log: () => {},
  });
  finalizeEvent(init.repo, SigningEvent.load(init.event.dir), { at: INIT_AT });
  rmSync(init.event.dir, { recursive: true, force: true });
  const repo = Repository.open(join(partial, 'repo'));

  const publicKeys = distinctEd25519PublicKeys(count, new Uint8Array(32).fill(9));
  Buffer.from(developer().key.keyval['public'] as string, 'hex').copy(publicKeys, (count - 1) * 32);
  const projects: ClaimedProjects = new Map();
  for (let i = 0; i < count; i++) {
    const name = projectName(i);
    projects.set(name, {
      name,
      keys: [new Key('ed25519', 'ed25519', { public: publicKeys.toString('hex', i * 32, i * 32 + 32) })],
      threshold: 1,
      paths: [name],
    });
  }
  const settings = claimedSettingsFromPlan(repo.plan());
  const targets = repo.current<Targets>('targets');
  const auth = claimedAuthorization(targets.signed, settings.roleName);
  const proposal = proposeClaimed(repo, readClaimedState(repo, settings.roleName), projects, settings, auth, INIT_AT);
  const signers: Signer[] = [];
  for (const holder of SIGNERS) {
    const keys = await provider.open(holder);
    const own = await keys.publicKey('claimed');
    signers.push(
      await keys.signerFor(
        'claimed',
        auth.keys.find((k) => k.sameMaterial(own!))!,
      ),
    );
  }
  for (const r of proposal.roles) {
    for (const s of signers) await r.metadata.sign(s, 'append');
    repo.writeVersion(r.role, r.metadata);
  }

  await writeRequests(
    join(partial, 'requests-10k'),
    Array.from({ length: REQUESTS }, (_, i) => `new-project-${String(i).padStart(5, '0')}`),
  );
  await writeRequests(join(partial, 'requests-1'), ['one-more-project']);
  writeFileSync(join(partial, 'developer-key.json'), serializeJson(developer().key.toJSON()));
  const fixture: Fixture = { projects: count, layout, project: projectName(count - 1) };
  writeFileSync(join(partial, 'fixture.json'), JSON.stringify(fixture, null, 1));
  renameSync(partial, dir);
}

/**
 * What the online service publishes from a repository state: the current version of every offline
 * role, the last project's own role (one simple page), an empty recently-claimed, and snapshot and
 * timestamp signed with the online key (PEP 458/480). Files are hard links where they can be.
 */
export async function publish(repo: Repository, out: string, project: string): Promise<{ page: string }> {
  mkdirSync(out);
  const meta = new Map<string, MetaFile>();
  for (const role of repo.roles()) {
    const version = repo.currentVersion(role)!;
    if (role === 'root') {
      for (const v of repo.rootVersions()) linkSync(repo.path('root', v), join(out, roleFileName('root', v)));
      continue;
    }
    linkSync(repo.path(role, version), join(out, roleFileName(role, version)));
    const bytes = repo.readBytes(role, version);
    meta.set(`${role}.json`, new MetaFile(version, bytes.length, { sha256: sha256Hex(bytes) }));
  }
  const expires = addSeconds(NOW, 7 * 86400);
  const write = async (
    role: string,
    md: Metadata,
    signer: Signer,
    file = roleFileName(role, md.signed.version),
  ): Promise<Buffer> => {
    await md.sign(signer, 'append');
    const bytes = md.toBytes();
    writeFileSync(join(out, file), bytes);
    meta.set(`${role}.json`, new MetaFile(md.signed.version, bytes.length, { sha256: sha256Hex(bytes) }));
    return bytes;
  };
  await write('recently-claimed', new Metadata(new Targets({ version: 1, expires })), onlineSigner('recently-claimed'));
  const pageBytes = Buffer.from(`<!DOCTYPE html>\n<html><body><h1>Links for ${project}</h1></body></html>\n`);
  const page = join(out, '..', 'page.html');
  writeFileSync(page, pageBytes);
  await write(
    project,
    new Metadata(
      new Targets({
        version: 1,
        expires,
        targets: new Map([[project, new TargetFile(pageBytes.length, { sha256: sha256Hex(pageBytes) })]]),
      }),
    ),
    developer(),
  );
  const snapshot = await write(
    'snapshot',
    new Metadata(new Snapshot({ version: 1, expires, meta: new Map(meta) })),
    onlineSigner('snapshot'),
  );
  await write(
    'timestamp',
    new Metadata(
      new Timestamp({
        version: 1,
        expires,
        snapshotMeta: new MetaFile(1, snapshot.length, { sha256: sha256Hex(snapshot) }),
      }),
    ),
    onlineSigner('timestamp'),
    'timestamp.json',
  );
  return { page };
}

export interface CeremonyOptions {
  projects: number;
  layout: Layout;
}

export async function benchCeremony(o: CeremonyOptions): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('the CLI is not built: run `npm run build`');
  const cache = resolve(process.env['TUF_BENCH_CACHE'] || join(tmpdir(), 'tuf-ceremony-bench-ceremony'));
  const size = sizeLabel(o.projects);
  const state = join(cache, `${o.layout}-${size}`);
  mkdirSync(cache, { recursive: true });
  if (!existsSync(join(state, 'fixture.json'))) {
    process.stderr.write(`  making ${state} … `);
    const start = performance.now();
    await buildState(state, o.projects, o.layout);
    process.stderr.write(`${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  const fixture = JSON.parse(readFileSync(join(state, 'fixture.json'), 'utf8')) as Fixture;

  // A fresh copy of the state for this run: the commands change it, and the tokens come with it.
  const work = join(cache, 'runs', `${o.layout}-${size}-${new Date().toISOString().replace(/[:.]/g, '')}`);
  mkdirSync(dirname(work), { recursive: true });
  execFileSync('cp', ['-a', state, work]);
  const conf = join(work, 'softhsm', 'softhsm2.conf');
  writeFileSync(
    conf,
    readFileSync(conf, 'utf8').replace(
      /^directories\.tokendir = .*$/m,
      `directories.tokendir = ${join(work, 'softhsm', 'tokens')}`,
    ),
  );
  process.env['SOFTHSM2_CONF'] = conf;
  const logs = join(work, 'logs');
  mkdirSync(logs);
  console.log(`${size} claimed projects, ${o.layout}; state cached in ${state}; this run in ${work}`);

  const repo = join(work, 'repo');
  const profile = join(work, 'profile.json');
  const runs: Run[] = [];
  const cli = async (command: string, args: string[], expected: number[] = [0]): Promise<Run> => {
    const run = await measure(
      size,
      command,
      [process.execPath, CLI, ...args],
      join(logs, command.replace(/\W+/g, '-')),
    );
    if (!expected.includes(run.exit ?? -1) && run.note === '') run.note = `expected exit ${expected.join(' or ')}`;
    runs.push(run);
    return run;
  };
  const digests = (event: string): string[] =>
    SigningEvent.load(event)
      .roles()
      .map((r) => r.payloadSha256);
  const confirm = (event: string): string[] => digests(event).flatMap((d) => ['--confirm', d]);

  // The benchmark has no online service, so no recently-claimed list (claim refuses silence).
  const CLAIM = ['claim', '--no-online-check', 'no online service in the benchmark'];
  const ev = join(work, 'event-claim-10k');
  await cli('claim 10k', [...CLAIM, '--repo', repo, '--event', ev, '--requests', join(work, 'requests-10k'), ...AT]);
  if (existsSync(join(ev, 'event.json'))) {
    await cli('event show', ['event', 'show', ev, '--repo', repo, '--no-qr']);
    await cli('event status (unsigned)', ['event', 'status', ev], [6]);
    const copies: string[] = [];
    for (const holder of SIGNERS) {
      const copy = join(work, `event-claim-10k-${holder}`);
      execFileSync('cp', ['-a', ev, copy]);
      copies.push(copy);
      await cli(`event sign (${holder})`, [
        'event',
        'sign',
        copy,
        '--profile',
        profile,
        '--holder',
        holder,
        '--root',
        join(repo, 'metadata', '1.root.json'),
        '--no-qr',
        ...confirm(copy),
      ]);
    }
    await cli('event merge', ['event', 'merge', ev, ...copies, '--repo', repo]);
    await cli('event status', ['event', 'status', ev]);
    await cli('event finalize', ['event', 'finalize', ev, '--repo', repo, ...AT]);
  }
  await cli('expiry', ['expiry', '--repo', repo, ...AT]);
  await cli('resign claimed', [
    'resign',
    '--repo',
    repo,
    '--event',
    join(work, 'event-resign'),
    '--role',
    'claimed',
    ...AT,
  ]);
  await cli('revoke', [
    'revoke',
    '--repo',
    repo,
    '--event',
    join(work, 'event-revoke'),
    '--project',
    projectName(5),
    '--reason',
    'bench',
    ...AT,
  ]);
  await cli('claim 1', [
    ...CLAIM,
    '--repo',
    repo,
    '--event',
    join(work, 'event-claim-1'),
    '--requests',
    join(work, 'requests-1'),
    ...AT,
  ]);
  const media = join(work, 'media');
  mkdirSync(media);
  await cli('bundle export', ['bundle', 'export', '--repo', repo, '--to', media, ...AT]);
  const bundle = readdirSync(media).find((n) => n.startsWith('bundle-'));
  if (bundle) {
    await cli('bundle verify', [
      'bundle',
      'verify',
      join(media, bundle),
      '--root',
      join(repo, 'metadata', '1.root.json'),
      ...AT,
    ]);
    await cli('bundle import', [
      'bundle',
      'import',
      join(media, bundle),
      '--root',
      join(repo, 'metadata', '1.root.json'),
      '--into',
      join(work, 'online-side'),
      ...AT,
    ]);
  }
  const published = join(work, 'published');
  const { page } = await publish(
    Repository.open(repo, () => {}),
    published,
    fixture.project,
  );
  const root = join(published, '1.root.json');
  await cli('verify', ['verify', published, '--root', root, ...AT]);
  await cli('dev check', [
    'dev',
    'check',
    '--project',
    fixture.project,
    '--key',
    join(work, 'developer-key.json'),
    '--metadata',
    published,
    '--root',
    root,
    ...AT,
  ]);
  await cli('verify-download', [
    'verify-download',
    page,
    `https://pypi.org/simple/${fixture.project}/`,
    '--metadata',
    published,
    '--root',
    root,
    ...AT,
  ]);

  const rows = runs.map((r) => [
    r.command,
    r.signal ?? String(r.exit),
    r.seconds.toFixed(2),
    r.cpuSeconds?.toFixed(2) ?? '-',
    r.peakRss === undefined ? '-' : (r.peakRss / MB).toFixed(0),
    r.note,
  ]);
  console.log(formatTable(['command', 'exit', 'seconds', 'cpu s', 'peak RSS MB', 'note'], rows));
  const eventSize = spawnSync('du', ['-sh', ev], { encoding: 'utf8' }).stdout.split('\t')[0];
  console.log(`the 10k claim event folder: ${eventSize}; logs in ${logs}`);
  // A run leaves gigabytes (the events and bundles of a 600k repository): only its logs stay,
  // unless TUF_BENCH_KEEP=1.
  if (process.env['TUF_BENCH_KEEP'] !== '1')
    for (const name of readdirSync(work))
      if (name !== 'logs') rmSync(join(work, name), { recursive: true, force: true });
  const crashed = runs.filter((r) => r.exit === 1 || r.signal !== null);
  if (crashed.length > 0)
    throw new Error(
      `${crashed.length} command(s) crashed: ${crashed.map((r) => `${r.command} (${r.signal ?? 'exit 1'}: ${r.note})`).join('; ')}`,
    );
}

export function parseCeremonyOptions(projects: string | undefined, layout: string | undefined): CeremonyOptions {
  const l = (layout ?? 'bins-10') as Layout;
  if (!LAYOUTS.includes(l)) throw new Error(`--layout: "${layout}" is not one of ${LAYOUTS.join(', ')}`);
  return { projects: parseSize(projects ?? '600k'), layout: l };
}
