/**
 * The projects the claimed role delegates to (PEP 480 "claimed"): one delegated role per project,
 * named after the project's PEP 503 name, signed by the developer's keys, `terminating: true`
 * with the project's target paths so that a missing target can never fall through to the online
 * roles (PEP 480).
 */
import { RefusedError } from '../../tuf/base/index.js';
import { DelegatedRole, Delegations, type JsonObject, type Key, type Targets } from '../../tuf/model/index.js';
import { PROJECT_PLACEHOLDER } from '../state/plan.js';

export interface ProjectDelegation {
  /** PEP 503 normal form; also the delegated role's name. */
  name: string;
  keys: Key[];
  threshold: number;
  paths: string[];
  /** Fields of an existing delegation this tool does not set: kept, never dropped. */
  unrecognized?: JsonObject;
}

/** Project name → delegation. */
export type ClaimedProjects = Map<string, ProjectDelegation>;

/** The target paths of one project from the plan's patterns, e.g. `{project}` → `requests`. */
export function projectPaths(patterns: readonly string[], project: string): string[] {
  return patterns.map((p) => p.replaceAll(PROJECT_PLACEHOLDER, project));
}

/** Whether a TUF path pattern is one exact path (no fnmatch wildcard, TUF specification 1.0.x section 4.5). */
export function isExactPath(pattern: string): boolean {
  return !/[*?[]/.test(pattern);
}

export function sortedKeyids(p: { keys: Key[] }): string[] {
  return p.keys.map((k) => k.keyid).sort();
}

/** The same keys (by keyid, so exactly what claimed writes) and the same threshold. */
export function sameKeys(
  a: ProjectDelegation | { keys: Key[]; threshold: number },
  b: { keys: Key[]; threshold: number },
): boolean {
  const x = sortedKeyids(a);
  const y = sortedKeyids(b);
  return a.threshold === b.threshold && x.length === y.length && x.every((k, i) => k === y[i]);
}

/** The project delegations a targets role lists (roles with `paths`; hash-prefix roles are bins). */
export function projectDelegationsOf(signed: Targets, where: string): ProjectDelegation[] {
  const d = signed.delegations;
  if (!d?.roles) return [];
  return d.roles
    .filter((r) => r.paths !== undefined)
    .map((r) => ({
      name: r.name,
      keys: r.keyids.map((id) => {
        const key = d.keys.get(id);
        if (!key)
          throw new RefusedError(`${where}: project ${r.name} names key ${id}, which is not in its delegations.keys`);
        return key;
      }),
      threshold: r.threshold,
      paths: [...r.paths!],
      unrecognized: r.unrecognized,
    }));
}

export function toDelegatedRole(p: ProjectDelegation): DelegatedRole {
  // Guard rails (docs/runbook-maintenance.md section 3): threshold between 1 and the number of keys, no key twice.
  if (p.threshold < 1 || p.threshold > p.keys.length)
    throw new RefusedError(`project ${p.name}: threshold ${p.threshold} with ${p.keys.length} keys`);
  const ids = p.keys.map((k) => k.keyid);
  if (new Set(ids).size !== ids.length) throw new RefusedError(`project ${p.name}: a key is listed twice`);
  return new DelegatedRole(p.name, ids, p.threshold, true, [...p.paths], undefined, p.unrecognized ?? {});
}

/** Delegations for a list of projects in priority order, with exactly the keys they use. */
export function projectDelegations(projects: ProjectDelegation[]): Delegations {
  const keys = new Map<string, Key>();
  for (const p of projects) for (const k of p.keys) keys.set(k.keyid, k);
  return new Delegations(keys, projects.map(toDelegatedRole), undefined);
}

/**
 * Keep the order of `before` (the role's current list) for projects still there, then append new
 * ones by name: a small change stays a small diff for the people who review it.
 */
export function orderProjects(before: readonly string[], next: Iterable<ProjectDelegation>): ProjectDelegation[] {
  const byName = new Map<string, ProjectDelegation>();
  for (const p of next) byName.set(p.name, p);
  const out: ProjectDelegation[] = [];
  for (const name of before) {
    const p = byName.get(name);
    if (p) {
      out.push(p);
      byName.delete(name);
    }
  }
  return out.concat([...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

export interface ClaimedChange {
  added: string[];
  rekeyed: string[];
  removed: string[];
}

/** Whether `next` delegates a claimed project other than `old` does: other keys, threshold or paths. */
export function rekeys(old: ProjectDelegation, next: ProjectDelegation): boolean {
  return !sameKeys(old, next) || [...old.paths].sort().join('\n') !== [...next.paths].sort().join('\n');
}

/** Which projects a change adds, re-keys (other keys, threshold or paths) and removes. */
export function diffProjects(before: ClaimedProjects, after: ClaimedProjects): ClaimedChange {
  const change: ClaimedChange = { added: [], rekeyed: [], removed: [] };
  for (const [name, p] of after) {
    const old = before.get(name);
    if (old === p) continue; // the same delegation object: kept as it was
    if (!old) change.added.push(name);
    else if (rekeys(old, p)) change.rekeyed.push(name);
  }
  for (const name of before.keys()) if (!after.has(name)) change.removed.push(name);
  for (const list of [change.added, change.rekeyed, change.removed]) list.sort();
  return change;
}
