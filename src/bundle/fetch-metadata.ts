/**
 * `dev fetch`: a TUF client refresh (specification 1.0.x sections 5.3 to 5.6) that brings what a
 * developer's checks need for one project into a folder: every root after the trusted one, the
 * timestamp, the snapshot it lists, targets, claimed (or the bins that can hold the project),
 * recently-claimed and the project's role. Each file goes through the trusted set before the next
 * is asked for, so nothing unverified decides what is fetched next; each request is capped in
 * size (the length snapshot or timestamp lists, else the tool's limit) and in time, so a hostile
 * server can neither exhaust memory nor hold the client forever (the endless-data and
 * slow-retrieval attacks the TUF specification names in section 1.5.2).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, type Targets } from '../tuf/model/index.js';
import { CeremonyError, formatExpires, RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import {
  MAX_METADATA_BYTES,
  MAX_ROOT_BYTES,
  MAX_TIMESTAMP_BYTES,
  roleFileName,
  snapshotMetaName,
  TrustedSet,
  TrustError,
} from '../tuf/verify/index.js';
import { CLAIMED, RECENTLY_CLAIMED } from './downstream-checks.js';
import { fsyncDir, mediumError, removeQuietly, writeExclusive } from './durable-files.js';
import { readTrustedRoot, VerifiedFolder } from './verified-folder.js';

/** python-tuf's `max_root_rotations`: at most this many newer roots are asked for in one refresh. */
export const MAX_ROOT_ROTATIONS = 256;

/** Most bins fetched when the project's bin cannot be told from the target path patterns. */
export const MAX_BINS_FETCHED = 256;

/** Where metadata is read from: a server or a folder. `undefined` for a file that is not there. */
export interface MetadataRemote {
  readonly description: string;
  get(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

export interface FetchOptions {
  /** Each request must end within this many milliseconds (default 30 s). */
  timeoutMs?: number;
}

const fetchError = (what: string, reason: string) => new VerificationError(`${what}: ${reason}`, 'E_FETCH');

class HttpRemote implements MetadataRemote {
  constructor(
    private readonly base: URL,
    private readonly timeoutMs: number,
  ) {}

  get description(): string {
    return this.base.href;
  }

  get(name: string, maxBytes: number): Promise<Uint8Array | undefined> {
    // File names are already as clients ask for them (role names percent-encoded, role-names.ts).
    const url = new URL(name, this.base);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((done, fail) => {
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const req = request(
        url,
        { method: 'GET', headers: { 'accept-encoding': 'identity' } },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          // python-tuf treats 403 and 404 alike: the file is not there.
          if (status === 404 || status === 403) {
            res.resume();
            return finish(() => done(undefined));
          }
          if (status !== 200) {
            res.resume();
            return finish(() => fail(fetchError(url.href, `the server answered HTTP ${status}`)));
          }
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            req.destroy();
            return finish(() =>
              fail(fetchError(url.href, `${declared} bytes announced, more than the ${maxBytes} allowed`)),
            );
          }
          const chunks: Buffer[] = [];
          let got = 0;
          res.on('data', (chunk: Buffer) => {
            got += chunk.length;
            if (got > maxBytes) {
              req.destroy();
              finish(() => fail(fetchError(url.href, `more than the ${maxBytes} bytes allowed`)));
            } else chunks.push(chunk);
          });
          res.on('end', () => finish(() => done(Buffer.concat(chunks))));
          res.on('error', (e) => finish(() => fail(fetchError(url.href, e.message))));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(() => fail(fetchError(url.href, `no complete answer within ${this.timeoutMs / 1000} s`)));
      }, this.timeoutMs);
      req.on('error', (e) => finish(() => fail(fetchError(url.href, (e as NodeJS.ErrnoException).code ?? e.message))));
      req.end();
    });
  }
}

class FolderRemote implements MetadataRemote {
  constructor(private readonly dir: string) {}

  get description(): string {
    return this.dir;
  }

  async get(name: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const path = join(this.dir, name);
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw fetchError(path, 'not a plain file');
      size = st.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e instanceof VerificationError ? e : fetchError(path, (e as NodeJS.ErrnoException).code ?? String(e));
    }
    if (size > maxBytes) throw fetchError(path, `${size} bytes, more than the ${maxBytes} allowed`);
    return readFileSync(path);
  }
}

/** The remote a `--url` names: http(s)://…, file://…, or a folder (relative to `cwd`). */
export function remoteFor(url: string, cwd: string, options: FetchOptions = {}): MetadataRemote {
  if (/^https?:\/\//i.test(url)) {
    const base = new URL(url.endsWith('/') ? url : `${url}/`);
    return new HttpRemote(base, options.timeoutMs ?? 30_000);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('file:'))
    throw new UsageError(`--url ${url}: http://, https://, file:// or a folder`);
  const dir = url.startsWith('file:') ? fileURLToPath(url) : isAbsolute(url) ? url : resolve(cwd, url);
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    /* missing or unreadable: refused below */
  }
  if (!isFolder) throw new UsageError(`--url ${url}: not a folder`);
  return new FolderRemote(dir);
}

export interface FetchedMetadata {
  /** File name → bytes, as published; the trusted root included. */
  files: Map<string, Uint8Array>;
  rootVersions: number[];
  timestamp: { version: number; expires: string };
  snapshot: { version: number; expires: string };
  /** Delegated roles fetched, with the delegator each was verified against. */
  roles: Array<{ role: string; file: string; version: number; delegator: string }>;
  /** Who delegates the project (claimed, a bin of it, recently-claimed), if anyone. */
  projectDelegator?: string;
  /** Why the project's role does not verify (fetched anyway: dev check raises the alarm on it). */
  warnings: string[];
}

/**
 * The project's exact target paths, when targets' patterns for claimed tell them: a plan's
 * `{project}` becomes `*` there, so the first `*` component is read as the project's name. A
 * sharded claimed needs exact paths (docs/decisions/0003-claimed-sharding.md); where a wildcard is
 * left, no path is known and every bin is fetched.
 */
function candidatePaths(targets: Targets, project: string): string[] {
  const role = targets.delegations?.roleKeys(CLAIMED);
  const paths = role && 'paths' in role ? (role.paths ?? []) : [];
  return paths
    .map((p) => {
      const parts = p.split('/');
      const i = parts.indexOf('*');
      if (i >= 0) parts[i] = project;
      return parts.join('/');
    })
    .filter((p) => !/[*?[]/.test(p));
}

export async function fetchProjectMetadata(
  remote: MetadataRemote,
  trustedRoot: { bytes: Uint8Array; name: string },
  project: string,
  at: Date,
): Promise<FetchedMetadata> {
  const set = new TrustedSet(trustedRoot.bytes, { at, mode: 'client', trustedRootName: trustedRoot.name });
  const files = new Map<string, Uint8Array>([[roleFileName('root', set.root.version), trustedRoot.bytes]]);
  const fetched: FetchedMetadata = {
    files,
    rootVersions: [set.root.version],
    timestamp: { version: 0, expires: '' },
    snapshot: { version: 0, expires: '' },
    roles: [],
    warnings: [],
  };
  const get = async (name: string, max: number): Promise<Uint8Array | undefined> => {
    const bytes = await remote.get(name, max);
    if (bytes) files.set(name, bytes);
    return bytes;
  };
  // Spec 5.3: each newer root in turn, until there is none.
  for (let i = 0; i < MAX_ROOT_ROTATIONS; i++) {
    const name = roleFileName('root', set.root.version + 1);
    const bytes = await get(name, MAX_ROOT_BYTES);
    if (!bytes) break;
    set.updateRoot(bytes, name);
    fetched.rootVersions.push(set.root.version);
  }
  // Spec 5.4: the timestamp, required.
  const tsBytes = await get('timestamp.json', MAX_TIMESTAMP_BYTES);
  if (!tsBytes)
    throw new TrustError(
      'timestamp',
      'timestamp.json',
      `not at ${remote.description}: without a timestamp there is no freshness or rollback protection`,
      'E_NOT_LISTED',
    );
  const ts = set.updateTimestamp(tsBytes, 'timestamp.json').md.signed;
  fetched.timestamp = { version: ts.version, expires: formatExpires(ts.expires) };
  // Spec 5.5: the snapshot timestamp lists, no longer than it says.
  const consistent = set.root.consistentSnapshot === true;
  const snapFile = consistent ? roleFileName('snapshot', ts.snapshotMeta.version) : 'snapshot.json';
  const snapBytes = await get(snapFile, ts.snapshotMeta.length ?? MAX_METADATA_BYTES);
  if (!snapBytes)
    throw new TrustError(
      'snapshot',
      snapFile,
      `listed by timestamp.json but not at ${remote.description}`,
      'E_NOT_LISTED',
    );
  const snapshot = set.updateSnapshot(snapBytes, snapFile).md.signed;
  fetched.snapshot = { version: snapshot.version, expires: formatExpires(snapshot.expires) };

  // Spec 5.6: targets and the delegated roles, each as snapshot lists it, each against its delegator.
  const fileOf = (role: string) => {
    const listed = snapshot.meta.get(snapshotMetaName(role));
    return listed && { file: consistent ? roleFileName(role, listed.version) : roleFileName(role), listed };
  };
  const load = async (role: string, delegator: string): Promise<Targets | undefined> => {
    const f = fileOf(role);
    if (!f) return undefined;
    const bytes = await get(f.file, f.listed.length ?? MAX_METADATA_BYTES);
    if (!bytes)
      throw new TrustError(role, f.file, `listed by ${snapFile} but not at ${remote.description}`, 'E_NOT_LISTED');
    const signed = set.updateDelegatedTargets(role, delegator, bytes, f.file).md.signed;
    fetched.roles.push({ role, file: f.file, version: signed.version, delegator });
    return signed;
  };
  const targets = await load('targets', 'root');
  if (!targets)
    throw new TrustError('targets', 'targets.json', `${snapFile} does not list targets.json`, 'E_NOT_LISTED');

  const delegators: Array<{ role: string; signed: Targets }> = [];
  for (const top of [CLAIMED, RECENTLY_CLAIMED]) {
    if (!targets.delegations?.roleKeys(top)) continue;
    const signed = await load(top, 'targets');
    if (!signed) continue;
    delegators.push({ role: top, signed });
    const d = signed.delegations;
    if (top !== CLAIMED || !d) continue;
    // Sharded claimed: the bins the project's paths hash into; all listed bins when that cannot be told.
    const paths = candidatePaths(targets, project);
    let bins: string[];
    if (d.succinctRoles) {
      const succinct = d.succinctRoles;
      bins = paths.length
        ? paths.map((p) => succinct.roleForTarget(p))
        : [...snapshot.meta.keys()].map((k) => k.slice(0, -5)).filter((n) => succinct.binOfName(n) !== undefined);
    } else {
      const hashed = (d.roles ?? []).filter((r) => r.pathHashPrefixes !== undefined);
      bins = hashed.filter((r) => !paths.length || paths.some((p) => r.isDelegatedPath(p))).map((r) => r.name);
    }
    bins = [...new Set(bins)].filter((b) => fileOf(b));
    if (bins.length > MAX_BINS_FETCHED)
      throw new VerificationError(
        `${CLAIMED} is sharded into ${bins.length} bins and the project's bin cannot be told from the path patterns targets gives it`,
        'E_FETCH',
      );
    for (const bin of bins) {
      const signed = await load(bin, CLAIMED);
      if (signed) delegators.push({ role: bin, signed });
    }
  }
  // The project's role, through the first delegator that names it (claimed's before recently-claimed's).
  const delegator = delegators.find((x) => {
    const r = x.signed.delegations?.roleKeys(project);
    return r !== undefined && 'name' in r;
  });
  fetched.projectDelegator = delegator?.role;
  const f = fileOf(project);
  if (delegator && f) {
    try {
      await load(project, delegator.role);
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      fetched.warnings.push(`your project's published role does not verify through ${delegator.role}: ${e.message}`);
    }
  }
  return fetched;
}

/** The SHA-256 of the trusted root's bytes, for the developer to compare with the index's published one. */
export function trustedRootDigest(bytes: Uint8Array): string {
  return sha256(bytes).toString('hex');
}

/**
 * Write what was fetched to the new folder `out`: under a temporary name first, checked there by
 * `verify` (the client's own read of the folder, with the caller's saved state), then renamed, so
 * that a refusal leaves nothing behind and `out` is never overwritten.
 */
export function writeFetchedFolder(out: string, fetched: FetchedMetadata, verify: (dir: string) => void): void {
  if (existsSync(out)) throw new RefusedError(`${out} already exists; it is never overwritten`, 'E_EXISTS');
  const temp = join(dirname(resolve(out)), `.${basename(out)}.${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(temp, { mode: 0o755 });
    for (const [name, bytes] of fetched.files) writeExclusive(join(temp, name), bytes);
    verify(temp);
    renameSync(temp, out);
    fsyncDir(dirname(resolve(out)));
  } catch (e) {
    removeQuietly(temp);
    throw e instanceof CeremonyError ? e : mediumError(e, out, 'nothing was written');
  }
}

export interface FetchRun {
  url: string;
  cwd: string;
  trustedRootPath: string;
  project: string;
  at: Date;
  out: string;
  /** The client state folder (`--state`): the last timestamp and snapshot trusted, kept after. */
  state?: string;
  timeoutMs?: number;
}

/** Fetch, write the folder, and read it back as `dev check` will (with the saved state) before it is kept. */
export async function fetchIntoFolder(run: FetchRun): Promise<FetchedMetadata & { rootSha256: string }> {
  const bytes = readTrustedRoot(run.trustedRootPath);
  const remote = remoteFor(run.url, run.cwd, { timeoutMs: run.timeoutMs });
  const fetched = await fetchProjectMetadata(
    remote,
    { bytes, name: basename(run.trustedRootPath) },
    run.project,
    run.at,
  );
  writeFetchedFolder(run.out, fetched, (dir) => {
    VerifiedFolder.open(dir, run.trustedRootPath, run.at, { state: run.state });
  });
  return { ...fetched, rootSha256: trustedRootDigest(bytes) };
}
