/**
 * Section "verify-command": the commands a client or a developer runs, at PyPI's size, as child
 * processes of the built CLI, end to end (Node start-up, reading, verifying, printing):
 *   tuf-ceremony verify --root <dir>/1.root.json <dir>
 *   tuf-ceremony verify-download <the project's simple page> <its URL> --metadata <dir> --root …
 *   tuf-ceremony dev check --project <name> --key <its key> --metadata <dir> --root …
 * on a full consistent-snapshot repository (PEP 480 layout, the one scripts/python-tuf/
 * make-claimed-repo.py describes) whose claimed role delegates 10k, 100k or 1M projects.
 * Each row is one command: wall seconds, CPU seconds and peak RSS of the child (from GNU time,
 * else by polling VmHWM in /proc). A command that exits non-zero fails the benchmark, after the
 * table is printed: a crash at size is what this section is for.
 *
 * Environment:
 *   TUF_BENCH_CACHE   folder of the repositories, made once and reused
 *                     (default: <os.tmpdir()>/tuf-ceremony-bench-repos)
 *   TUF_BENCH_WRITER  tuf-ceremony (default: written by this project's code, fast) or python-tuf
 *                     (the folders python-tuf-<N> written by make-claimed-repo.py)
 *   TUF_BENCH_PYTHON  a python3 that imports python-tuf (PYTHONPATH set): adds python-tuf's own
 *                     verification of each folder (scripts/python-tuf/verify-repo.py) beside
 *                     ours, and makes missing python-tuf folders
 *   TUF_BENCH_REPEAT  runs of each command (default 1); the fastest is shown, as the figure least
 *                     disturbed by other work on a shared machine (a failure is always shown)
 * See docs/performance.md, "Commands at PyPI's size".
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ed25519Signer, PemSigner } from '../src/keys/software-signer.js';
import { sha256Hex } from '../src/tuf/model/digest.js';
import { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role } from '../src/tuf/model/roles.js';
import type { Signer } from '../src/tuf/model/signer.js';
import { buildClaimedRole, projectName } from './claimed-role.js';
import { sizeLabel } from './delegations.js';
import { distinctEd25519PublicKeys } from './fixture-keys.js';
import { formatTable } from './harness.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'bin', 'tuf-ceremony.js');
const VERIFY_REPO_PY = join(ROOT, 'scripts', 'python-tuf', 'verify-repo.py');
const MAKE_REPO_PY = join(ROOT, 'scripts', 'python-tuf', 'make-claimed-repo.py');
/** As in make-claimed-repo.py: far enough ahead that a cached folder stays valid. */
const EXPIRES = new Date('2036-01-01T00:00:00Z');
const GNU_TIME = '/usr/bin/time';
const MB = 1024 * 1024;

type Writer = 'tuf-ceremony' | 'python-tuf';

/** What make-claimed-repo.py writes last, in fixture.json: the folder is complete. */
interface Fixture {
  count: number;
  project: string;
  writer: string;
}

export interface Run {
  size: string;
  command: string;
  exit: number | null;
  signal: string | null;
  seconds: number;
  cpuSeconds: number | undefined;
  peakRss: number | undefined;
  note: string;
}

export async function benchVerifyCommands(sizes: number[]): Promise<void> {
  const writer = process.env['TUF_BENCH_WRITER'] ?? 'tuf-ceremony';
  if (writer !== 'tuf-ceremony' && writer !== 'python-tuf')
    throw new Error(`TUF_BENCH_WRITER: "${writer}" is neither tuf-ceremony nor python-tuf`);
  const python = process.env['TUF_BENCH_PYTHON'] || undefined;
  const repeat = Number(process.env['TUF_BENCH_REPEAT'] || '1');
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`TUF_BENCH_REPEAT: "${process.env['TUF_BENCH_REPEAT']}" is not a count`);
  const cache = resolve(process.env['TUF_BENCH_CACHE'] || join(tmpdir(), 'tuf-ceremony-bench-repos'));
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('the CLI is not built: run `npm run build`');
  mkdirSync(cache, { recursive: true });
  console.log(
    `repositories written by ${writer}, cached in ${cache}; child peak RSS from ${existsSync(GNU_TIME) ? 'GNU time' : '/proc VmHWM polling'}`,
  );

  const runs: Run[] = [];
  for (const count of sizes) {
    const dir = join(cache, `${writer}-${count}`);
    const fixture = await ensureRepository(dir, count, writer, python);
    const metadata = join(dir, 'metadata');
    const root = join(metadata, '1.root.json');
    const logs = join(cache, 'logs', `${writer}-${count}`);
    mkdirSync(logs, { recursive: true });
    const size = sizeLabel(count);
    const fastest = async (command: string, argv: string[], describe?: (stdout: string) => string): Promise<Run> => {
      let best: Run | undefined;
      for (let i = 0; i < repeat && (best === undefined || best.exit === 0); i++) {
        const run = await measure(size, command, argv, join(logs, command.replace(/\W+/g, '-')), describe);
        if (best === undefined || run.exit !== 0 || run.seconds < best.seconds) best = run;
      }
      return best!;
    };
    const node = (command: string, args: string[]) => fastest(command, [process.execPath, CLI, ...args]);
    runs.push(await node('verify', ['verify', '--root', root, metadata]));
    runs.push(
      await node('verify-download', [
        'verify-download',
        join(dir, 'download', fixture.project),
        `https://pypi.org/simple/${fixture.project}/`,
        '--metadata',
        metadata,
        '--root',
        root,
      ]),
    );
    runs.push(
      await node('dev check', [
        'dev',
        'check',
        '--project',
        fixture.project,
        '--key',
        join(dir, 'developer-key.json'),
        '--metadata',
        metadata,
        '--root',
        root,
      ]),
    );
    if (python) {
      // verify-repo.py prints one JSON line; its own seconds leave out Python's start and imports.
      const inScript = (stdout: string) =>
        `in script ${(JSON.parse(stdout.trim().split('\n').at(-1)!) as { seconds: number }).seconds.toFixed(2)} s`;
      runs.push(await fastest('python-tuf verify', [python, VERIFY_REPO_PY, metadata], inScript));
    }
  }

  const rows = runs.map((r) => [
    r.size,
    r.command,
    r.signal ?? String(r.exit),
    r.seconds.toFixed(2),
    r.cpuSeconds?.toFixed(2) ?? '-',
    r.peakRss === undefined ? '-' : (r.peakRss / MB).toFixed(0),
    r.note,
  ]);
  console.log(formatTable(['delegations', 'command', 'exit', 'seconds', 'cpu s', 'peak RSS MB', 'note'], rows));
  for (const size of new Set(runs.map((r) => r.size))) {
    const ours = runs.find((r) => r.size === size && r.command === 'verify' && r.exit === 0);
    const theirs = runs.find((r) => r.size === size && r.command === 'python-tuf verify' && r.exit === 0);
    if (ours && theirs)
      console.log(
        `${size}: python-tuf verify ${theirs.seconds.toFixed(2)} s / tuf-ceremony verify ` +
          `${ours.seconds.toFixed(2)} s = ${(theirs.seconds / ours.seconds).toFixed(1)}×`,
      );
  }
  const failed = runs.filter((r) => r.exit !== 0);
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} command(s) failed: ` +
        `${failed.map((r) => `${r.size} ${r.command} (${r.signal ?? `exit ${r.exit}`}: ${r.note})`).join('; ')}\nlogs: ` +
        `${join(cache, 'logs')}`,
    );
  }
}

/** Run one command, its output to files beside `logBase`; wall and CPU time and the child's peak RSS. */
export async function measure(
  size: string,
  command: string,
  argv: string[],
  logBase: string,
  describe?: (stdout: string) => string,
): Promise<Run> {
  const gnuTime = existsSync(GNU_TIME);
  const rusageFile = `${logBase}.rusage`;
  rmSync(rusageFile, { force: true });
  const out = openSync(`${logBase}.stdout`, 'w');
  const err = openSync(`${logBase}.stderr`, 'w');
  const [file, args] = gnuTime
    ? [GNU_TIME, ['-o', rusageFile, '-f', '%e %U %S %M', ...argv]]
    : [argv[0]!, argv.slice(1)];
  process.stderr.write(`  ${size}: ${command} … `);
  const start = performance.now();
  const child = spawn(file, args, { cwd: ROOT, stdio: ['ignore', out, err] });
  let polledPeak = 0;
  // Without GNU time: VmHWM is the kernel's high-water mark of the child's RSS (proc(5)).
  const poll = gnuTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledPeak = Math.max(polledPeak, Number(m[1]) * 1024);
        } catch {
          // the child has exited between two polls
        }
      }, 10);
  const [exit, signal] = await new Promise<[number | null, string | null]>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, sig) => done([code, sig]));
  });
  const seconds = (performance.now() - start) / 1000;
  if (poll) clearInterval(poll);
  closeSync(out);
  closeSync(err);
  let cpuSeconds: number | undefined;
  let peakRss: number | undefined = polledPeak || undefined;
  if (gnuTime && existsSync(rusageFile)) {
    // GNU time writes "Command exited with non-zero status N" first when it did: the figures are last.
    const fields = readFileSync(rusageFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    if (fields.length === 4 && fields.every((f) => Number.isFinite(f))) {
      cpuSeconds = fields[1]! + fields[2]!;
      peakRss = fields[3]! * 1024;
    }
  }
  const note =
    exit !== 0
      ? lastErrorLine(readFileSync(`${logBase}.stderr`, 'utf8'))
      : (describe?.(readFileSync(`${logBase}.stdout`, 'utf8')) ?? '');
  process.stderr.write(`${seconds.toFixed(2)} s, ${signal ?? `exit ${exit}`}${note ? `: ${note}` : ''}\n`);
  return { size, command, exit, signal, seconds, cpuSeconds, peakRss, note };
}

/** The line of a failed command's stderr that says what went wrong (an Error's first line, else the last line). */
function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Command exited'));
  const line = lines.find((l) => /(Error|error:)/.test(l)) ?? lines.at(-1) ?? '(no output)';
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/** The repository in `dir`, made if it is not there complete (fixture.json is written last). */
async function ensureRepository(
  dir: string,
  count: number,
  writer: Writer,
  python: string | undefined,
): Promise<Fixture> {
  const fixtureFile = join(dir, 'fixture.json');
  if (!existsSync(fixtureFile)) {
    rmSync(dir, { recursive: true, force: true });
    const start = performance.now();
    process.stderr.write(`  making ${dir} (${writer}) … `);
    if (writer === 'tuf-ceremony') await writeRepository(dir, count);
    else if (python) await runPython(python, [MAKE_REPO_PY, String(count), dir]);
    else
      throw new Error(
        `${dir} is missing: make it with scripts/python-tuf/make-claimed-repo.py ${count} ${dir}, or set TUF_BENCH_PYTHON`,
      );
    process.stderr.write(`${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
  if (fixture.count !== count) throw new Error(`${fixtureFile}: made for ${fixture.count} delegations, not ${count}`);
  return fixture;
}

function runPython(python: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(python, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${python} ${args.join(' ')}: exit ${code}`))));
  });
}

function ecdsaSigner(): PemSigner {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new PemSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

/**
 * The layout of make-claimed-repo.py, written by this project's code: root 2 of 2 ECDSA keys,
 * targets 1 ECDSA key, snapshot and timestamp one online Ed25519 key; targets delegates claimed
 * (2 of 2 ECDSA) then recently-claimed (online key); claimed delegates `count` projects, each to
 * its own Ed25519 key, terminating, with the project's name as its only path (PEP 480); the last
 * project's own role lists its simple page. Written to a temporary folder, then renamed.
 */
async function writeRepository(dir: string, count: number): Promise<void> {
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const metadata = join(partial, 'metadata');
  mkdirSync(metadata, { recursive: true });
  const written = new Map<string, Buffer>();
  const write = async (
    role: string,
    md: Metadata,
    signers: Signer[],
    fileName = `${md.signed.version}.${role}.json`,
  ): Promise<void> => {
    for (const s of signers) await md.sign(s, 'append');
    const bytes = md.toBytes();
    writeFileSync(join(metadata, fileName), bytes, { flag: 'wx' });
    written.set(role, bytes);
  };
  const metaFile = (role: string): MetaFile => {
    const bytes = written.get(role)!;
    return new MetaFile(1, bytes.length, { sha256: sha256Hex(bytes) });
  };

  const rootSigners = [ecdsaSigner(), ecdsaSigner()];
  const targetsSigner = ecdsaSigner();
  const claimedSigners = [ecdsaSigner(), ecdsaSigner()];
  const online = Ed25519Signer.generate();
  const developer = Ed25519Signer.generate();
  const project = projectName(count - 1);

  const rootKeys = new Map([...rootSigners, targetsSigner, online].map((s) => [s.key.keyid, s.key]));
  const roles = {
    root: new Role(
      rootSigners.map((s) => s.key.keyid),
      2,
    ),
    targets: new Role([targetsSigner.key.keyid], 1),
    snapshot: new Role([online.key.keyid], 1),
    timestamp: new Role([online.key.keyid], 1),
  };
  await write(
    'root',
    new Metadata(new Root({ version: 1, expires: EXPIRES, consistentSnapshot: true, keys: rootKeys, roles })),
    rootSigners,
  );

  const topKeys = new Map([...claimedSigners, online].map((s) => [s.key.keyid, s.key]));
  const top = new Delegations(
    topKeys,
    [
      new DelegatedRole(
        'claimed',
        claimedSigners.map((s) => s.key.keyid),
        2,
        false,
        ['*'],
        undefined,
      ),
      new DelegatedRole('recently-claimed', [online.key.keyid], 1, false, ['*'], undefined),
    ],
    undefined,
  );
  await write('targets', new Metadata(new Targets({ version: 1, expires: EXPIRES, delegations: top })), [
    targetsSigner,
  ]);

  // Distinct keys from the fast fixture; the last project's is one whose private key we hold.
  const publicKeys = distinctEd25519PublicKeys(count, new Uint8Array(32).fill(3));
  Buffer.from(developer.key.keyval['public'] as string, 'hex').copy(publicKeys, (count - 1) * 32);
  await write('claimed', buildClaimedRole(publicKeys, EXPIRES), claimedSigners);

  await write(
    'recently-claimed',
    new Metadata(new Targets({ version: 1, expires: EXPIRES, delegations: new Delegations(new Map(), [], undefined) })),
    [online],
  );

  const page = Buffer.from(`<!DOCTYPE html>\n<html><body><h1>Links for ${project}</h1></body></html>\n`);
  const targets = new Map([[project, new TargetFile(page.length, { sha256: sha256Hex(page) })]]);
  await write(project, new Metadata(new Targets({ version: 1, expires: EXPIRES, targets })), [developer]);

  const meta = new Map(['targets', 'claimed', 'recently-claimed', project].map((r) => [`${r}.json`, metaFile(r)]));
  await write('snapshot', new Metadata(new Snapshot({ version: 1, expires: EXPIRES, meta })), [online]);
  await write(
    'timestamp',
    new Metadata(new Timestamp({ version: 1, expires: EXPIRES, snapshotMeta: metaFile('snapshot') })),
    [online],
    'timestamp.json',
  );

  mkdirSync(join(partial, 'download'));
  writeFileSync(join(partial, 'download', project), page);
  writeFileSync(join(partial, 'developer-key.json'), JSON.stringify(developer.key.toJSON(), null, 1));
  const fixture: Fixture = { count, project, writer: 'tuf-ceremony' };
  writeFileSync(join(partial, 'fixture.json'), JSON.stringify(fixture, null, 1));
  renameSync(partial, dir);
}
