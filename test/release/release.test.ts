/**
 * The release for the offline machine (docs/release.md): built twice from the committed tree, the
 * archives are the same bytes; unpacked into a new folder, the tool checks itself and runs a whole
 * rehearsal with no network (a new network namespace, `unshare -n`) and no compiler, make, Python
 * or npm on the PATH; a changed, added or removed file makes `self-check` fail naming it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/tuf/model/digest.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLOW = 300_000;

function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (r.error) throw r.error;
  return r;
}

/** The first `unshare` form that makes a namespace without network here: as root, or as a user. */
function unshareArgs(): string[] {
  for (const args of [['-n'], ['-r', '-n']]) if (run('unshare', [...args, 'true']).status === 0) return args;
  throw new Error('unshare -n (or unshare -r -n) does not work here: this test needs a network namespace');
}

/** Programs that build native code or fetch packages: none may be on the PATH the release runs with. */
const BUILD_TOOLS =
  /gcc|g\+\+|c\+\+|clang|python|make|^cc$|^cpp|^c89|^c99|^tcc|^ld(\.|$)|^as$|npm|npx|node-gyp|corepack|pip/;

/** A folder of links to every program of the system folders except the build tools; `node` is this one. */
function pathWithoutBuildTools(dir: string): string {
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, 'node'));
  for (const system of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    let names: string[];
    try {
      names = readdirSync(system);
    } catch {
      continue;
    }
    for (const name of names) {
      if (BUILD_TOOLS.test(name)) continue;
      try {
        symlinkSync(join(system, name), join(dir, name));
      } catch {
        /* the same name from an earlier folder comes first, as on a PATH */
      }
    }
  }
  return dir;
}

describe('the release archive', { timeout: SLOW }, () => {
  let tmp: string;
  let archiveA: Buffer;
  let archiveB: Buffer;
  let sumsA: string;
  let name: string;
  let install: string;
  let digest: string;
  let offline: (args: string[]) => SpawnSyncReturns<string>;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'release-test-'));
    for (const out of ['a', 'b']) {
      const r = run(process.execPath, [join(REPO, 'scripts', 'release', 'build.mjs'), '--out', join(tmp, out)], {
        cwd: REPO,
      });
      if (r.status !== 0) throw new Error(`release build ${out} failed (${r.status}):\n${r.stderr}`);
    }
    const archives = readdirSync(join(tmp, 'a')).filter((f) => f.endsWith('.tar.gz'));
    expect(archives).toHaveLength(1);
    name = basename(archives[0]!, '.tar.gz');
    archiveA = readFileSync(join(tmp, 'a', `${name}.tar.gz`));
    archiveB = readFileSync(join(tmp, 'b', `${name}.tar.gz`));
    sumsA = readFileSync(join(tmp, 'a', 'SHA256SUMS'), 'utf8');
    mkdirSync(join(tmp, 'unpacked'));
    const x = run('tar', ['-xzf', join(tmp, 'a', `${name}.tar.gz`), '-C', join(tmp, 'unpacked')]);
    expect(x.status, x.stderr).toBe(0);
    install = join(tmp, 'unpacked', name);
    digest = sha256Hex(readFileSync(join(install, 'MANIFEST')));
    const bin = pathWithoutBuildTools(join(tmp, 'path'));
    const home = join(tmp, 'home');
    mkdirSync(home);
    const ns = unshareArgs();
    // A new network namespace has no network, and its loopback is down until brought up; an
    // air-gapped machine has its loopback (the rehearsal's client downloads from 127.0.0.1).
    offline = (args) =>
      run(
        'unshare',
        [
          ...ns,
          '--',
          'sh',
          '-c',
          'ip link set lo up && exec "$@"',
          'sh',
          'env',
          '-i',
          `PATH=${bin}`,
          `HOME=${home}`,
          'LANG=C.UTF-8',
          join(install, 'bin', 'tuf-ceremony'),
          ...args,
        ],
        { cwd: tmp },
      );
  }, SLOW);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is the same bytes when built twice from the same commit', () => {
    expect(name).toMatch(
      new RegExp(
        `^tuf-ceremony-\\d+\\.\\d+\\.\\d+-${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}$`,
      ),
    );
    expect(archiveA.equals(archiveB)).toBe(true);
    expect(readFileSync(join(tmp, 'b', 'SHA256SUMS'), 'utf8')).toBe(sumsA);
    expect(sumsA).toBe(
      `${sha256Hex(readFileSync(join(tmp, 'a', `${name}.MANIFEST`)))}  ${name}.MANIFEST\n${sha256Hex(archiveA)}  ${name}.tar.gz\n`,
    );
    expect(readFileSync(join(tmp, 'a', `${name}.MANIFEST`)).equals(readFileSync(join(install, 'MANIFEST')))).toBe(true);
  });

  it('has a gzip header without a time or a name, and entries with one time, owner 0 and fixed modes', () => {
    expect(archiveA.readUInt32LE(4)).toBe(0); // MTIME
    expect(archiveA[3]! & 0x08).toBe(0); // FNAME
    const listing = run('tar', ['--numeric-owner', '--full-time', '-tvzf', join(tmp, 'a', `${name}.tar.gz`)])
      .stdout.trim()
      .split('\n');
    const times = new Set<string>();
    for (const line of listing) {
      const [mode, owner, , day, time, path] = line.split(/\s+/);
      expect(owner, line).toBe('0/0');
      expect(['drwxr-xr-x', '-rw-r--r--', '-rwxr-xr-x'], line).toContain(mode);
      expect(path!.startsWith(`${name}/`), line).toBe(true);
      times.add(`${day} ${time}`);
    }
    expect(times.size).toBe(1);
    const paths = listing.map((l) => l.split(/\s+/)[5]!);
    expect(paths).toContain(`${name}/node_modules/pkcs11js/build/Release/pkcs11.node`);
    expect(paths).toContain(`${name}/sbom.cdx.json`);
    // node-gyp's build files and npm's hidden lockfile vary between machines; the tool's own source maps would name its sources.
    expect(
      paths.filter(
        (p) => /\/(Makefile|config\.gypi|\.package-lock\.json)$/.test(p) || /^[^/]+\/dist\/.*\.map$/.test(p),
      ),
    ).toEqual([]);
    expect(paths.some((p) => p.includes('/node_modules/typescript/') || p.includes('/node_modules/vitest/'))).toBe(
      false,
    );
  });

  it('has no compiler, make, Python or npm on the PATH it runs with, and no network', () => {
    const probe = run('unshare', [
      ...unshareArgs(),
      '--',
      'env',
      '-i',
      `PATH=${join(tmp, 'path')}`,
      'bash',
      '-c',
      'for t in cc gcc g++ c++ clang make python3 python npm npx node-gyp; do command -v "$t"; done; ' +
        'node -e \'require("node:net").connect(443, "192.0.2.1").on("error", (e) => console.log(e.code))\'',
    ]);
    expect(probe.stdout.trim()).toMatch(/^E(NETUNREACH|ADDRNOTAVAIL|HOSTUNREACH)$/);
  });

  it('checks itself offline: every file matches the MANIFEST, whose SHA-256 it prints as hex and words', () => {
    const r = offline(['self-check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain((digest.match(/.{4}/g) ?? []).join(' '));
    expect(r.stdout).toMatch(/words:\n\s+1:\w+ 2:\w+/);
    expect(r.stdout).toContain(`Node.js ${process.version}`);
    expect(r.stdout).toContain(`OpenSSL ${process.versions.openssl}`);
    expect(r.stdout).toMatch(/addon pkcs11js \d+\.\d+\.\d+: loads/);
    expect(sumsA).toContain(`${digest}  ${name}.MANIFEST`);
    // A second implementation agrees: sha256sum reads the same MANIFEST.
    expect(run('sha256sum', ['-c', '--quiet', 'MANIFEST'], { cwd: install }).status).toBe(0);
  });

  it('runs the whole rehearsal offline, and every transcript record names the release digest', () => {
    const out = join(tmp, 'rehearsal');
    const r = offline(['rehearsal', '--out', out]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Rehearsal finished.');
    const records = readFileSync(join(out, 'repo', 'transcript.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { release?: string });
    expect(records.length).toBeGreaterThan(3);
    expect(records.map((rec) => rec.release)).toEqual(records.map(() => digest));
    const v = offline(['transcript', 'verify', '--repo', join(out, 'repo')]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
  });

  it('fails with exit 3 naming a file with one changed byte, an added file and a removed one', () => {
    const file = join(install, 'dist', 'src', 'tuf', 'json', 'canonical-json.js');
    const original = readFileSync(file);
    const changed = Buffer.from(original);
    changed[100] = changed[100]! ^ 0x01;
    writeFileSync(file, changed);
    try {
      const r = offline(['self-check']);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^tuf-ceremony self-check: dist\/src\/tuf\/json\/canonical-json\.js: content differs/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      writeFileSync(file, original);
    }
    const extra = join(install, 'node_modules', 'qrcode', 'extra.js');
    writeFileSync(extra, 'module.exports = 1;\n');
    try {
      const r = offline(['self-check', '--json']);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain('node_modules/qrcode/extra.js: not in the MANIFEST');
      expect(JSON.parse(r.stdout).differences).toEqual([
        { path: 'node_modules/qrcode/extra.js', reason: 'not in the MANIFEST' },
      ]);
    } finally {
      unlinkSync(extra);
    }
    const removed = join(install, 'softhsm-config', 'make-tokens.sh');
    const script = readFileSync(removed);
    unlinkSync(removed);
    try {
      const r = offline(['self-check']);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain('softhsm-config/make-tokens.sh: missing');
    } finally {
      writeFileSync(removed, script);
    }
    expect(offline(['self-check']).status).toBe(0);
  });

  it('says a source checkout is not a release (exit 2)', () => {
    const r = run(process.execPath, [join(install, 'bin', 'tuf-ceremony'), 'self-check', '--root', REPO]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no MANIFEST: not an installed release');
  });
});
