#!/usr/bin/env node
// `npm run release`: the release archive for the offline machine (docs/release.md).
//
//   node scripts/release/build.mjs [--out <folder>] [--ref <git commit>] [--keep-work]
//
// Builds from the committed tree of --ref (default HEAD), never from uncommitted files, in a new
// temporary folder; writes <out>/tuf-ceremony-<version>-<os>-<arch>-node<major>.tar.gz, the same
// name with .MANIFEST, and adds both to <out>/SHA256SUMS (default out: release/). The archive holds
// the compiled tool, the production dependencies with the PKCS#11 addon already built, a launcher
// bin/tuf-ceremony, docs/, ceremony-scripts/, softhsm-config/, sbom.cdx.json and MANIFEST.
// Two builds of one commit with the same Node.js and npm give the same bytes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { reproducibleTarGz } from './tar.mjs';

const say = (text) => process.stderr.write(`release: ${text}\n`);
class BuildError extends Error {}
const fail = (text) => {
  throw new BuildError(text);
};

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: options.capture ? 'buffer' : undefined,
    maxBuffer: 1 << 30,
    ...options,
  });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

const { values } = parseArgs({
  options: { out: { type: 'string' }, ref: { type: 'string' }, 'keep-work': { type: 'boolean' } },
});
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = resolve(values.out ?? join(repo, 'release'));
const ref = values.ref ?? 'HEAD';
const commit = run('git', ['-C', repo, 'rev-parse', '--verify', `${ref}^{commit}`], { capture: true })
  .toString()
  .trim();
// One time for every file: the commit's (reproducible-builds.org SOURCE_DATE_EPOCH), or the caller's.
const epoch = Number(
  process.env.SOURCE_DATE_EPOCH ??
    run('git', ['-C', repo, 'log', '-1', '--format=%ct', commit], { capture: true }).toString().trim(),
);
if (!Number.isSafeInteger(epoch) || epoch < 0)
  fail(`SOURCE_DATE_EPOCH "${process.env.SOURCE_DATE_EPOCH}" is not a number of seconds`);
if (run('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], { capture: true }).length > 0) {
  say(
    `the working tree has uncommitted changes: they are not in the release, which is built from ${commit.slice(0, 12)}`,
  );
}

const work = mkdtempSync(join(tmpdir(), 'tuf-ceremony-release-'));
const npmEnv = {
  ...process.env,
  SOURCE_DATE_EPOCH: String(epoch),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
try {
  // 1. The committed sources, and the tools to compile them (development dependencies).
  const src = join(work, 'src');
  mkdirSync(src);
  const archive = run('git', ['-C', repo, 'archive', '--format=tar', commit], { capture: true });
  run('tar', ['-x', '-C', src], { input: archive, stdio: ['pipe', 'inherit', 'inherit'] });
  const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  const name = `tuf-ceremony-${pkg.version}-${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}`;
  say(`building ${name} from commit ${commit.slice(0, 12)} (SOURCE_DATE_EPOCH=${epoch}) in ${work}`);
  run('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: src,
    env: npmEnv,
  });
  // Without source maps: they would name the build folder's sources; only dist/src is shipped.
  run(
    process.execPath,
    [join(src, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(src, 'scripts', 'release', 'tsconfig.json')],
    { cwd: src },
  );

  // 2. The production dependencies, then the PKCS#11 addon built for this Node.js.
  const app = join(work, name);
  mkdirSync(app);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(src, f), join(app, f));
  run(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: app, env: npmEnv },
  );
  run('npm', ['rebuild', 'pkcs11js', '--loglevel=error'], {
    cwd: app,
    env: npmEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const modules = join(app, 'node_modules');
  const addon = join(modules, 'pkcs11js', 'build', 'Release', 'pkcs11.node');
  if (!existsSync(addon)) fail(`npm rebuild pkcs11js did not write ${relative(app, addon)}`);
  // What npm and node-gyp leave that differs between machines: the hidden lockfile (install
  // times and order), the .bin links, and node-gyp's Makefiles, config.gypi and objects (absolute
  // paths). Only the .node file is loaded (pkcs11js/index.js).
  rmSync(join(modules, '.package-lock.json'), { force: true });
  rmSync(join(modules, '.bin'), { recursive: true, force: true });
  const keep = readFileSync(addon);
  rmSync(join(modules, 'pkcs11js', 'build'), { recursive: true });
  mkdirSync(dirname(addon), { recursive: true });
  writeFileSync(addon, keep, { mode: 0o755 });
  const otherNative = listFiles(modules).filter(
    (p) => (p.endsWith('.node') || p.endsWith('/binding.gyp')) && !p.startsWith('pkcs11js/'),
  );
  if (otherNative.length > 0)
    fail(
      `another native addon is a dependency now (${otherNative[0]}): add it to scripts/release/build.mjs and docs/release.md`,
    );

  // 3. The tool, its launcher and what an admin reads on the day.
  copyJs(join(src, 'dist', 'src'), join(app, 'dist', 'src'));
  mkdirSync(join(app, 'bin'));
  copyFileSync(join(src, 'bin', 'tuf-ceremony.js'), join(app, 'bin', 'tuf-ceremony.js'));
  copyFileSync(join(src, 'bin', 'tuf-ceremony.js'), join(app, 'bin', 'tuf-ceremony'));
  for (const d of ['docs', 'ceremony-scripts', 'softhsm-config'])
    cpSync(join(src, d), join(app, d), { recursive: true });
  copyFileSync(join(src, 'README.md'), join(app, 'README.md'));

  // 4. The software bill of materials, from the lockfile, with its time and serial number fixed.
  const sbom = JSON.parse(
    run('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit=dev', '--package-lock-only'], {
      cwd: app,
      env: npmEnv,
      capture: true,
    }).toString(),
  );
  writeFileSync(
    join(app, 'sbom.cdx.json'),
    `${JSON.stringify(fixSbom(sbom, name, readFileSync(join(app, 'package-lock.json')), epoch), null, 2)}\n`,
  );

  // 5. No file may name the build folders (absolute paths differ between two builds).
  for (const p of listFiles(app)) {
    const bytes = readFileSync(join(app, p));
    for (const needle of [work, repo, tmpdir() === '/tmp' ? undefined : tmpdir()].filter(Boolean)) {
      if (bytes.includes(needle)) fail(`${p} holds the absolute path ${needle}: it would differ between builds`);
    }
  }

  // 6. MANIFEST, written by the same code that `self-check` uses to check it.
  const check = await import(pathToFileURL(join(src, 'dist', 'src', 'ceremony', 'state', 'release-check.js')).href);
  const manifest = check.manifestText(app);
  writeFileSync(join(app, check.MANIFEST_FILE), manifest);

  // 7. The archive, and the published checksums.
  const tgz = reproducibleTarGz(app, name, epoch);
  mkdirSync(out, { recursive: true });
  const outputs = { [`${name}.tar.gz`]: tgz, [`${name}.MANIFEST`]: Buffer.from(manifest) };
  const sums = readSums(join(out, 'SHA256SUMS'));
  for (const [file, bytes] of Object.entries(outputs)) {
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (sums.has(file) && sums.get(file) !== digest)
      fail(`${join(out, 'SHA256SUMS')} already names a different ${file}: move the old release away first`);
    sums.set(file, digest);
    writeNew(join(out, file), bytes);
  }
  const sumsText = [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([f, d]) => `${d}  ${f}\n`)
    .join('');
  writeAtomic(join(out, 'SHA256SUMS'), sumsText);
  const manifestDigest = createHash('sha256').update(manifest).digest('hex');
  say(`wrote ${join(out, `${name}.tar.gz`)} (${tgz.length} bytes, ${manifest.split('\n').length - 1} files)`);
  process.stdout.write(
    `${sumsText
      .split('\n')
      .filter((l) => l.endsWith(name + '.tar.gz') || l.endsWith(name + '.MANIFEST'))
      .join('\n')}\nrelease digest (SHA-256 of MANIFEST): ${manifestDigest}\n`,
  );
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  process.stderr.write(`release: ${e.message}\n`);
  process.exitCode = 2;
} finally {
  if (values['keep-work']) say(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** Relative paths of every file under `dir`, in byte order. */
function listFiles(dir, rel = '') {
  const found = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) found.push(...listFiles(dir, p));
    else if (e.isFile()) found.push(p);
    else fail(`${p} in the release is a link or special file`);
  }
  return found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The compiled JavaScript of `from` (no maps, no build stamps), copied to `to`. */
function copyJs(from, to) {
  for (const p of listFiles(from)) {
    if (!p.endsWith('.js')) continue;
    mkdirSync(dirname(join(to, p)), { recursive: true });
    copyFileSync(join(from, p), join(to, p));
  }
}

/**
 * npm's SBOM names the folder it ran in, a random serial number and the current time: the name
 * becomes the package's, the serial number a UUID made from the lockfile, the time the commit's.
 */
function fixSbom(sbom, name, lockBytes, epoch) {
  const h = createHash('sha256').update(`${name}\n`).update(lockBytes).digest('hex').slice(0, 32).split('');
  h[12] = '5'; // a name-based UUID (RFC 4122 version 5 layout)
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const uuid = `${h.slice(0, 8).join('')}-${h.slice(8, 12).join('')}-${h.slice(12, 16).join('')}-${h.slice(16, 20).join('')}-${h.slice(20).join('')}`;
  sbom.serialNumber = `urn:uuid:${uuid}`;
  sbom.metadata.timestamp = new Date(epoch * 1000).toISOString();
  if (sbom.metadata.component) sbom.metadata.component.name = 'tuf-ceremony';
  return sbom;
}

function readSums(path) {
  const sums = new Map();
  if (!existsSync(path)) return sums;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (m) sums.set(m[2], m[1]);
    else if (line !== '') fail(`${path}: unexpected line "${line}"`);
  }
  return sums;
}

/** Write a new file; an existing one is left alone when it holds the same bytes, refused otherwise. */
function writeNew(path, bytes) {
  if (existsSync(path)) {
    if (statSync(path).size === bytes.length && readFileSync(path).equals(bytes)) return;
    fail(`${path} exists with other contents: move it away first (an output is never overwritten)`);
  }
  writeAtomic(path, bytes);
}

function writeAtomic(path, bytes) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes, { flag: 'wx' });
  renameSync(tmp, path);
}
