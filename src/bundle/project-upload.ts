/**
 * A claimed project's upload (PEP 480, "Snapshot Process"): "a ZIP file containing two
 * directories, /metadata/ (containing delegated targets metadata files) and /targets/ (containing
 * targets such as the project simple index and distributions that are signed by the delegated
 * targets metadata)". The developer's side makes the project's role and writes the layout as a
 * folder and as a ZIP of it; the index's side reads either (docs/formats/upload.md).
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { digestHex, fnmatchComponent, matchPathPattern, TargetFile, Targets } from '../tuf/model/index.js';
import { RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import { fsyncDir, mediumError, removeQuietly, writeExclusive } from './durable-files.js';
import { isPlainRelativePath, readZip, writeZip, type ZipLimits } from './zip.js';

export const UPLOAD_METADATA = 'metadata';
export const UPLOAD_TARGETS = 'targets';

/** What an index takes in one upload: a release's files and its metadata, with room to spare. */
export const UPLOAD_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalBytes: 1024 ** 3 };

/**
 * The hashes a developer lists for each file: sha256 (what every TUF client computes) and
 * blake2b-256 (PEP 458's hash for PyPI, the one Warehouse publishes).
 */
export const TARGET_HASH_ALGORITHMS = ['sha256', 'blake2b-256'] as const;

export function targetFileOf(bytes: Uint8Array): TargetFile {
  const hashes: Record<string, string> = {};
  for (const alg of TARGET_HASH_ALGORITHMS) hashes[alg] = digestHex(alg, bytes)!;
  return new TargetFile(bytes.length, hashes);
}

/**
 * The key under which two names are one file where the archive is extracted: a case-insensitive
 * file system (macOS, Windows) folds case, a normalizing one (macOS) Unicode normalization.
 */
function foldedName(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/**
 * Names of an upload that would be one file where it is extracted: two that differ only by case
 * or Unicode normalization, or a file whose name is also another's folder. The first such name.
 */
export function collidingName(paths: Iterable<string>): { name: string; reason: string } | undefined {
  const files = new Map<string, string>();
  const folders = new Set<string>();
  for (const path of paths) {
    const folded = foldedName(path);
    const other = files.get(folded);
    if (other !== undefined)
      return { name: path, reason: `one file with ${other} where names differ only by case or Unicode normalization` };
    files.set(folded, path);
    const parts = folded.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  for (const [folded, path] of files)
    if (folders.has(folded)) return { name: path, reason: 'both a file and a folder of other entries' };
  return undefined;
}

/** An upload as read: its files by relative path (`metadata/…`, `targets/…`). */
export interface UploadContents {
  source: string;
  files: Map<string, Buffer>;
}

function isWildcard(component: string): boolean {
  return /[*?[]/.test(component);
}

/**
 * The target path of a release file under the project's delegated path patterns: for an exact
 * pattern, the pattern itself; else the pattern with its last component replaced by the file's
 * name, when the pattern then matches it (`my-project/*` gives `my-project/<file>`). The first
 * pattern that gives one wins; undefined when none does. Only a plain relative path is one: the
 * patterns come from the index's metadata (recently-claimed's are signed by an online key), and
 * a path with `..` would put the file outside the upload's targets/ folder.
 */
export function targetPathFor(fileName: string, patterns: readonly string[]): string | undefined {
  for (const pattern of patterns) {
    const parts = pattern.split('/');
    const candidate = parts.some(isWildcard) ? [...parts.slice(0, -1), fileName].join('/') : pattern;
    if (!isPlainRelativePath(candidate)) continue;
    if (!parts.some(isWildcard)) return pattern;
    if (!parts.slice(0, -1).some(isWildcard) && matchPathPattern(candidate, pattern)) return candidate;
  }
  return undefined;
}

/**
 * Whether every path `child` matches is also matched by `parent` (PEP 480: "A delegator MUST NOT
 * delegate targets that were not delegated to itself"). Decided per `/` component (TUF patterns
 * never cross `/`) and on the safe side: a component is within when it is the same text, when the
 * parent's is `*`, or when it is exact text that the parent's matches. Anything subtler is refused.
 */
export function patternWithin(child: string, parent: string): boolean {
  const c = child.split('/');
  const p = parent.split('/');
  return (
    c.length === p.length &&
    c.every((part, i) => part === p[i] || p[i] === '*' || (!isWildcard(part) && fnmatchComponent(part, p[i]!)))
  );
}

export interface ReleaseFile {
  /** As given on the command line, for messages. */
  path: string;
  bytes: Buffer;
  targetPath: string;
}

export interface ProjectRoleInit {
  files: ReleaseFile[];
  /** The role before this release (its targets are kept), or undefined for the first. */
  previous?: Targets;
  version?: number;
  expires: Date;
}

/**
 * The project's next role: the previous role's targets and this release's files (a file already
 * listed must be listed the same: a released file never changes), version one above the
 * previous one (or the version asked for, never lower), the expiry given. Delegations and custom
 * fields of the previous role are kept.
 */
export function nextProjectRole(init: ProjectRoleInit): Targets {
  const previous = init.previous;
  const version = init.version ?? (previous ? previous.version + 1 : 1);
  if (previous && version <= previous.version)
    throw new RefusedError(`version ${version} is not above the previous role's ${previous.version}`, 'E_GUARD_RAIL');
  const targets = new Map(previous?.targets ?? []);
  const seen = new Map<string, string>();
  for (const f of init.files) {
    const other = seen.get(f.targetPath);
    if (other) throw new UsageError(`${f.path} and ${other} would both be the target ${f.targetPath}`);
    seen.set(f.targetPath, f.path);
    const entry = targetFileOf(f.bytes);
    const old = targets.get(f.targetPath);
    if (
      old &&
      (old.length !== entry.length || Object.entries(old.hashes).some(([a, h]) => digestHex(a, f.bytes) !== h))
    )
      throw new RefusedError(
        `${f.path}: the previous role lists ${f.targetPath} with other content; a released file never changes (give the new file a new name)`,
        'E_GUARD_RAIL',
      );
    targets.set(f.targetPath, old ?? entry);
  }
  const base = previous?.copy();
  return new Targets({
    version,
    expires: init.expires,
    specVersion: base?.specVersion,
    unrecognized: base?.unrecognized,
    targets,
    delegations: base?.delegations,
  });
}

/** Read a release file, or a clear usage error. */
function readReleaseFile(path: string, limit: number, noFollow = false): Buffer {
  let fd: number;
  try {
    // In an upload folder a file is opened without following a link (O_NOFOLLOW): a link swapped
    // in after the folder was listed is refused, not read.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new VerificationError(`${path}: a symbolic link`, 'E_BAD_ARCHIVE', { cause: e });
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${path}: not a plain file`);
    if (st.size > limit) throw new UsageError(`${path}: larger than the ${limit} bytes an upload holds`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The release files given, with their target paths under the project's path patterns. */
export function readReleaseFiles(paths: readonly string[], patterns: readonly string[]): ReleaseFile[] {
  let total = 0;
  return paths.map((path) => {
    const targetPath = targetPathFor(basename(path), patterns);
    if (targetPath === undefined)
      throw new UsageError(
        `${path}: no target path for "${basename(path)}" under the project's path patterns ${patterns.join(', ')}`,
      );
    const bytes = readReleaseFile(path, UPLOAD_LIMITS.maxTotalBytes - total);
    total += bytes.length;
    return { path, bytes, targetPath };
  });
}

/**
 * Write the upload layout to the new folder `out` and the same files as `out`.zip: the folder is
 * written under a temporary name and renamed when whole; neither is ever overwritten.
 */
export function writeUpload(
  out: string,
  files: ReadonlyArray<readonly [string, Uint8Array]>,
): { zip: string; zipBytes: Buffer } {
  const zip = `${out}.zip`;
  for (const p of [out, zip]) {
    let exists = true;
    try {
      lstatSync(p);
    } catch {
      exists = false;
    }
    if (exists) throw new RefusedError(`${p} already exists; an upload is never overwritten`, 'E_EXISTS');
  }
  // Every name stays inside the new folder, whatever made it (docs/formats/upload.md).
  const escaping = files.find(([name]) => !isPlainRelativePath(name));
  if (escaping)
    throw new RefusedError(`${escaping[0]}: not a plain relative path; nothing was written`, 'E_GUARD_RAIL');
  const zipBytes = writeZip(files);
  const temp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}`);
  try {
    for (const [name, bytes] of files) {
      const path = join(temp, name);
      mkdirSync(dirname(path), { recursive: true });
      writeExclusive(path, bytes);
    }
    renameSync(temp, out);
    fsyncDir(dirname(out));
    writeExclusive(zip, zipBytes);
  } catch (e) {
    removeQuietly(temp);
    throw mediumError(e, out, 'nothing was written');
  }
  return { zip, zipBytes };
}

/** Every file under a folder (relative path → bytes); links and other entries are refused. */
function readUploadFolder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, relPath));
      if (st.isSymbolicLink()) throw new VerificationError(`${join(dir, relPath)}: a symbolic link`, 'E_BAD_ARCHIVE');
      if (st.isDirectory()) walk(relPath);
      else if (!st.isFile()) throw new VerificationError(`${join(dir, relPath)}: not a plain file`, 'E_BAD_ARCHIVE');
      else {
        if (files.size >= UPLOAD_LIMITS.maxEntries || total + st.size > UPLOAD_LIMITS.maxTotalBytes)
          throw new VerificationError(`${dir}: more files or bytes than an upload holds`, 'E_BAD_ARCHIVE');
        if (!isPlainRelativePath(relPath))
          throw new VerificationError(`${join(dir, relPath)}: not a plain file name`, 'E_BAD_ARCHIVE');
        const bytes = readReleaseFile(join(dir, relPath), UPLOAD_LIMITS.maxTotalBytes - total, true);
        total += bytes.length;
        files.set(relPath, bytes);
      }
    }
  };
  walk('');
  return files;
}

/** An upload: a folder with `metadata/` and `targets/`, or a `.zip` of one. */
export function readUpload(path: string): UploadContents {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    throw new UsageError(`cannot read the upload ${path}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', {
      cause: e,
    });
  }
  if (st.isDirectory()) return { source: path, files: readUploadFolder(path) };
  if (!st.isFile()) throw new UsageError(`${path}: neither a folder nor a ZIP file`);
  const bytes = readReleaseFile(path, UPLOAD_LIMITS.maxTotalBytes);
  return { source: path, files: readZip(bytes, path, UPLOAD_LIMITS) };
}
