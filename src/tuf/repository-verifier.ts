/**
 * Verify a folder of metadata as a TUF client would, with no network and one fixed "now"
 * (TUF specification 1.0.x section 5, "Detailed client workflow"; REFERENCE.md section 7):
 * the root chain from a trusted root, timestamp → snapshot → targets, then every delegated role
 * reachable from targets whose file is present. Reads files only through a MetadataSource, so this
 * module stays free of the file system.
 */
import { sha256Hex } from './digest.js';
import { CeremonyError } from './errors.js';
import { Metadata, type AnySigned, type MetaFile, type Root, type Snapshot, type Targets, type Timestamp } from './metadata.js';
import type { Delegations, RoleKeys } from './roles.js';
import { formatExpires } from './time.js';
import { verifyRole, verifyRootUpdate, verifyWithRoot, type VerificationResult } from './verification.js';
import { createHash } from 'node:crypto';

export interface MetadataSource {
  /** Plain file names in the folder. */
  names(): string[];
  /** The bytes of one of `names()`. */
  read(name: string): Uint8Array;
}

export type RoleStatus = 'ok' | 'failed' | 'absent';

export interface RoleReport {
  role: string;
  file?: string;
  delegatedBy?: string;
  version?: number;
  expires?: string;
  status: RoleStatus;
  /** Signatures against the authorizing keys (for a root: its own root role). */
  signatures?: VerificationResult;
  /** For a root after the trusted one: the previous root's root role. */
  previousRootSignatures?: VerificationResult;
  problems: string[];
}

export interface RepositoryReport {
  ok: boolean;
  at: string;
  trustedRootVersion: number;
  rootVersion: number;
  roles: RoleReport[];
}

/** File-name form of a role name: percent-encoded like python-tuf's `quote(name, "")`. */
export function roleFileName(role: string, version?: number): string {
  const quoted = encodeURIComponent(role).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return version === undefined ? `${quoted}.json` : `${version}.${quoted}.json`;
}

const ROLE_FILE = /^(?:(\d+)\.)?(.+)\.json$/;

/**
 * The parts of a metadata file name, `N.<role>.json` or `<role>.json` (undefined for any other
 * name): the role part as written (percent-encoded, see roleFileName) and the version.
 */
export function parseRoleFileName(name: string): { quoted: string; version: number | undefined } | undefined {
  const m = ROLE_FILE.exec(name);
  return m ? { quoted: m[2]!, version: m[1] === undefined ? undefined : Number(m[1]) } : undefined;
}

/** Index of the folder: role file name part → versions present (0 stands for an unversioned file). */
class FolderIndex {
  private readonly versions = new Map<string, number[]>();
  constructor(readonly source: MetadataSource) {
    for (const name of source.names()) {
      const p = parseRoleFileName(name);
      if (!p) continue;
      const list = this.versions.get(p.quoted) ?? [];
      list.push(p.version ?? 0);
      this.versions.set(p.quoted, list);
    }
  }
  has(file: string): boolean {
    const p = parseRoleFileName(file);
    return !!p && (this.versions.get(p.quoted) ?? []).includes(p.version ?? 0);
  }
  /** The file for a role: the given version, else the highest versioned file, else the unversioned one. */
  fileFor(role: string, version?: number): string | undefined {
    const quoted = roleFileName(role).slice(0, -'.json'.length);
    const list = this.versions.get(quoted);
    if (!list) return undefined;
    if (version !== undefined) {
      if (list.includes(version)) return roleFileName(role, version);
      return list.includes(0) ? roleFileName(role) : undefined;
    }
    const max = Math.max(...list);
    return max > 0 ? roleFileName(role, max) : roleFileName(role);
  }
  namesWithPrefix(prefix: string): string[] {
    return [...this.versions.keys()].filter((k) => k.startsWith(prefix));
  }
}

function message(e: unknown): string {
  return e instanceof CeremonyError ? e.message : `unexpected error: ${(e as Error)?.message ?? e}`;
}

function checkMetaFile(bytes: Uint8Array, meta: MetaFile, file: string, listedBy: string, problems: string[]): void {
  if (meta.length !== undefined && meta.length !== bytes.length) {
    problems.push(`${file}: ${listedBy} says ${meta.length} bytes, the file has ${bytes.length}`);
  }
  for (const [alg, expected] of Object.entries(meta.hashes ?? {})) {
    let actual: string;
    try {
      actual = alg === 'sha256' ? sha256Hex(bytes) : createHash(alg).update(bytes).digest('hex');
    } catch {
      problems.push(`${file}: ${listedBy} uses unsupported hash algorithm ${alg}`);
      continue;
    }
    if (actual !== expected) problems.push(`${file}: ${alg} ${actual} differs from ${expected} listed in ${listedBy}`);
  }
}

export interface VerifyOptions {
  /** The one "now" against which every expiry is checked. */
  at: Date;
}

export function verifyRepository(trustedRootBytes: Uint8Array, trustedRootName: string, source: MetadataSource, options: VerifyOptions): RepositoryReport {
  const index = new FolderIndex(source);
  const roles: RoleReport[] = [];
  const at = options.at;
  const report: RepositoryReport = { ok: false, at: formatExpires(at), trustedRootVersion: 0, rootVersion: 0, roles };

  const load = <T extends AnySigned>(file: string, type: T['type'], r: RoleReport): { md: Metadata<T>; bytes: Uint8Array } | undefined => {
    try {
      const bytes = source.read(file);
      const md = Metadata.fromBytes<T>(bytes, file, type);
      r.version = md.signed.version;
      r.expires = formatExpires(md.signed.expires);
      return { md, bytes };
    } catch (e) {
      r.problems.push(message(e));
      return undefined;
    }
  };
  const finish = (r: RoleReport): RoleReport => {
    if (r.status !== 'absent') r.status = r.problems.length === 0 ? 'ok' : 'failed';
    roles.push(r);
    return r;
  };
  const checkVersionInName = (r: RoleReport, file: string, md: Metadata): void => {
    const m = /^(\d+)\./.exec(file);
    if (m && Number(m[1]) !== md.signed.version) r.problems.push(`${file}: holds version ${md.signed.version}, not the ${m[1]} its name says`);
  };
  const checkExpiry = (r: RoleReport, file: string, md: Metadata): void => {
    if (md.signed.isExpired(at)) r.problems.push(`${file}: expired at ${formatExpires(md.signed.expires)} (checked at ${formatExpires(at)})`);
  };
  const checkSignatures = (r: RoleReport, file: string, res: VerificationResult, what: string): void => {
    // A bad signature by an authorized key fails the audit even when the threshold is met without
    // it: the file was altered after signing, or a token signed the wrong bytes.
    if (res.verified) {
      if (res.bad.length) r.problems.push(`${file}: signature by authorized key ${res.bad.join(', ')} does not verify (the threshold is met without it)`);
      return;
    }
    const detail = [res.bad.length ? `bad signature from ${res.bad.join(', ')}` : '', res.missing.length ? `missing ${res.missing.length}` : ''].filter(Boolean).join('; ');
    r.problems.push(`${file}: ${res.signed.length} of ${res.threshold} required signatures by ${what}${detail ? ` (${detail})` : ''}`);
  };

  // 1. The trusted root must be signed by a threshold of its own root keys (spec 5.2).
  const rootReport: RoleReport = { role: 'root', file: trustedRootName, status: 'ok', problems: [] };
  const trusted = load<Root>(trustedRootName, 'root', rootReport);
  if (!trusted) {
    finish(rootReport);
    return report;
  }
  let root = trusted.md;
  report.trustedRootVersion = root.signed.version;
  rootReport.signatures = verifyWithRoot(root.signed, 'root', root);
  checkSignatures(rootReport, trustedRootName, rootReport.signatures, 'its own root keys');
  finish(rootReport);
  if (rootReport.status === 'failed') return report;

  // 2. Root chain N → N+1 → …: each signed by a threshold of the old and of the new root keys (spec 5.3).
  for (let v = root.signed.version + 1; ; v++) {
    const file = roleFileName('root', v);
    if (!index.has(file)) break;
    const r: RoleReport = { role: 'root', file, status: 'ok', problems: [] };
    const loaded = load<Root>(file, 'root', r);
    if (loaded) {
      const res = verifyRootUpdate(root.signed, loaded.md);
      r.signatures = res.current;
      r.previousRootSignatures = res.previous;
      if (!res.versionOk) r.problems.push(`${file}: version ${loaded.md.signed.version} does not follow root version ${root.signed.version}`);
      checkSignatures(r, file, res.previous, `the root keys of version ${root.signed.version}`);
      checkSignatures(r, file, res.current, 'its own root keys');
    }
    finish(r);
    if (r.status === 'failed' || !loaded) return report;
    root = loaded.md;
  }
  report.rootVersion = root.signed.version;
  const newest = roles.filter((x) => x.role === 'root').at(-1)!;
  // Only the final root's expiry matters (spec 5.3.10).
  if (root.signed.isExpired(at)) {
    newest.problems.push(`${newest.file}: expired at ${formatExpires(root.signed.expires)} (checked at ${formatExpires(at)})`);
    newest.status = 'failed';
  }
  const consistent = root.signed.consistentSnapshot === true;

  // 3. Timestamp (spec 5.4), when present.
  let snapshotMeta: MetaFile | undefined;
  if (index.has('timestamp.json')) {
    const r: RoleReport = { role: 'timestamp', file: 'timestamp.json', status: 'ok', problems: [] };
    const loaded = load<Timestamp>('timestamp.json', 'timestamp', r);
    if (loaded) {
      r.signatures = verifyWithRoot(root.signed, 'timestamp', loaded.md);
      checkSignatures(r, 'timestamp.json', r.signatures, 'the timestamp keys of root');
      checkExpiry(r, 'timestamp.json', loaded.md);
      snapshotMeta = loaded.md.signed.snapshotMeta;
    }
    finish(r);
  }

  // 4. Snapshot (spec 5.5): the version timestamp names, else the newest present.
  let snapshot: Snapshot | undefined;
  const snapFile = snapshotMeta ? (consistent ? roleFileName('snapshot', snapshotMeta.version) : 'snapshot.json') : index.fileFor('snapshot');
  if (snapshotMeta && snapFile && !index.has(snapFile)) {
    finish({ role: 'snapshot', file: snapFile, status: 'failed', problems: [`${snapFile}: listed by timestamp.json but not in the folder`] });
  } else if (snapFile) {
    const r: RoleReport = { role: 'snapshot', file: snapFile, status: 'ok', problems: [] };
    const loaded = load<Snapshot>(snapFile, 'snapshot', r);
    if (loaded) {
      r.signatures = verifyWithRoot(root.signed, 'snapshot', loaded.md);
      checkSignatures(r, snapFile, r.signatures, 'the snapshot keys of root');
      checkExpiry(r, snapFile, loaded.md);
      checkVersionInName(r, snapFile, loaded.md);
      if (snapshotMeta) {
        if (snapshotMeta.version !== loaded.md.signed.version) r.problems.push(`${snapFile}: version ${loaded.md.signed.version}, but timestamp.json lists ${snapshotMeta.version}`);
        checkMetaFile(loaded.bytes, snapshotMeta, snapFile, 'timestamp.json', r.problems);
      }
      snapshot = loaded.md.signed;
    }
    finish(r);
  }

  /** Find, load and check a targets-type role; returns its signed part when it verifies. */
  const verifyTargetsRole = (role: string, authorization: RoleKeys, lookup: (k: string) => ReturnType<Root['keys']['get']>, delegatedBy: string): Targets | undefined => {
    const listed = snapshot?.meta.get(`${roleFileName(role)}`);
    const file = listed ? (consistent ? roleFileName(role, listed.version) : roleFileName(role)) : index.fileFor(role);
    const r: RoleReport = { role, delegatedBy, status: 'ok', problems: [] };
    if (!file || !index.has(file)) {
      if (listed) {
        r.file = file;
        r.problems.push(`${file}: listed by snapshot (version ${listed.version}) but not in the folder`);
      } else r.status = 'absent';
      finish(r);
      return undefined;
    }
    r.file = file;
    const loaded = load<Targets>(file, 'targets', r);
    if (loaded) {
      r.signatures = verifyRole(loaded.md, role, authorization, lookup);
      checkSignatures(r, file, r.signatures, `the keys ${delegatedBy} delegates ${role} to`);
      checkExpiry(r, file, loaded.md);
      checkVersionInName(r, file, loaded.md);
      if (listed) {
        if (listed.version !== loaded.md.signed.version) r.problems.push(`${file}: version ${loaded.md.signed.version}, but snapshot lists ${listed.version}`);
        checkMetaFile(loaded.bytes, listed, file, 'snapshot', r.problems);
      }
    }
    finish(r);
    return r.status === 'ok' ? loaded!.md.signed : undefined;
  };

  // 5. Targets (spec 5.6), then every delegated role reachable from it, in priority order (spec 5.7).
  const targets = verifyTargetsRole('targets', root.signed.roles.targets, (k) => root.signed.keys.get(k), 'root');
  const visited = new Set<string>(['root', 'targets', 'snapshot', 'timestamp']);
  const queue: Array<{ name: string; delegations: Delegations }> = [];
  if (targets?.delegations) queue.push({ name: 'targets', delegations: targets.delegations });
  while (queue.length > 0) {
    const { name: delegator, delegations } = queue.shift()!;
    const lookup = (k: string) => delegations.keys.get(k);
    const children: string[] = [];
    if (delegations.roles) children.push(...delegations.roles.map((r) => r.name));
    else if (delegations.succinctRoles) {
      // Only the bins present in the folder or listed by snapshot: 2^k bins need not all exist.
      const sr = delegations.succinctRoles;
      const names = new Set<string>();
      for (const quoted of index.namesWithPrefix(`${sr.namePrefix}-`)) if (sr.binOfName(decodeURIComponent(quoted)) !== undefined) names.add(decodeURIComponent(quoted));
      for (const metaName of snapshot?.meta.keys() ?? []) {
        const n = decodeURIComponent(metaName.replace(/\.json$/, ''));
        if (sr.binOfName(n) !== undefined) names.add(n);
      }
      children.push(...[...names].sort());
    }
    for (const child of children) {
      if (visited.has(child)) continue;
      visited.add(child);
      const auth = delegations.roleKeys(child);
      if (!auth) continue;
      const signed = verifyTargetsRole(child, auth, lookup, delegator);
      if (signed?.delegations) queue.push({ name: child, delegations: signed.delegations });
    }
  }

  // 6. Every targets-type file snapshot lists must have been reached through a delegation.
  if (snapshot) {
    const snapReport = roles.find((x) => x.role === 'snapshot')!;
    for (const metaName of snapshot.meta.keys()) {
      const role = decodeURIComponent(metaName.replace(/\.json$/, ''));
      if (!visited.has(role)) {
        snapReport.problems.push(`${snapReport.file}: lists ${metaName}, which no verified role delegates to`);
        snapReport.status = 'failed';
      }
    }
  }

  report.ok = roles.every((r) => r.status !== 'failed');
  return report;
}

/** The first problem of a report, for a one-line message. */
export function firstProblem(report: RepositoryReport): string | undefined {
  for (const r of report.roles) if (r.problems.length) return `${r.role}: ${r.problems[0]}`;
  return undefined;
}
