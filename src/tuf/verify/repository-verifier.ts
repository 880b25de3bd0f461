/**
 * Verify a folder of metadata as a TUF client would, with no network and one fixed "now"
 * (TUF specification 1.0.x section 5), and report on every role: a layer
 * over the trusted set (src/tuf/verify/trusted-set.ts), which does every check.
 *
 * Order: the root chain from the caller's trusted root, timestamp, snapshot, targets, then every
 * delegation edge that can be reached. Each edge delegator → role is checked against that
 * delegator's keys and threshold for the role: a file that the claimed bin's keys did not sign
 * fails, whoever else delegates the same name (PEP 480: an online role must never be able to
 * speak for a claimed project). Reads files only through a MetadataSource, so this module stays
 * free of the file system.
 */
import { CeremonyError } from '../base/errors.js';
import { Metadata, type MetaFile, type Root, type Targets } from '../model/metadata.js';
import { decodeRoleName, parseRoleFileName, roleFileName, roleOfMetaName, snapshotMetaName } from './role-names.js';
import { formatExpires } from '../base/time.js';
import { TrustedSet, TrustError, type TrustMode } from './trusted-set.js';
import {
  describeResult,
  unsupportedText,
  verifyRootUpdate,
  verifyWithRoot,
  type VerificationResult,
} from './verification.js';

export { parseRoleFileName, roleFileName } from './role-names.js';

export interface MetadataSource {
  /** Plain file names in the folder. */
  names(): readonly string[];
  /** The bytes of one of `names()`; a file larger than `limit` bytes is refused unread. */
  read(name: string, limit?: number): Uint8Array;
  /** Entries whose names could not be read as text (not UTF-8), described for a message. */
  unreadableNames?(): readonly string[];
}

/** The largest metadata file read at all (a claimed role of a million projects is 361 MB). */
export const MAX_METADATA_BYTES = 1 << 30;
/**
 * Caps for the files nothing lists a length for (TUF specification 5.2 to 5.4: a client bounds
 * what it downloads; python-tuf's defaults are 512,000 bytes for a root and 16,384 for the
 * timestamp). Roots with many keys and timestamps with many signatures get room to spare.
 */
export const MAX_ROOT_BYTES = 1 << 20;
export const MAX_TIMESTAMP_BYTES = 1 << 20;

export type RoleStatus = 'ok' | 'failed';

export interface RoleReport {
  role: string;
  file?: string;
  /** The first delegator whose edge was checked; all of them in `delegators`. */
  delegatedBy?: string;
  delegators?: string[];
  version?: number;
  expires?: string;
  status: RoleStatus;
  /** Later delegations of the same name that fail (they do not fail the role; see EdgeWalk). */
  warnings?: string[];
  /** Signatures against the authorizing keys (for a root: its own root role). */
  signatures?: VerificationResult;
  /** For a root after the trusted one: the previous root's root role. */
  previousRootSignatures?: VerificationResult;
  problems: string[];
}

/** A delegated role with no file in the folder and none listed by snapshot. */
export interface AbsentRole {
  role: string;
  delegatedBy: string;
}

export interface RepositoryReport {
  ok: boolean;
  at: string;
  trustedRootVersion: number;
  rootVersion: number;
  /**
   * Whether timestamp and snapshot were present and checked: without them the folder has no
   * freshness or rollback protection (spec 5.4, 5.5), which is normal for an offline repository
   * folder and a refusal for a client.
   */
  freshness: boolean;
  roles: RoleReport[];
  /** Delegated roles with no file here, by count; listed in `absent` only when asked. */
  absentCount: number;
  absent?: AbsentRole[];
  /** Problems of the folder itself (file names no client would fetch). */
  folderProblems: string[];
  notes: string[];
}

export interface VerifyOptions {
  /** The one "now" against which every expiry is checked. */
  at: Date;
  /** How the report names the trusted root (default: "trusted root"). */
  trustedRootName?: string;
  /** Refuse a folder without timestamp and snapshot, as a client must (default false: an offline folder). */
  requireFreshness?: boolean;
  /** List every absent delegated role in the report (a count is always given). */
  listAbsent?: boolean;
}

const TOP_LEVEL = new Set(['root', 'targets', 'snapshot', 'timestamp']);

function problemOf(e: unknown): string {
  if (e instanceof TrustError || e instanceof CeremonyError) return e.message;
  throw e;
}

/**
 * The folder's metadata files by role name: versions present (0 for an unversioned file). A file
 * name whose role part is not python-tuf's exact encoding of a name is a folder problem.
 */
class FolderIndex {
  readonly versions = new Map<string, number[]>();
  readonly problems: string[] = [];
  constructor(readonly source: MetadataSource) {
    for (const n of source.unreadableNames?.() ?? [])
      this.problems.push(`${n}: a file name that is not UTF-8 text; no client would fetch it`);
    for (const name of source.names()) {
      const p = parseRoleFileName(name);
      if (!p) continue;
      const role = decodeRoleName(p.quoted);
      if (role === undefined) {
        this.problems.push(
          `${name}: not a metadata file name (the role part is not percent-encoded as TUF clients encode role names)`,
        );
        continue;
      }
      const list = this.versions.get(role);
      if (list) list.push(p.version ?? 0);
      else this.versions.set(role, [p.version ?? 0]);
    }
  }
  has(file: string): boolean {
    const p = parseRoleFileName(file);
    const role = p && decodeRoleName(p.quoted);
    return role !== undefined && (this.versions.get(role)?.includes(p!.version ?? 0) ?? false);
  }
  /** The newest file of a role: its highest versioned file, else its unversioned one. */
  newest(role: string): string | undefined {
    const list = this.versions.get(role);
    if (!list) return undefined;
    let max = 0;
    for (const v of list) if (v > max) max = v;
    return max > 0 ? roleFileName(role, max) : roleFileName(role);
  }
}

export function verifyRepository(
  trustedRootBytes: Uint8Array,
  source: MetadataSource,
  options: VerifyOptions,
): RepositoryReport {
  const index = new FolderIndex(source);
  const roles: RoleReport[] = [];
  const report: RepositoryReport = {
    ok: false,
    at: formatExpires(options.at),
    trustedRootVersion: 0,
    rootVersion: 0,
    freshness: false,
    roles,
    absentCount: 0,
    absent: options.listAbsent ? [] : undefined,
    folderProblems: index.problems,
    notes: [],
  };
  const mode: TrustMode = options.requireFreshness ? 'client' : 'audit';
  const rootName = options.trustedRootName ?? 'trusted root';
  const add = (r: RoleReport): RoleReport => {
    roles.push(r);
    return r;
  };
  const describe = (
    r: RoleReport,
    t: { md: Metadata; signatures: VerificationResult; previousSignatures?: VerificationResult },
  ): void => {
    r.version = t.md.signed.version;
    r.expires = formatExpires(t.md.signed.expires);
    r.signatures = t.signatures;
    r.previousRootSignatures = t.previousSignatures;
    for (const res of [t.signatures, t.previousSignatures]) if (res) auditSignatures(r, res);
  };
  const failed = (role: string, file: string | undefined, e: unknown): RoleReport => {
    const r = add({ role, file, status: 'failed', problems: [problemOf(e)] });
    if (e instanceof TrustError && e.signatures) r.signatures = e.signatures;
    return r;
  };
  const read = (file: string, limit?: number): Uint8Array => source.read(file, limit);

  // 1. The trusted root, signed by a threshold of its own root keys (spec 5.2).
  let set: TrustedSet;
  try {
    set = new TrustedSet(trustedRootBytes, { at: options.at, mode, trustedRootName: rootName });
  } catch (e) {
    failed('root', rootName, e);
    return finish(report);
  }
  const first = set.rootChain[0]!;
  report.trustedRootVersion = first.md.signed.version;
  describe(add({ role: 'root', file: rootName, status: 'ok', problems: [] }), first);

  // 2. Root chain N → N+1 → … (spec 5.3).
  for (let v = first.md.signed.version + 1; ; v++) {
    const file = roleFileName('root', v);
    if (!index.has(file)) break;
    try {
      const t = set.updateRoot(read(file, MAX_ROOT_BYTES), file);
      describe(add({ role: 'root', file, status: 'ok', problems: [] }), t);
    } catch (e) {
      failed('root', file, e);
      report.rootVersion = set.root.version;
      return finish(report);
    }
  }
  report.rootVersion = set.root.version;
  checkEarlierRoots(set, index, read, roles[0]!);
  // A root file past a missing version cannot be reached (spec 5.3: N+1 after N, no gap).
  for (const v of index.versions.get('root') ?? []) {
    if (v > set.root.version + 1) {
      const newest = roles.at(-1)!;
      newest.status = 'failed';
      newest.problems.push(
        `${roleFileName('root', v)}: root version ${set.root.version + 1} is missing, so it cannot be reached from the trusted root`,
      );
    }
  }
  try {
    set.checkFinalRoot();
  } catch (e) {
    const newest = roles.at(-1)!;
    newest.status = 'failed';
    newest.problems.push(problemOf(e));
  }

  // 3. Timestamp (spec 5.4) and snapshot (spec 5.5).
  const consistent = set.root.consistentSnapshot === true;
  if (index.has('timestamp.json')) {
    try {
      describe(
        add({ role: 'timestamp', file: 'timestamp.json', status: 'ok', problems: [] }),
        set.updateTimestamp(read('timestamp.json', MAX_TIMESTAMP_BYTES), 'timestamp.json'),
      );
    } catch (e) {
      roles.pop();
      failed('timestamp', 'timestamp.json', e);
    }
  } else if (mode === 'client') {
    failed(
      'timestamp',
      'timestamp.json',
      new TrustError(
        'timestamp',
        'timestamp.json',
        'not in the folder: without a timestamp a client has no freshness or rollback protection',
        'E_NOT_LISTED',
      ),
    );
  }
  const tsMeta = set.timestamp?.md.signed.snapshotMeta;
  const snapFile = tsMeta
    ? consistent
      ? roleFileName('snapshot', tsMeta.version)
      : 'snapshot.json'
    : index.newest('snapshot');
  const timestampFailed = roles.some((r) => r.role === 'timestamp' && r.status === 'failed');
  if (snapFile && !timestampFailed) {
    if (!index.has(snapFile)) {
      failed(
        'snapshot',
        snapFile,
        new TrustError('snapshot', snapFile, 'listed by timestamp.json but not in the folder', 'E_NOT_LISTED'),
      );
    } else {
      try {
        describe(
          add({ role: 'snapshot', file: snapFile, status: 'ok', problems: [] }),
          set.updateSnapshot(read(snapFile, tsMeta?.length), snapFile),
        );
      } catch (e) {
        roles.pop();
        failed('snapshot', snapFile, e);
      }
    }
  }
  report.freshness = set.timestamp !== undefined && set.snapshot !== undefined;
  if (!report.freshness) {
    if (mode === 'client') return finish(report);
    // Only when the folder has no timestamp at all: a timestamp that failed is already a failure.
    if (!index.has('timestamp.json'))
      report.notes.push(
        'no timestamp and snapshot checked: this folder has no freshness or rollback protection (normal for an offline repository folder; a client refuses it)',
      );
  }

  // 4. Targets and every delegation edge (spec 5.6).
  new EdgeWalk(set, index, report, read).run();
  return finish(report);
}

/**
 * Root files in the folder up to the trusted version: the trusted version's must be the trusted
 * root itself (not a fork of it), and each earlier one must chain forward to it (root N+1 signed
 * by N's root keys, spec 5.3.4). A client never reads them; an audit of the folder does.
 */
function checkEarlierRoots(
  set: TrustedSet,
  index: FolderIndex,
  read: (file: string, limit?: number) => Uint8Array,
  report: RoleReport,
): void {
  const trusted = set.rootChain[0]!.md;
  let next = trusted;
  for (let v = trusted.signed.version; v >= 1; v--) {
    const file = roleFileName('root', v);
    if (!index.has(file)) {
      if (v < trusted.signed.version && index.versions.get('root')?.some((x) => x > 0 && x < v))
        report.problems.push(`${file}: missing, so the earlier roots in the folder do not chain to the trusted root`);
      if (v < trusted.signed.version) break;
      continue;
    }
    try {
      const md = Metadata.fromBytes<Root>(read(file, MAX_ROOT_BYTES), file, 'root');
      if (v === trusted.signed.version) {
        if (!md.payload().equals(trusted.payload()))
          report.problems.push(`${file}: differs from the trusted root of the same version (a forked root)`);
        else
          auditSignatures(
            { ...report, file, problems: report.problems, warnings: (report.warnings ??= []) },
            verifyWithRoot(md.signed, 'root', md),
          );
        continue;
      }
      const res = verifyRootUpdate(md.signed, next);
      if (!res.verified)
        report.problems.push(
          `${next === trusted ? report.file : roleFileName('root', v + 1)}: does not chain from ${file} (${describeResult(res.previous)} by its root keys)`,
        );
      next = md;
    } catch (e) {
      report.problems.push(problemOf(e));
      break;
    }
  }
  if (report.problems.length) report.status = 'failed';
}

/** The targets-type roles and every edge delegator → role that has a file (or a snapshot entry) to check. */
class EdgeWalk {
  /** Role reports by role name. */
  private readonly byRole = new Map<string, RoleReport>();
  /** Names of delegated roles present in the folder or listed by snapshot. */
  private readonly candidates: Set<string>;
  private readonly snapshotListed: Set<string>;

  constructor(
    private readonly set: TrustedSet,
    private readonly index: FolderIndex,
    private readonly report: RepositoryReport,
    private readonly read: (file: string, limit?: number) => Uint8Array,
  ) {
    this.snapshotListed = new Set();
    for (const name of set.snapshot?.md.signed.meta.keys() ?? []) {
      const role = roleOfMetaName(name);
      if (role !== undefined) this.snapshotListed.add(role);
    }
    this.candidates = new Set([...index.versions.keys(), ...this.snapshotListed]);
    for (const top of TOP_LEVEL) this.candidates.delete(top);
  }

  run(): void {
    if (!this.index.newest('targets') && !this.snapshotListed.has('targets')) {
      // A partial folder (a bundle of roots only) has nothing below root to check.
      this.report.notes.push('no targets metadata in this folder: only the root chain was checked');
      return;
    }
    if (!this.checkEdge('root', 'targets')) return this.checkSnapshotCoverage();
    // Depth first in priority order, as a client searches (TUF specification 5.6.7), each role
    // expanded once: the first edge into a role is the one a client meets first, and decides.
    const expanded = new Set<string>(['targets']);
    const stack: Array<{ role: string; children: string[]; next: number }> = [];
    const open = (role: string): void => {
      const signed = this.set.targets(role)?.md.signed;
      if (signed?.delegations) stack.push({ role, children: this.children(role, signed), next: 0 });
    };
    open('targets');
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      if (top.next === top.children.length) {
        stack.pop();
        continue;
      }
      const child = top.children[top.next++]!;
      if (this.checkEdge(top.role, child) && !expanded.has(child)) {
        expanded.add(child);
        open(child);
      }
    }
    this.checkSnapshotCoverage();
  }

  /** The delegated roles of `role` that have something to check; the others counted as absent. */
  private children(role: string, signed: Targets): string[] {
    const d = signed.delegations!;
    const out: string[] = [];
    const listAbsent = this.report.absent !== undefined;
    const count = d.roleCount;
    if (count !== undefined) {
      // Walk whichever is smaller: the delegations, or the role files present (a claimed role
      // delegates to a million projects; a folder may hold hundreds of thousands of files).
      // Neither way makes the role objects of compact delegations (src/tuf/large-roles/compact-index.ts).
      if (count <= this.candidates.size || listAbsent) {
        for (const name of d.roleNames()) {
          if (this.candidates.has(name)) out.push(name);
          else this.absent(name, role);
        }
      } else {
        for (const name of this.candidates) if (d.roleKeys(name)) out.push(name);
        this.report.absentCount += count - out.length;
      }
    } else if (d.succinctRoles) {
      // 2^k bins need not all exist (TAP 15): only those present or listed are checked, found
      // by their prefix (not by a walk over every file for every delegator that has bins).
      for (const name of this.byPrefix().get(d.succinctRoles.namePrefix) ?? [])
        if (d.succinctRoles.binOfName(name) !== undefined) out.push(name);
      out.sort();
    }
    return out;
  }

  private prefixes: Map<string, string[]> | undefined;
  /** Candidate names by what comes before their last `-` (a bin's name prefix). */
  private byPrefix(): Map<string, string[]> {
    if (!this.prefixes) {
      this.prefixes = new Map();
      for (const name of this.candidates) {
        const dash = name.lastIndexOf('-');
        if (dash < 0) continue;
        const prefix = name.slice(0, dash);
        const list = this.prefixes.get(prefix);
        if (list) list.push(name);
        else this.prefixes.set(prefix, [name]);
      }
    }
    return this.prefixes;
  }

  private absent(role: string, delegatedBy: string): void {
    this.report.absentCount++;
    this.report.absent?.push({ role, delegatedBy });
  }

  /**
   * Check one edge; true when the role is trusted through it. The first edge into a role (the
   * delegator a client's search meets first) decides: when it fails the role fails, whoever else
   * delegates the name (an online role cannot speak for a claimed project). A later edge that
   * fails is reported as a warning: a client meets it only for that delegator's own target paths,
   * which it then refuses, so a developer's role delegating `claimed` to its own key harms no one
   * else and does not fail the repository.
   */
  private checkEdge(delegator: string, role: string): boolean {
    const snapshot = this.set.snapshot;
    const listed = snapshot?.md.signed.meta.get(snapshotMetaName(role));
    const file = this.fileToCheck(role, listed);
    let r = this.byRole.get(role);
    const first = r === undefined;
    if (!r) {
      r = { role, file, delegatedBy: delegator, delegators: [], status: 'ok', problems: [], warnings: [] };
      this.byRole.set(role, r);
      this.report.roles.push(r);
    }
    r.delegators!.push(delegator);
    const problem = (text: string): false => {
      if (first) this.fail(r, text);
      else
        r.warnings!.push(
          `${text} (${delegator} delegates ${role} after ${r.delegatedBy}, whose delegation decides; clients refuse ${role} only on ${delegator}'s own paths)`,
        );
      return false;
    };
    if (!file || !this.index.has(file)) {
      const where = listed
        ? `listed by ${snapshot!.file} (version ${listed.version}) but not in the folder`
        : 'not in the folder';
      return problem(`${file ?? roleFileName(role)}: ${where}`);
    }
    try {
      const t = this.set.updateDelegatedTargets(role, delegator, () => this.read(file, listed?.length), file);
      if (first) {
        r.version = t.md.signed.version;
        r.expires = formatExpires(t.md.signed.expires);
        r.signatures = t.signatures;
        auditSignatures(r, t.signatures);
      }
      return true;
    } catch (e) {
      if (first && e instanceof TrustError && e.signatures) r.signatures = e.signatures;
      return problem(problemOf(e));
    }
  }

  /**
   * The file a client would fetch for a role: the version snapshot lists, or without a snapshot
   * the newest N.<role>.json (consistent snapshots) or <role>.json; undefined when there is none.
   */
  private fileToCheck(role: string, listed: MetaFile | undefined): string | undefined {
    const consistent = this.set.root.consistentSnapshot === true;
    if (listed) return consistent ? roleFileName(role, listed.version) : roleFileName(role);
    if (consistent) return this.index.newest(role);
    return this.index.has(roleFileName(role)) ? roleFileName(role) : undefined;
  }

  private fail(r: RoleReport, problem: string): void {
    r.status = 'failed';
    r.problems.push(problem);
  }

  /** Every targets-type role snapshot lists must be reached through a verified delegation. */
  private checkSnapshotCoverage(): void {
    const snapshot = this.set.snapshot;
    if (!snapshot) return;
    const snapReport = this.report.roles.find((x) => x.role === 'snapshot')!;
    for (const name of snapshot.md.signed.meta.keys()) {
      const role = roleOfMetaName(name);
      if (role !== undefined && (this.byRole.has(role) || role === 'targets')) continue;
      snapReport.problems.push(`${snapshot.file}: lists ${name}, which no verified role delegates to`);
      snapReport.status = 'failed';
    }
  }
}

/**
 * A bad signature by an authorized key fails the audit even when the threshold is met without
 * it: the file was altered after signing, or a token signed the wrong bytes. A signature of a
 * scheme this tool does not verify is a warning: nothing says it is bad, and it counts as no
 * signature (docs/decisions/0009-signature-schemes.md).
 */
function auditSignatures(r: RoleReport, res: VerificationResult): void {
  // The trusted root is audited twice (as the trusted root and as its file in the folder): once
  // is enough for each line.
  const once = (lines: string[], line: string) => void (lines.includes(line) || lines.push(line));
  if (res.unsupported.length)
    once(
      (r.warnings ??= []),
      `${r.file}: ${unsupportedText(res.unsupported)}: not counted (the threshold is met without it)`,
    );
  if (res.bad.length === 0) return;
  r.status = 'failed';
  once(
    r.problems,
    `${r.file}: signature by authorized key ${res.bad.join(', ')} does not verify (the threshold is met without it)`,
  );
}

function finish(report: RepositoryReport): RepositoryReport {
  report.ok = report.folderProblems.length === 0 && report.roles.every((r) => r.status !== 'failed');
  return report;
}

/** The first problem of a report, for a one-line message. */
export function firstProblem(report: RepositoryReport): string | undefined {
  if (report.folderProblems.length) return `folder: ${report.folderProblems[0]}`;
  for (const r of report.roles) if (r.problems.length) return `${r.role}: ${r.problems[0]}`;
  return undefined;
}
