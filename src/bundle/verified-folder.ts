/**
 * A metadata folder verified from a trusted root, for the people downstream of the index: find the
 * role trusted for a target path through the delegation chain (TUF specification 1.0.x section
 * 5.7.x, a preorder depth-first search that honours `terminating`), and find how a project is
 * delegated under claimed or recently-claimed (PEP 480).
 */
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { UsageError } from '../tuf/errors.js';
import { Metadata, type TargetFile, type Targets } from '../tuf/metadata.js';
import { verifyRepository, type RepositoryReport, type RoleReport } from '../tuf/repository-verifier.js';
import type { Key } from '../tuf/key.js';
import type { DelegatedRole } from '../tuf/roles.js';
import { FolderSource } from './metadata-folder.js';

/** python-tuf's and tuf-js's default cap on delegated roles visited for one target. */
const MAX_DELEGATIONS = 32;

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
}

/** The bytes of the trusted root file a verification starts from. */
export function readTrustedRoot(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read trusted root ${path}: ${(e as NodeJS.ErrnoException).code}`);
  }
}

export class VerifiedFolder {
  private readonly reports = new Map<string, RoleReport>();
  private readonly parsed = new Map<string, Targets>();

  private constructor(
    readonly dir: string,
    readonly report: RepositoryReport,
    private readonly source: FolderSource,
  ) {
    for (const r of report.roles) if (r.role !== 'root') this.reports.set(r.role, r);
  }

  /** Verify `dir` from the trusted root file at one fixed time. */
  static open(dir: string, trustedRootPath: string, at: Date): VerifiedFolder {
    const rootBytes = readTrustedRoot(trustedRootPath);
    const source = new FolderSource(dir);
    const trustedName = basename(trustedRootPath);
    const wrapped = { names: () => source.names(), read: (n: string) => (n === trustedName ? rootBytes : source.read(n)) };
    return new VerifiedFolder(dir, verifyRepository(rootBytes, trustedName, wrapped, { at }), source);
  }

  /** The root chain and the top-level roles present all verify (spec 5.3 to 5.6). */
  topLevelProblem(): string | undefined {
    for (const r of this.report.roles) {
      if (['root', 'timestamp', 'snapshot', 'targets'].includes(r.role) && r.status === 'failed') return `${r.role}: ${r.problems[0]}`;
    }
    if (this.report.rootVersion === 0) return 'root: the root chain does not verify';
    if (!this.reports.has('targets') || this.reports.get('targets')!.status !== 'ok') return 'targets: not in the folder';
    return undefined;
  }

  /** Why a role cannot be used, or undefined when it verified. */
  roleProblem(role: string): string | undefined {
    const r = this.reports.get(role);
    if (!r || r.status === 'absent') return `role ${role} is not in ${this.dir}`;
    if (r.status === 'failed') return `role ${role}: ${r.problems[0]}`;
    return undefined;
  }

  /** The signed part of a role that verified; undefined otherwise. */
  targetsOf(role: string): Targets | undefined {
    if (this.roleProblem(role)) return undefined;
    let t = this.parsed.get(role);
    if (!t) {
      const file = this.reports.get(role)!.file!;
      t = Metadata.fromBytes<Targets>(this.source.read(file), file, 'targets').signed;
      this.parsed.set(role, t);
    }
    return t;
  }

  /** Find the target info for `path` as a client would (spec 5.7.x; python-tuf `_preorder_depth_first_walk`). */
  findTarget(path: string): TargetLookup {
    const stack: Array<{ role: string; chain: string[] }> = [{ role: 'targets', chain: ['targets'] }];
    const visited = new Set<string>();
    let lastChain: string[] = [];
    while (stack.length > 0 && visited.size < MAX_DELEGATIONS) {
      const { role, chain } = stack.pop()!;
      lastChain = chain;
      if (visited.has(role)) continue;
      visited.add(role);
      const problem = this.roleProblem(role);
      if (problem) return { found: false, reason: `${problem} (needed for ${path} through ${chain.join(' → ')})`, chain };
      const signed = this.targetsOf(role)!;
      const target = signed.targets.get(path);
      if (target) return { found: true, target, role, chain };
      if (!signed.delegations) continue;
      const children: Array<{ role: string; chain: string[] }> = [];
      for (const child of signed.delegations.rolesForTarget(path)) {
        children.push({ role: child.name, chain: [...chain, child.name] });
        // A terminating role ends the search: no backtracking to other roles (spec 5.7.x).
        if (child.terminating) {
          stack.length = 0;
          break;
        }
      }
      stack.push(...children.reverse());
    }
    return { found: false, reason: `no role trusted for ${path} lists it (searched ${[...visited].join(', ')})`, chain: lastChain };
  }

  /**
   * How `project` is delegated in the subtree under `top` (claimed or recently-claimed): the
   * first delegation by that name, searched breadth first through verified roles.
   */
  findProject(top: string, project: string): ProjectDelegation | undefined {
    const queue: Array<{ role: string; chain: string[] }> = [{ role: top, chain: ['targets', top] }];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const { role, chain } = queue.shift()!;
      if (seen.has(role)) continue;
      seen.add(role);
      const delegations = this.targetsOf(role)?.delegations;
      if (!delegations) continue;
      const found = delegations.roles?.find((r) => r.name === project);
      if (found) return { delegator: role, chain, role: found, keys: found.keyids.map((k) => delegations.keys.get(k)!).filter(Boolean) };
      // Sharded claimed (hash bins): look into the bins present.
      for (const r of this.report.roles) if (r.delegatedBy === role && r.status === 'ok') queue.push({ role: r.role, chain: [...chain, r.role] });
    }
    return undefined;
  }
}
