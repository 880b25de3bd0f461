/**
 * A metadata folder read as a TUF client reads a repository, for the people downstream of the
 * index: the root chain from the caller's trusted root, then timestamp, snapshot and targets, all
 * required (TUF specification 1.0.x sections 5.3 to 5.6: without them there is no freshness and
 * no rollback protection). Delegated roles are loaded on demand, each verified against the
 * delegator on the path being searched (spec 5.6.7), through the trusted set.
 */
import { basename, join } from 'node:path';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { UsageError, VerificationError } from '../tuf/base/index.js';
import { sha256Hex, type DelegatedRole, type Key, type TargetFile, type Targets } from '../tuf/model/index.js';
import {
  decodeRoleName,
  MAX_METADATA_BYTES,
  MAX_ROOT_BYTES,
  MAX_TIMESTAMP_BYTES,
  parseRoleFileName,
  type RepositoryReport,
  roleFileName,
  snapshotMetaName,
  TrustedSet,
  TrustError,
  verifyRepository,
} from '../tuf/verify/index.js';
import { replaceFileAtomically } from './durable-files.js';
import { FolderSource } from './metadata-folder.js';

/** python-tuf's and tuf-js's default cap on delegated roles visited for one target (after targets). */
export const MAX_DELEGATIONS = 32;

export type TargetLookup =
  | { found: true; target: TargetFile; role: string; chain: string[] }
  | { found: false; reason: string; chain: string[] };

export interface ProjectDelegation {
  /** The role that delegates the project (claimed, a claimed bin, or recently-claimed). */
  delegator: string;
  /** The chain from targets down to the delegator. */
  chain: string[];
  role: DelegatedRole;
  keys: Key[];
  /**
   * Why the project's own role file is not trusted through this delegation (signed by other
   * keys, expired, …); undefined when it verifies, or when the folder has none.
   */
  fileProblem?: string;
  /** Whether the project's role file is listed by snapshot (and so published). */
  filePublished: boolean;
}

/** The result of loading a role through one edge. */
export type Loaded = { ok: true; signed: Targets } | { ok: false; absent: boolean; problem: string };

/** The files of a state folder (`--state`): the last timestamp and snapshot trusted. */
const STATE_TIMESTAMP = 'timestamp.json';
const STATE_SNAPSHOT = 'snapshot.json';

/** A file of the state folder, or undefined when there is none yet. */
function readState(state: string, name: string, limit: number): Uint8Array | undefined {
  const path = join(state, name);
  try {
    if (statSync(path).size > limit)
      throw new UsageError(`${path}: larger than any ${name} this tool keeps`, 'E_IMPORT_STATE');
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `cannot read the trusted state ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_IMPORT_STATE',
      { cause: e },
    );
  }
}

/** The bytes of the trusted root file a verification starts from. */
export function readTrustedRoot(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read trusted root ${path}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', {
      cause: e,
    });
  }
}

/**
 * `verify`: every role of a folder, reported (an offline folder may lack timestamp and snapshot),
 * with the SHA-256 of the trusted root's bytes, the ones verified from.
 */
export function auditFolder(
  dir: string,
  trustedRootPath: string,
  at: Date,
  options: { listAbsent?: boolean } = {},
): RepositoryReport & { trustedRootSha256: string } {
  const rootBytes = readTrustedRoot(trustedRootPath);
  const report = verifyRepository(rootBytes, new FolderSource(dir), {
    at,
    trustedRootName: basename(trustedRootPath),
    listAbsent: options.listAbsent,
  });
  return { ...report, trustedRootSha256: sha256Hex(rootBytes) };
}

export class VerifiedFolder {
  private constructor(
    readonly dir: string,
    private readonly set: TrustedSet,
    private readonly source: FolderSource,
  ) {}

  /**
   * Read `dir` as a client would, from the trusted root file, at one fixed time. Throws a
   * VerificationError (exit 3) naming the file and the reason when the root chain, timestamp,
   * snapshot or targets do not verify, or are missing.
   *
   * `state`: a folder where the timestamp and snapshot trusted on the last run are kept (as
   * python-tuf keeps its local metadata). They are loaded first, so that this run's may not go back
   * from them (spec 5.4.3, 5.5.5): without them, the holder of the online keys could serve an older,
   * unexpired snapshot and claimed role. This run's are kept there once they verified.
   */
  static open(dir: string, trustedRootPath: string, at: Date, options: { state?: string } = {}): VerifiedFolder {
    try {
      const folder = VerifiedFolder.read(dir, trustedRootPath, at, options.state);
      if (options.state !== undefined) folder.keepState(options.state);
      return folder;
    } catch (e) {
      if (e instanceof VerificationError)
        throw new VerificationError(`the metadata does not verify from the trusted root: ${e.message}`, e.code, {
          cause: e,
        });
      throw e;
    }
  }

  private static read(dir: string, trustedRootPath: string, at: Date, state: string | undefined): VerifiedFolder {
    const rootBytes = readTrustedRoot(trustedRootPath);
    const source = new FolderSource(dir);
    const unreadable = source.unreadableNames();
    if (unreadable.length)
      throw new VerificationError(
        `${dir}: holds a file whose name is not UTF-8 text, ${unreadable[0]}`,
        'E_BAD_FILE_NAME',
      );
    // A metadata file name no client would ask for (a malformed or needless escape) means a broken
    // or hostile mirror: refused here as verify refuses it (decision 0006).
    for (const name of source.names()) {
      const p = parseRoleFileName(name);
      if (p && decodeRoleName(p.quoted) === undefined) {
        throw new VerificationError(
          `${join(dir, name)}: not a metadata file name (the role part is not percent-encoded as TUF clients encode role names)`,
          'E_BAD_FILE_NAME',
        );
      }
    }
    const set = new TrustedSet(rootBytes, { at, mode: 'client', trustedRootName: basename(trustedRootPath) });
    for (let v = set.root.version + 1; source.has(roleFileName('root', v)); v++)
      set.updateRoot(source.read(roleFileName('root', v), MAX_ROOT_BYTES), roleFileName('root', v));
    if (state !== undefined)
      set.loadPrevious(
        readState(state, STATE_TIMESTAMP, MAX_TIMESTAMP_BYTES),
        readState(state, STATE_SNAPSHOT, MAX_METADATA_BYTES),
      );
    if (!source.has('timestamp.json')) {
      throw new TrustError(
        'timestamp',
        'timestamp.json',
        `not in ${dir}: without a timestamp a client has no freshness or rollback protection`,
        'E_NOT_LISTED',
      );
    }
    const tsBytes = source.read('timestamp.json', MAX_TIMESTAMP_BYTES);
    const ts = set.updateTimestamp(tsBytes, 'timestamp.json');
    const consistent = set.root.consistentSnapshot === true;
    const snapFile = consistent ? roleFileName('snapshot', ts.md.signed.snapshotMeta.version) : 'snapshot.json';
    if (!source.has(snapFile))
      throw new TrustError('snapshot', snapFile, `listed by timestamp.json but not in ${dir}`, 'E_NOT_LISTED');
    const snapBytes = source.read(snapFile, ts.md.signed.snapshotMeta.length);
    set.updateSnapshot(snapBytes, snapFile);
    const folder = new VerifiedFolder(dir, set, source);
    folder.trustedBytes = { timestamp: tsBytes, snapshot: snapBytes };
    const targets = folder.load('targets', 'root');
    if (!targets.ok) throw new VerificationError(targets.problem, 'E_TARGETS');
    return folder;
  }

  /** This run's timestamp and snapshot as read, kept in the state folder once they verified. */
  private trustedBytes: { timestamp: Uint8Array; snapshot: Uint8Array } | undefined;

  private keepState(state: string): void {
    try {
      mkdirSync(state, { recursive: true });
      replaceFileAtomically(join(state, STATE_TIMESTAMP), this.trustedBytes!.timestamp);
      replaceFileAtomically(join(state, STATE_SNAPSHOT), this.trustedBytes!.snapshot);
    } catch (e) {
      throw new UsageError(
        `cannot keep the trusted state in ${state}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'E_WRITE',
        { cause: e },
      );
    }
  }

  /** The file of a role as snapshot lists it, or undefined when snapshot does not list it. */
  private fileOf(role: string): string | undefined {
    const listed = this.set.snapshot!.md.signed.meta.get(snapshotMetaName(role));
    if (!listed) return undefined;
    return this.set.root.consistentSnapshot === true ? roleFileName(role, listed.version) : roleFileName(role);
  }

  /** The roles snapshot lists, in name order (made once: snapshot lists every project's role). */
  private listed: string[] | undefined;

  /** Roles snapshot lists whose names start with `prefix`, in name order. */
  private listedWithPrefix(prefix: string): string[] {
    this.listed ??= [...this.set.snapshot!.md.signed.meta.keys()]
      .flatMap((name) => (name.endsWith('.json') ? [name.slice(0, -'.json'.length)] : []))
      .sort();
    return prefix === '' ? this.listed : this.listed.filter((name) => name.startsWith(prefix));
  }

  /** Each edge is loaded once: a 361 MB claimed role is read, hashed and parsed once per run. */
  private readonly loads = new Map<string, Loaded>();

  /** Load `role` through the edge from `delegator` (`root` for targets). */
  private load(role: string, delegator: string): Loaded {
    const key = `${delegator}\0${role}`;
    let loaded = this.loads.get(key);
    if (!loaded) this.loads.set(key, (loaded = this.loadEdge(role, delegator)));
    return loaded;
  }

  private loadEdge(role: string, delegator: string): Loaded {
    const file = this.fileOf(role);
    if (!file)
      return {
        ok: false,
        absent: true,
        problem: `${roleFileName(role)}: ${this.set.snapshot!.file} does not list ${snapshotMetaName(role)}`,
      };
    if (!this.source.has(file))
      return {
        ok: false,
        absent: false,
        problem: `${file}: listed by ${this.set.snapshot!.file} but not in ${this.dir}`,
      };
    try {
      const listed = this.set.snapshot!.md.signed.meta.get(snapshotMetaName(role));
      return {
        ok: true,
        signed: this.set.updateDelegatedTargets(role, delegator, () => this.source.read(file, listed?.length), file).md
          .signed,
      };
    } catch (e) {
      if (e instanceof TrustError || e instanceof VerificationError)
        return { ok: false, absent: false, problem: e.message };
      throw e;
    }
  }

  /** Why a role that `delegator` delegates cannot be read: snapshot does not list it. */
  private unlisted(delegator: string, role: string): string {
    return `${delegator} delegates ${role}, which ${this.set.snapshot!.file} does not list`;
  }

  /** The version snapshot lists for a role, or undefined when it lists none (never published). */
  listedVersion(role: string): number | undefined {
    return this.set.snapshot!.md.signed.meta.get(snapshotMetaName(role))?.version;
  }

  /**
   * A targets-type role as published, verified through the edge from `delegator` (spec 5.6):
   * `absent` when snapshot does not list it (never published), else why it cannot be trusted.
   */
  publishedRole(role: string, delegator: string): Loaded {
    return this.load(role, delegator);
  }

  /** The signed part of targets (always trusted once open). */
  get targets(): Targets {
    return this.set.targets('targets')!.md.signed;
  }

  /**
   * Why a top-level delegation of targets (claimed, recently-claimed) cannot be used: undefined
   * when it verifies; `absent` when snapshot does not list it.
   */
  topRoleProblem(role: string): { absent: boolean; problem: string } | undefined {
    if (!this.targets.delegations?.roleKeys(role))
      return { absent: true, problem: `targets does not delegate ${role}` };
    const l = this.load(role, 'targets');
    return l.ok ? undefined : l;
  }

  /**
   * Find the target info for `path` as a client would (spec 5.6.7; python-tuf
   * `_preorder_depth_first_walk`): a stack seeded with targets; each role popped is verified
   * against the delegator that pushed it; its children whose paths match are pushed so that the
   * first listed is tried first; a terminating match drops what is left; at most 32 roles.
   */
  findTarget(path: string): TargetLookup {
    const stack: Array<{ role: string; delegator: string; chain: string[] }> = [
      { role: 'targets', delegator: 'root', chain: ['targets'] },
    ];
    const visited = new Set<string>();
    let lastChain: string[] = ['targets'];
    // python-tuf: `while len(visited_role_names) <= max_delegations`: targets and 32 more.
    while (stack.length > 0 && visited.size <= MAX_DELEGATIONS) {
      const { role, delegator, chain } = stack.pop()!;
      // python-tuf skips a role name already visited in this search.
      if (visited.has(role)) continue;
      visited.add(role);
      lastChain = chain;
      const loaded = this.load(role, delegator);
      if (!loaded.ok)
        return { found: false, reason: `${loaded.problem} (needed for ${path} through ${chain.join(' → ')})`, chain };
      const target = loaded.signed.targets.get(path);
      if (target) return { found: true, target, role, chain };
      const delegations = loaded.signed.delegations;
      if (!delegations) continue;
      const children: Array<{ role: string; delegator: string; chain: string[] }> = [];
      for (const child of delegations.rolesForTarget(path)) {
        children.push({ role: child.name, delegator: role, chain: [...chain, child.name] });
        if (child.terminating) {
          stack.length = 0;
          break;
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
    const why =
      stack.length > 0
        ? `the search stopped after ${MAX_DELEGATIONS} delegated roles`
        : 'no role trusted for it lists it';
    return { found: false, reason: `${path}: ${why} (searched ${[...visited].join(', ')})`, chain: lastChain };
  }

  /**
   * How `project` is delegated in the subtree under `top` (claimed or recently-claimed, PEP 480):
   * the first delegation by that name, searched breadth first through roles each verified
   * against the delegator that delegates it on that path (a claimed bin against claimed, never
   * against an online role delegating the same name). The project's role file, when published,
   * is checked against that delegation. Why each role on the way could not be trusted (published,
   * but it does not verify) goes to `unreadable`: the project may be delegated there.
   */
  findProject(top: string, project: string, unreadable?: string[]): ProjectDelegation | undefined {
    const queue: Array<{ role: string; delegator: string; chain: string[] }> = [
      { role: top, delegator: 'targets', chain: ['targets', top] },
    ];
    const seen = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const { role, delegator, chain } = queue[i]!;
      if (seen.has(role)) continue;
      seen.add(role);
      const loaded = this.load(role, delegator);
      if (!loaded.ok) {
        if (!loaded.absent) unreadable?.push(loaded.problem);
        continue;
      }
      const delegations = loaded.signed.delegations;
      if (!delegations) continue;
      // TAP 15 succinct bins: the project may sit in any bin; one that snapshot does not list is
      // one a client's search for its paths fails at (spec 5.6.7), so it is unreadable here.
      const succinct = delegations.succinctRoles;
      if (succinct) {
        const bins = this.listedWithPrefix(`${succinct.namePrefix}-`).filter(
          (b) => succinct.binOfName(b) !== undefined,
        );
        for (const bin of bins) queue.push({ role: bin, delegator: role, chain: [...chain, bin] });
        if (bins.length < succinct.numberOfBins) {
          const have = new Set(bins);
          let i = 0;
          while (have.has(succinct.binName(i))) i++;
          unreadable?.push(this.unlisted(role, succinct.binName(i)));
        }
        continue;
      }
      const count = delegations.roleCount;
      if (count === undefined) continue;
      const found = delegations.roleKeys(project);
      if (found && 'name' in found) {
        const projectFile = this.fileOf(project);
        const check = projectFile ? this.load(project, role) : undefined;
        return {
          delegator: role,
          chain,
          role: found,
          keys: found.keyids.map((k) => delegations.key(k)!).filter(Boolean),
          fileProblem: check && !check.ok ? check.problem : undefined,
          filePublished: projectFile !== undefined,
        };
      }
      // Sharded claimed: bins are delegations by hash prefix; look into those snapshot lists.
      // Whichever is shorter is walked, the delegations or snapshot's list, making no role
      // object but for the names on both (a flat claimed delegates to a million projects). A
      // claimed of bins (its first delegation is one: decision 0003) has few delegations: all are
      // walked, and a bin snapshot does not list is unreadable, as for succinct bins above.
      const listed = this.listedWithPrefix('');
      const isBin = (name: string): boolean => {
        const r = delegations.roleKeys(name);
        return r !== undefined && 'pathHashPrefixes' in r && r.pathHashPrefixes !== undefined;
      };
      let sharded = false;
      for (const name of delegations.roleNames()) {
        sharded = isBin(name);
        break;
      }
      const bins: string[] = [];
      for (const name of sharded || count <= listed.length ? delegations.roleNames() : listed) {
        if (!this.fileOf(name)) {
          if (sharded && isBin(name)) unreadable?.push(this.unlisted(role, name));
          continue;
        }
        if (isBin(name)) bins.push(name);
      }
      // The bin a client's search for the project's name as a target path (PEP 458) goes to is
      // looked into first: where this tool puts the project, so one bin is read, not most of them.
      const first = bins.filter((name) => (delegations.roleKeys(name) as DelegatedRole).isDelegatedPath(project));
      for (const name of [...first, ...bins.filter((b) => !first.includes(b))])
        queue.push({ role: name, delegator: role, chain: [...chain, name] });
    }
    return undefined;
  }
}
