/**
 * A full and a read-only medium, for real: the built CLI runs in a private mount namespace
 * (`unshare -m`, or `unshare -rm` without root) on a tmpfs that is tiny or mounted read-only.
 * The export fails with one clear line and leaves nothing on the medium.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PEP480_DIR } from '../helpers/vectors.js';
import { tempDir } from './fixtures.js';

const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT_DIR, 'bin', 'tuf-ceremony.js');
const BUILT = join(ROOT_DIR, 'dist', 'src', 'cli', 'main.js');

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (m, e) => Math.max(m, e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
    0,
  );
}

beforeAll(() => {
  // `npm test` builds first; a direct `vitest run` may find dist older than the sources.
  if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestSource(join(ROOT_DIR, 'src'))) {
    spawnSync(
      process.execPath,
      [join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT_DIR, 'tsconfig.build.json')],
      { cwd: ROOT_DIR },
    );
  }
}, 120_000);

/** Run `bundle export-online` onto a fresh tmpfs with `mountOptions`; report the result and what is left on it. */
function exportOnto(mountOptions: string): { code: number; stderr: string; left: string[] } {
  const from = join(tempDir('medium-'), 'metadata');
  cpSync(PEP480_DIR, from, { recursive: true });
  const medium = join(dirname(from), 'medium');
  mkdirSync(medium);
  const script =
    'mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; "$3" "$4" bundle export-online --from "$5" --to "$2"; rc=$?; echo "--left--" >&2; ls -A "$2" >&2; exit $rc';
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(
    'unshare',
    [asRoot ? '-m' : '-rm', 'sh', '-c', script, 'sh', mountOptions, medium, process.execPath, CLI, from],
    { encoding: 'utf8' },
  );
  expect(r.status, `mount in a private namespace: ${r.stderr}`).not.toBe(99);
  const [stderr, left] = r.stderr.split('--left--\n') as [string, string];
  return { code: r.status ?? -1, stderr, left: left.split('\n').filter(Boolean) };
}

describe('removable media that cannot take the bundle', () => {
  it('a full medium: one clear line, exit 2, and no partial bundle (nor temporary folder) left', () => {
    const r = exportOnto('size=16k');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tuf-ceremony bundle export-online: cannot write to .*medium: the medium is full \(ENOSPC\); no bundle was left at .*medium\/bundle-000001\n$/,
    );
    expect(r.left).toEqual([]);
  });

  it('a read-only medium: one clear line, exit 2, nothing written', () => {
    const r = exportOnto('ro,size=1m');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tuf-ceremony bundle export-online: cannot write to .*medium: the medium is read-only \(EROFS\); no bundle was left at .*\n$/,
    );
    expect(r.left).toEqual([]);
  });

  it('a medium with room: the same command writes the bundle (the control case)', () => {
    const r = exportOnto('size=1m');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.left).toEqual(['bundle-000001']);
  });
});

it('the CLI runs from the build', () => {
  expect(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
});
