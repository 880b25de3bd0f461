/**
 * The decision for every request of a batch (docs/formats/request.md; PEP 480 "claimed"): add,
 * re-key (only when asked for), unchanged, or rejected with a reason. Pure: files in, decisions
 * and the next set of claimed projects out.
 *
 * A file that failed its own checks takes part in nothing else, so a broken or hostile file can
 * never change the decision for another one. Valid requests for one project with different keys
 * are all rejected, whatever the online service registered: the admins cannot tell which one is
 * the developer, and the online registration is what a compromise of the online service controls
 * (PEP 480's threat model), so it must not decide between them.
 */
import type { Key } from '../../tuf/model/index.js';
import {
  projectPaths,
  sameKeys,
  sortedKeyids,
  type ClaimedProjects,
  type ProjectDelegation,
} from './claimed-projects.js';
import type { ProjectLookup } from './claimed-changes.js';
import type { RequestFile } from './intake-read.js';
import type { DelegationRequest, RejectionCode } from './requests-format.js';

export type Decision = 'add' | 'rekey' | 'unchanged' | 'rejected';
export const DECISIONS: readonly Decision[] = ['add', 'rekey', 'unchanged', 'rejected'];

/** A project the online service lists in recently-claimed, with the keys it registered. */
export interface OnlineProject {
  name: string;
  keys: Key[];
  threshold: number;
}

export interface FileOutcome {
  file: string;
  sha256?: string;
  project?: string;
  projectAsWritten?: string;
  decision: Decision;
  reason?: RejectionCode;
  message?: string;
  keyids?: string[];
  threshold?: number;
  contact?: string;
  /** For a re-key (or a refused one): what claimed lists now. */
  previousKeyids?: string[];
  previousThreshold?: number;
}

export interface IntakeOptions {
  /** What claimed delegates to each project now. */
  claimed: ProjectLookup;
  /** The plan's target path patterns for a project delegation. */
  pathPatterns: string[];
  /** Re-keying a claimed project replaces its developer keys: only when explicitly asked. */
  allowRekey: boolean;
  /** recently-claimed, already verified; when given, a new project must be registered there with the same keys. */
  online?: Map<string, OnlineProject>;
  /** Why a project name cannot be used (it is a role name of the repository), or undefined. */
  reservedName?: (project: string) => string | undefined;
}

export interface IntakeDecisions {
  files: FileOutcome[];
  /** The projects this batch adds or re-keys, with their new delegations. */
  changes: ClaimedProjects;
  /** Projects recently-claimed lists for which no readable request came. */
  onlineWithoutRequest: Array<{ project: string; alreadyClaimed: boolean }>;
  counts: Record<Decision, number>;
}

export const shortKeyid = (keyid: string): string => keyid.slice(0, 16);
const keyList = (ids: string[]): string => ids.map(shortKeyid).join(', ');

/**
 * The same key material, whatever the custom fields or encoding (the online service may write keys
 * differently). Both ways round: a list naming one key twice is not the same as one naming two keys.
 */
function sameKeyMaterial(a: Key[], b: Key[]): boolean {
  return (
    a.length === b.length &&
    a.every((k) => b.some((o) => o.sameMaterial(k))) &&
    b.every((k) => a.some((o) => o.sameMaterial(k)))
  );
}

function reject(o: FileOutcome, reason: RejectionCode, message: string): void {
  o.decision = 'rejected';
  o.reason = reason;
  o.message = message;
}

/** The online check for a project not claimed yet: registered in recently-claimed with the same keys. */
function onlineProblem(
  req: DelegationRequest,
  online: Map<string, OnlineProject>,
): [RejectionCode, string] | undefined {
  const o = online.get(req.project);
  if (!o)
    return [
      'not-registered-online',
      `${req.project} is not in recently-claimed: the project must be registered on the index first`,
    ];
  if (!sameKeyMaterial(req.keys, o.keys)) {
    return [
      'online-keys-differ',
      `recently-claimed lists ${req.project} with keys ${keyList(sortedKeyids(o))}, the request has ${keyList(sortedKeyids(req))}`,
    ];
  }
  return undefined;
}

export function decideIntake(files: RequestFile[], options: IntakeOptions): IntakeDecisions {
  const outcomes: FileOutcome[] = [];
  const byProject = new Map<string, Array<{ o: FileOutcome; req: DelegationRequest }>>();
  for (const f of [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const o: FileOutcome = { file: f.file, decision: 'rejected' };
    if (f.sha256) o.sha256 = f.sha256;
    outcomes.push(o);
    const req = f.request;
    if (!req) {
      if (f.rejection?.project) o.project = f.rejection.project;
      reject(o, f.rejection?.reason ?? 'unreadable', f.rejection?.message ?? 'not read');
      continue;
    }
    Object.assign(o, {
      project: req.project,
      projectAsWritten: req.projectAsWritten,
      keyids: sortedKeyids(req),
      threshold: req.threshold,
      contact: req.contact,
    });
    const reserved = options.reservedName?.(req.project);
    if (reserved) {
      reject(o, 'reserved-name', reserved);
      continue;
    }
    const existing = options.claimed.get(req.project);
    if (existing) {
      o.previousKeyids = sortedKeyids(existing);
      o.previousThreshold = existing.threshold;
    }
    const list = byProject.get(req.project) ?? [];
    list.push({ o, req });
    byProject.set(req.project, list);
  }

  const changes: ClaimedProjects = new Map();
  for (const [project, list] of byProject) {
    const variants = new Set(list.map(({ req }) => `${req.threshold}:${sortedKeyids(req).join(',')}`));
    if (variants.size > 1) {
      for (const { o } of list) {
        const others = list.filter((x) => x.o !== o).map((x) => x.o.file);
        reject(
          o,
          'conflict',
          `${others.length + 1} requests for ${project} with different keys (also ${others.join(', ')}); none is taken`,
        );
      }
      continue;
    }
    const [first, ...copies] = list;
    for (const { o } of copies)
      reject(o, 'duplicate', `the same request as ${first!.o.file}, which is decided instead`);
    const { o, req } = first!;
    const existing = options.claimed.get(project);
    const wanted: ProjectDelegation = {
      name: project,
      keys: req.keys,
      threshold: req.threshold,
      paths: projectPaths(options.pathPatterns, project),
    };
    if (existing && sameKeys(existing, req)) {
      o.decision = 'unchanged';
    } else if (existing && !options.allowRekey) {
      reject(
        o,
        'claimed-with-other-keys',
        `${project} is already claimed with keys ${keyList(sortedKeyids(existing))} (threshold ${existing.threshold}); replacing them needs --allow-rekey`,
      );
    } else if (existing) {
      o.decision = 'rekey';
      changes.set(project, { ...wanted, unrecognized: existing.unrecognized });
    } else {
      // A new project: registered online with the same keys. Only once the batch has no
      // conflicting request for it: the online registration never picks one of two requests.
      const problem = options.online && onlineProblem(req, options.online);
      if (problem) {
        reject(o, ...problem);
        continue;
      }
      o.decision = 'add';
      changes.set(project, wanted);
    }
  }

  const requested = new Set(files.flatMap((f) => (f.request ? [f.request.project] : [])));
  const onlineWithoutRequest = [...(options.online?.keys() ?? [])]
    .filter((name) => !requested.has(name))
    .sort()
    .map((project) => ({ project, alreadyClaimed: options.claimed.has(project) }));
  const counts = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
  for (const o of outcomes) counts[o.decision]++;
  return { files: outcomes, changes, onlineWithoutRequest, counts };
}
