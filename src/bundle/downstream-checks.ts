/**
 * Checks for the people downstream of the index, over a metadata folder verified from a trusted
 * root and nothing else (no network, no trust in the index):
 * - a developer: is my project delegated, through claimed, to exactly my keys and threshold?
 * - a user of pip: is this downloaded file the one the trusted role lists for its path?
 */
import { digestHex, type Key } from '../tuf/model/index.js';
import { UsageError, VerificationError } from '../tuf/base/index.js';
import type { ProjectDelegation, VerifiedFolder } from './verified-folder.js';

export const CLAIMED = 'claimed';
export const RECENTLY_CLAIMED = 'recently-claimed';

/**
 * claimed: delegated by claimed to exactly these keys (and threshold, when asked).
 * recently-claimed: only in the online recently-claimed role, with these keys (not yet protected
 * by the offline keys). other-keys: delegated to other keys or another threshold: raise the alarm.
 * absent: in neither.
 */
export type ProjectStatus = 'claimed' | 'recently-claimed' | 'other-keys' | 'absent';

export interface ProjectCheck {
  project: string;
  status: ProjectStatus;
  /** Where it was found: claimed takes priority over recently-claimed (PEP 480). */
  delegation?: ProjectDelegation;
  /** Keys of the delegation that are not among the developer's, and the developer's keys it lacks. */
  unexpectedKeys: string[];
  missingKeys: string[];
  thresholdMismatch?: { expected: number; actual: number };
  /** A threshold above the number of distinct keys the delegation lists. */
  unreachable?: { distinct: number; threshold: number };
  /** Claimed, but the online recently-claimed role also delegates the name, to other keys. */
  alsoOnline?: { delegator: string; keyids: string[] };
  /** Why the published project role does not verify through the delegation found. */
  fileProblem?: string;
  warnings: string[];
}

function compare(d: ProjectDelegation, mine: Key[], threshold: number | undefined) {
  // Compared by key material: a keyid also covers custom fields such as the holder's name.
  const unexpectedKeys = d.keys.filter((k) => !mine.some((m) => m.sameMaterial(k))).map((k) => k.keyid);
  const missingKeys = mine.filter((m) => !d.keys.some((k) => k.sameMaterial(m))).map((k) => k.keyid);
  const thresholdMismatch =
    threshold !== undefined && threshold !== d.role.threshold
      ? { expected: threshold, actual: d.role.threshold }
      : undefined;
  // One key listed twice (two encodings) counts once toward a threshold (decision 0004): a
  // threshold above the number of distinct keys can never be met, and the project is locked out.
  const distinct = new Set(d.keys.map((k) => k.materialId)).size;
  const unreachable = distinct < d.role.threshold ? { distinct, threshold: d.role.threshold } : undefined;
  const matches = unexpectedKeys.length === 0 && missingKeys.length === 0 && !thresholdMismatch && !unreachable;
  return { unexpectedKeys, missingKeys, thresholdMismatch, unreachable, matches };
}

export function checkProject(folder: VerifiedFolder, project: string, mine: Key[], threshold?: number): ProjectCheck {
  if (mine.length === 0) throw new UsageError('give at least one --key');
  // A top-level role that is published but does not verify leaves no answer: refuse (exit 3).
  for (const top of [CLAIMED, RECENTLY_CLAIMED]) {
    const p = folder.topRoleProblem(top);
    if (p && !p.absent) throw new VerificationError(`cannot answer: ${p.problem}`);
  }
  const warnings: string[] = [];
  for (const top of [CLAIMED, RECENTLY_CLAIMED] as const) {
    const unreadable: string[] = [];
    const d = folder.findProject(top, project, unreadable);
    // A bin of claimed that does not verify may be the project's: a client's search stops there
    // (TUF specification 5.6.7), so what recently-claimed says is no answer either.
    if (!d && unreadable.length) throw new VerificationError(`cannot answer: ${unreadable[0]}`);
    if (!d) continue;
    const c = compare(d, mine, threshold);
    // PEP 480: a project in claimed is terminating, so its targets cannot fall through to online roles.
    if (top === CLAIMED && !d.role.terminating)
      warnings.push(
        `the delegation of ${project} in ${d.delegator} is not terminating: a target it lacks falls through to the online roles`,
      );
    // Once claimed, the online role must not name other keys for the project too (PEP 480: the
    // online side drops a project from recently-claimed when it moves to claimed): whoever holds
    // them is one search path away from speaking for it.
    const online = top === CLAIMED ? folder.findProject(RECENTLY_CLAIMED, project) : undefined;
    const onlineOther = online && !compare(online, mine, undefined).matches ? online : undefined;
    // The published project role must be signed by the keys this delegation names: a file signed
    // by other keys is what an attacker holding an online key would publish.
    const status: ProjectStatus = c.matches && !d.fileProblem && !onlineOther ? top : 'other-keys';
    const alsoOnline = onlineOther && {
      delegator: onlineOther.delegator,
      keyids: onlineOther.keys.map((k) => k.keyid),
    };
    return {
      project,
      status,
      delegation: d,
      unexpectedKeys: c.unexpectedKeys,
      missingKeys: c.missingKeys,
      thresholdMismatch: c.thresholdMismatch,
      unreachable: c.unreachable,
      fileProblem: d.fileProblem,
      alsoOnline,
      warnings,
    };
  }
  const claimed = folder.topRoleProblem(CLAIMED);
  if (claimed) warnings.push(`${claimed.problem}: cannot tell whether the project is claimed`);
  return { project, status: 'absent', unexpectedKeys: [], missingKeys: [], warnings };
}

/** How many `/` components the target paths of this repository have, from the top-level delegations (the plan's project_paths). */
export function targetPathComponents(folder: VerifiedFolder): number | undefined {
  const roles = folder.targets.delegations?.roles ?? [];
  const counts = new Set(roles.flatMap((r) => r.paths ?? []).map((p) => p.split('/').length));
  return counts.size === 1 ? [...counts][0] : undefined;
}

/** The target path of a download URL: its last `components` path components, percent-decoded. */
export function targetPathOfUrl(url: string, components: number): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL`);
  }
  const parts = u.pathname.split('/').filter((p) => p !== '');
  if (parts.length < components)
    throw new UsageError(
      `${url}: the path has fewer than the ${components} components a target path has here; give --target-path`,
    );
  const decoded = parts.slice(-components).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new UsageError(`${url}: "${p}" is not valid percent-encoding`);
    }
  });
  // A decoded component must stay one component (no `/`, `..` or `.`).
  if (decoded.some((p) => p.includes('/') || p === '..' || p === '.'))
    throw new UsageError(`${url}: the path does not map to a plain target path`);
  return decoded.join('/');
}

export interface DownloadCheck {
  ok: boolean;
  targetPath: string;
  reason?: string;
  role?: string;
  chain: string[];
  length?: number;
  hashes?: Record<string, string>;
}

/** TUF spec 5.7.x and python-tuf verify_length_and_hashes: the length and every listed hash must match. */
export function checkDownload(folder: VerifiedFolder, bytes: Uint8Array, targetPath: string): DownloadCheck {
  const found = folder.findTarget(targetPath);
  if (!found.found) return { ok: false, targetPath, reason: found.reason, chain: found.chain };
  const { target, role, chain } = found;
  const base = { targetPath, role, chain, length: target.length, hashes: target.hashes };
  if (bytes.length !== target.length)
    return { ...base, ok: false, reason: `${targetPath}: ${bytes.length} bytes, but ${role} lists ${target.length}` };
  // Every listed hash must be checked; one that cannot be computed is a refusal, as in python-tuf.
  for (const [alg, expected] of Object.entries(target.hashes)) {
    const actual = digestHex(alg, bytes);
    if (actual === undefined)
      return {
        ...base,
        ok: false,
        reason: `${targetPath}: ${role} lists a ${alg} hash, which this tool cannot compute`,
      };
    if (actual !== expected)
      return {
        ...base,
        ok: false,
        reason: `${targetPath}: ${alg} ${actual} differs from ${expected} listed by ${role}`,
      };
  }
  return { ...base, ok: true };
}
