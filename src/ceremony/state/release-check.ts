/**
 * The release's MANIFEST and the check of an installed release against it (docs/release.md).
 *
 * MANIFEST is in `sha256sum` format, one line per file of the release except itself:
 * `<SHA-256 hex>  <path relative to the install folder>`, sorted by path (byte order), so that
 * `sha256sum -c MANIFEST` is a second, independent check. The SHA-256 of the MANIFEST is the
 * release digest: `self-check` prints it for two people to compare with the published
 * SHA256SUMS, and every transcript record written by a release carries it
 * (docs/formats/transcript.md).
 *
 * The release build (scripts/release/build.mjs) writes the MANIFEST with `manifestText` from this
 * module, so the writer and the checker are one implementation.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../tuf/model/index.js';
import { FormatError, UsageError, VerificationError } from '../../tuf/base/index.js';

export const MANIFEST_FILE = 'MANIFEST';
/** The PKCS#11 addon the release carries already built (docs/dependencies.md). */
export const ADDON_PACKAGE = 'pkcs11js';
export const ADDON_FILE = 'node_modules/pkcs11js/build/Release/pkcs11.node';

/** Paths a MANIFEST may name: no spaces, quotes or backslashes (sha256sum would escape them). */
const SAFE_PATH = /^[A-Za-z0-9@_+.-]+(\/[A-Za-z0-9@_+.-]+)*$/;

export interface ManifestEntry {
  path: string;
  sha256: string;
}

function isSafePath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').some((part) => part === '.' || part === '..');
}

/** The regular files under `root` and everything else (links, devices), as relative paths in byte order. */
export function walkRelease(root: string): { files: string[]; others: string[] } {
  const files: string[] = [];
  const others: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else (e.isFile() ? files : others).push(path);
    }
  };
  walk('');
  return { files: files.sort(compareBytes), others: others.sort(compareBytes) };
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The MANIFEST text for the files under `root` (every one except MANIFEST itself). */
export function manifestText(root: string): string {
  const { files, others } = walkRelease(root);
  if (others.length > 0) throw new UsageError(`${others[0]}: not a regular file or folder (a release holds no links)`);
  const lines: string[] = [];
  for (const path of files) {
    if (path === MANIFEST_FILE) continue;
    if (!isSafePath(path))
      throw new UsageError(`${path}: a release path must be letters, digits and @ _ + . - between slashes`);
    lines.push(`${sha256Hex(readFileSync(join(root, path)))}  ${path}\n`);
  }
  return lines.join('');
}

/** The entries of a MANIFEST, strictly: the format `manifestText` writes and nothing else. */
export function parseManifest(text: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  if (text.length > 0 && !text.endsWith('\n'))
    throw new FormatError(MANIFEST_FILE, 'the last line is cut short (no final newline)');
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m || !isSafePath(m[2]!))
      throw new FormatError(`${MANIFEST_FILE} line ${i + 1}`, 'expected "<sha256 hex>  <relative path>"');
    const previous = entries.at(-1);
    if (previous && compareBytes(previous.path, m[2]!) >= 0)
      throw new FormatError(`${MANIFEST_FILE} line ${i + 1}`, `${m[2]} is out of order or listed twice`);
    entries.push({ sha256: m[1]!, path: m[2]! });
  });
  return entries;
}

/**
 * The folder the running tool is installed in: the nearest folder above this module (in
 * src/ceremony or dist/src/ceremony) whose package.json is tuf-ceremony's.
 */
export function installRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (packageName(join(dir, 'package.json')) === 'tuf-ceremony') return dir;
    const up = dirname(dir);
    if (up === dir) throw new UsageError('the folder the tool is installed in (with its package.json) was not found');
    dir = up;
  }
}

function packageName(path: string): unknown {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined; // no package.json here, or not one of ours
  }
}

let runningDigest: { value: string | undefined } | undefined;

/**
 * The release digest of the running tool (SHA-256 of its MANIFEST), or undefined when it runs
 * from a source checkout, which has no MANIFEST. Read once per process: the MANIFEST of an
 * installed release does not change while it runs.
 */
export function runningReleaseDigest(): string | undefined {
  if (!runningDigest) {
    let value: string | undefined;
    try {
      value = sha256Hex(readFileSync(join(installRoot(), MANIFEST_FILE)));
    } catch {
      value = undefined;
    }
    runningDigest = { value };
  }
  return runningDigest.value;
}

export interface FileDifference {
  path: string;
  reason: 'missing' | 'not a regular file' | 'content differs' | 'not in the MANIFEST';
  expected?: string;
  actual?: string;
}

export interface ReleaseCheck {
  root: string;
  /** SHA-256 of the MANIFEST: the release digest. */
  manifestSha256: string;
  files: number;
  /** Every difference, in MANIFEST order, then files the MANIFEST does not name. */
  differences: FileDifference[];
  ok: boolean;
  runtime: { node: string; openssl: string; napi: string; platform: string; arch: string };
  addon: { name: string; version: string; file: string; loads: boolean; error?: string };
  tool: { version: string };
}

function versionOf(root: string, pkgDir: string): string {
  try {
    const v = (JSON.parse(readFileSync(join(root, pkgDir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : '(no version)';
  } catch {
    return '(not installed)';
  }
}

/**
 * Load the addon file as Node loads a native module, without using it: proof that this Node.js
 * (its N-API version) and this machine's C library can run it.
 */
function tryLoadAddon(path: string): { loads: boolean; error?: string } {
  try {
    process.dlopen({ exports: {} }, path);
    return { loads: true };
  } catch (e) {
    return { loads: false, error: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

/** Check every file of the release installed in `root` against its MANIFEST. */
export function checkRelease(root: string): ReleaseCheck {
  const manifestPath = join(root, MANIFEST_FILE);
  if (!existsSync(manifestPath))
    throw new UsageError(
      `${root} has no ${MANIFEST_FILE}: not an installed release (a source checkout has none; see docs/release.md)`,
    );
  const manifestBytes = readFileSync(manifestPath);
  let entries: ManifestEntry[];
  try {
    entries = parseManifest(manifestBytes.toString('utf8'));
  } catch (e) {
    // A MANIFEST that does not parse was changed after the release was made: a failed check.
    if (e instanceof FormatError) throw new VerificationError(e.message, 'E_RELEASE_MANIFEST', { cause: e });
    throw e;
  }
  const differences: FileDifference[] = [];
  for (const { path, sha256 } of entries) {
    const full = join(root, path);
    let isFile: boolean;
    try {
      isFile = lstatSync(full).isFile();
    } catch {
      differences.push({ path, reason: 'missing', expected: sha256 });
      continue;
    }
    if (!isFile) {
      differences.push({ path, reason: 'not a regular file', expected: sha256 });
      continue;
    }
    const actual = sha256Hex(readFileSync(full));
    if (actual !== sha256) differences.push({ path, reason: 'content differs', expected: sha256, actual });
  }
  const listed = new Set(entries.map((e) => e.path));
  const { files, others } = walkRelease(root);
  for (const path of [...files, ...others].sort(compareBytes)) {
    if (path !== MANIFEST_FILE && !listed.has(path)) differences.push({ path, reason: 'not in the MANIFEST' });
  }
  const addonPath = join(root, ADDON_FILE);
  const addon = {
    name: ADDON_PACKAGE,
    version: versionOf(root, `node_modules/${ADDON_PACKAGE}`),
    file: ADDON_FILE,
    ...tryLoadAddon(addonPath),
  };
  return {
    root,
    manifestSha256: sha256Hex(manifestBytes),
    files: entries.length,
    differences,
    ok: differences.length === 0 && addon.loads,
    runtime: {
      node: process.version,
      openssl: process.versions.openssl,
      napi: process.versions.napi ?? '(none)',
      platform: process.platform,
      arch: process.arch,
    },
    addon,
    tool: { version: versionOf(root, '.') },
  };
}

/** The verdict as an error for the CLI (exit 3), naming the first file that differs. */
export function releaseCheckError(check: ReleaseCheck): VerificationError | undefined {
  const first = check.differences[0];
  if (first) {
    const more = check.differences.length > 1 ? ` (and ${check.differences.length - 1} more difference(s))` : '';
    const detail =
      first.reason === 'content differs' ? `: SHA-256 ${first.actual}, the MANIFEST says ${first.expected}` : '';
    return new VerificationError(`${first.path}: ${first.reason}${detail}${more}`, 'E_RELEASE_MISMATCH');
  }
  if (!check.addon.loads)
    return new VerificationError(
      `${check.addon.file}: the PKCS#11 addon does not load in this Node.js: ${check.addon.error}`,
      'E_RELEASE_ADDON',
    );
  return undefined;
}
