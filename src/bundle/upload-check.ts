/**
 * What the index SHOULD check on a claimed project's upload before it publishes anything (PEP 480,
 * "Snapshot Process"), against the repository's metadata as a client trusts it:
 * - a threshold of the developer keys registered for the project signed the project's role;
 * - the signatures are valid; the role has not expired;
 * - the role is consistent with the files (length and every hash);
 * - no role signs for targets outside the paths delegated to it, and no delegation goes outside
 *   what was delegated to the delegator (further delegations only when the index allows them).
 * Also, as a client would refuse it anyway (spec 5.6.1, rollback): the version must be above the
 * published one. Every refusal is one line naming the file and the field; the verdict is all of them.
 */
import { canonicalize } from '../tuf/json/index.js';
import {
  type DelegatedRole,
  digestHex,
  type Key,
  matchPathPattern,
  Metadata,
  reservedProjectName,
  type TargetFile,
  type Targets,
} from '../tuf/model/index.js';
import { formatExpires } from '../tuf/base/index.js';
import {
  decodeRoleName,
  parseRoleFileName,
  unsignedReason,
  type VerificationResult,
  verifyRole,
} from '../tuf/verify/index.js';
import { CLAIMED, RECENTLY_CLAIMED } from './downstream-checks.js';
import {
  collidingName,
  patternWithin,
  UPLOAD_METADATA,
  UPLOAD_TARGETS,
  type UploadContents,
} from './project-upload.js';
import type { ProjectDelegation, VerifiedFolder } from './verified-folder.js';

/** Roles below the project's own that one upload may hold, when delegations are allowed. */
export const MAX_UPLOAD_ROLES = 32;

export interface UploadCheckOptions {
  at: Date;
  /** The project the upload is for; else the one role of the upload that claimed or recently-claimed delegates. */
  project?: string;
  /** Whether the project's role may delegate further (to roles in the same upload). */
  allowDelegations: boolean;
}

export interface CheckedRole {
  role: string;
  file: string;
  version: number;
  expires: string;
  delegatedBy: string;
  signatures?: VerificationResult;
}

export interface UploadVerdict {
  ok: boolean;
  project?: string;
  /** claimed (or a bin of it) or recently-claimed, and the chain from targets. */
  delegation?: { delegator: string; chain: string[]; keyids: string[]; threshold: number; paths: string[] };
  publishedVersion?: number;
  roles: CheckedRole[];
  /** Every target the uploaded roles list, and whether its file is in this upload. */
  targets: Array<{ path: string; role: string; length: number; hashes: Record<string, string>; uploaded: boolean }>;
  /** One line each: the file, the field, what is wrong. */
  problems: string[];
}

interface RoleEdge {
  role: string;
  delegator: string;
  keyids: readonly string[];
  threshold: number;
  lookup: (keyid: string) => Key | undefined;
  /** The path patterns of every delegation on the way here: a target must match each (spec 5.6.7). */
  patterns: ReadonlyArray<readonly string[]>;
}

const quote = (s: string): string => JSON.stringify(s);

/** The roles the upload's metadata files are for: role → file name under metadata/. */
function roleFiles(upload: UploadContents, problems: string[]): Map<string, { file: string; version?: number }> {
  const roles = new Map<string, { file: string; version?: number }>();
  for (const name of upload.files.keys()) {
    const [top, ...rest] = name.split('/');
    if (top !== UPLOAD_METADATA && top !== UPLOAD_TARGETS) {
      problems.push(`${name}: not under ${UPLOAD_METADATA}/ or ${UPLOAD_TARGETS}/ (PEP 480 upload layout)`);
      continue;
    }
    if (top !== UPLOAD_METADATA) continue;
    const parsed = rest.length === 1 ? parseRoleFileName(rest[0]!) : undefined;
    const role = parsed && decodeRoleName(parsed.quoted);
    if (!parsed || role === undefined) {
      problems.push(`${name}: not a metadata file name (N.<role>.json)`);
      continue;
    }
    const other = roles.get(role);
    if (other) problems.push(`${name}: a second file for role ${role} (also ${other.file})`);
    else roles.set(role, { file: name, version: parsed.version });
  }
  return roles;
}

/**
 * Who delegates `project`: claimed (or a bin of it) before recently-claimed, as PEP 480 orders
 * them (targets delegates to claimed first). When a role of claimed's is published but does not
 * verify (expired, under-signed, tampered), a client looking for the project's files stops there
 * (spec 5.6.7: a role that fails to load ends the search): recently-claimed is then no answer,
 * or a project claimed away from its online keys (or from a revoked key) would be theirs again.
 */
function delegationOf(folder: VerifiedFolder, project: string): { d?: ProjectDelegation; unreadable?: string } {
  const unreadable: string[] = [];
  const claimed = folder.findProject(CLAIMED, project, unreadable);
  if (claimed) return { d: claimed };
  if (unreadable.length) return { unreadable: unreadable[0] };
  return { d: folder.findProject(RECENTLY_CLAIMED, project) };
}

function hashProblem(bytes: Uint8Array, t: TargetFile): string | undefined {
  // TUF specification 5.7.3: the length and every listed hash; a hash that cannot be computed refuses.
  if (bytes.length !== t.length) return `${bytes.length} bytes, but the role lists ${t.length}`;
  for (const [alg, expected] of Object.entries(t.hashes)) {
    const actual = digestHex(alg, bytes);
    if (actual === undefined) return `the role lists a ${alg} hash, which this tool cannot compute`;
    if (actual !== expected) return `${alg} ${actual}, but the role lists ${expected}`;
  }
  return undefined;
}

export function checkUpload(folder: VerifiedFolder, upload: UploadContents, o: UploadCheckOptions): UploadVerdict {
  const problems: string[] = [];
  const verdict: UploadVerdict = { ok: false, roles: [], targets: [], problems };
  const files = roleFiles(upload, problems);
  const colliding = collidingName(upload.files.keys());
  if (colliding) problems.push(`${colliding.name}: ${colliding.reason}`);

  let project = o.project;
  if (project === undefined) {
    const found = [...files.keys()].map((r) => [r, delegationOf(folder, r)] as const);
    const unreadable = found.find(([, f]) => f.unreadable);
    if (unreadable) {
      problems.push(`${unreadable[1].unreadable}: claimed cannot be read, so who owns the upload cannot be told`);
      return verdict;
    }
    const delegated = found.filter(([, f]) => f.d).map(([r]) => r);
    if (delegated.length !== 1) {
      problems.push(
        delegated.length === 0
          ? `${upload.source}: no ${UPLOAD_METADATA}/N.<project>.json for a project that claimed or recently-claimed delegates`
          : `${upload.source}: roles of several projects (${delegated.join(', ')}); one upload is one project's`,
      );
      return verdict;
    }
    project = delegated[0]!;
  }
  verdict.project = project;
  const { d, unreadable } = delegationOf(folder, project);
  if (unreadable) {
    problems.push(`${unreadable}: claimed cannot be read, so who ${project} is delegated to cannot be told`);
    return verdict;
  }
  if (!d) {
    problems.push(`${project}: delegated by neither claimed nor recently-claimed; the project is registered first`);
    return verdict;
  }
  const keys = new Map(d.keys.map((k) => [k.keyid, k]));
  verdict.delegation = {
    delegator: d.delegator,
    chain: [...d.chain, project],
    keyids: [...d.role.keyids],
    threshold: d.role.threshold,
    paths: [...(d.role.paths ?? [])],
  };
  if (!d.role.paths) {
    problems.push(`${project}: ${d.delegator} delegates it by hash prefix, not by path; uploads are checked by path`);
    return verdict;
  }
  const published = folder.publishedRole(project, d.delegator);
  if (published.ok) verdict.publishedVersion = published.signed.version;
  else if (!published.absent) problems.push(`cannot compare with the published role: ${published.problem}`);
  if (!files.has(project)) {
    problems.push(`${upload.source}: no ${UPLOAD_METADATA}/N.${project}.json (the project's role)`);
    return verdict;
  }

  const listed = new Map<string, { role: string; file: string; target: TargetFile }>();
  const queue: RoleEdge[] = [
    {
      role: project,
      delegator: d.delegator,
      keyids: d.role.keyids,
      threshold: d.role.threshold,
      lookup: (k) => keys.get(k),
      patterns: [d.role.paths],
    },
  ];
  const done = new Set<string>();
  // The published copy of each role of the upload, for the names it already delegates.
  const publishedCopies = new Map<string, Targets | undefined>([
    [project, published.ok ? published.signed : undefined],
  ]);
  const publishedOf = (edge: RoleEdge): Targets | undefined => {
    if (!publishedCopies.has(edge.role)) {
      const p = folder.publishedRole(edge.role, edge.delegator);
      publishedCopies.set(edge.role, p.ok ? p.signed : undefined);
    }
    return publishedCopies.get(edge.role);
  };
  for (let i = 0; i < queue.length; i++) {
    const edge = queue[i]!;
    if (done.has(edge.role)) {
      problems.push(`${edge.role}: delegated twice in one upload`);
      continue;
    }
    done.add(edge.role);
    const entry = files.get(edge.role);
    if (!entry) {
      problems.push(`${UPLOAD_METADATA}/N.${edge.role}.json: delegated by ${edge.delegator} but not in the upload`);
      continue;
    }
    const file = entry.file;
    let md: Metadata<Targets>;
    try {
      md = Metadata.fromBytes<Targets>(upload.files.get(file)!, file, 'targets');
    } catch (e) {
      problems.push(`${(e as Error).message}`);
      continue;
    }
    const signed = md.signed;
    verdict.roles.push({
      role: edge.role,
      file,
      version: signed.version,
      expires: formatExpires(signed.expires),
      delegatedBy: edge.delegator,
    });
    // The version in the file name is the role's (consistent snapshots, spec 5.6.4's naming).
    if (entry.version !== undefined && entry.version !== signed.version)
      problems.push(`${file}: signed.version: ${signed.version}, not the ${entry.version} its name says`);
    // PEP 480: "A threshold number of the developers keys registered with PyPI by that project MUST
    // have signed"; "The signatures of delegated targets metadata files MUST be valid" (spec 5.6.3).
    const sig = verifyRole(md, edge.role, { keyids: edge.keyids, threshold: edge.threshold }, edge.lookup);
    verdict.roles.at(-1)!.signatures = sig;
    if (!sig.verified || sig.bad.length > 0)
      problems.push(
        `${file}: signatures: ${unsignedReason(sig, `the keys ${edge.delegator} delegates ${edge.role} to`)}`,
      );
    // PEP 480: "The delegated targets metadata files MUST NOT have expired" (spec 5.6.5).
    if (signed.isExpired(o.at))
      problems.push(
        `${file}: signed.expires: expired at ${formatExpires(signed.expires)} (checked at ${formatExpires(o.at)})`,
      );
    // Rollback (spec 5.6.4 against what snapshot lists): a role never goes back or stays put. The
    // project's delegated roles too: a snapshot listing one older than before is refused by every
    // client that trusted the last one (spec 5.5.5). One of them may come again unchanged (each
    // upload holds every role the project delegates): the same version, the same signed content.
    const before = edge.role === project ? verdict.publishedVersion : folder.listedVersion(edge.role);
    if (before !== undefined && signed.version < before)
      problems.push(`${file}: signed.version: ${signed.version} is not newer than the published version ${before}`);
    else if (before !== undefined && signed.version === before) {
      const same = edge.role !== project && publishedOf(edge);
      if (!same)
        problems.push(`${file}: signed.version: ${signed.version} is not newer than the published version ${before}`);
      else if (!canonicalize(same).equals(md.payload()))
        problems.push(`${file}: signed.version: ${before} is the published version, and the role differs from it`);
    }
    // PEP 480: "A delegatee MUST NOT sign for targets that were not delegated to itself".
    for (const [path, target] of signed.targets) {
      const outside = edge.patterns.find((patterns) => !patterns.some((p) => matchPathPattern(path, p)));
      if (outside)
        problems.push(`${file}: signed.targets[${quote(path)}]: outside the paths delegated (${outside.join(', ')})`);
      else if (listed.has(path))
        problems.push(`${file}: signed.targets[${quote(path)}]: also listed by ${listed.get(path)!.file}`);
      else listed.set(path, { role: edge.role, file, target });
    }
    const delegations = signed.delegations;
    if (!delegations) continue;
    if (!o.allowDelegations) {
      problems.push(`${file}: signed.delegations: the role delegates further, which this index does not allow`);
      continue;
    }
    if (delegations.succinctRoles || !delegations.roles) {
      problems.push(`${file}: signed.delegations: succinct hash bins, which an upload may not hold`);
      continue;
    }
    for (const child of delegations.roles) {
      // PEP 480: "A delegator MUST NOT delegate targets that were not delegated to itself".
      const where = `${file}: signed.delegations.roles[${quote(child.name)}]`;
      if (!child.paths) {
        problems.push(`${where}: path_hash_prefixes, which reach outside the project's paths`);
        continue;
      }
      const parent = edge.patterns.at(-1)!;
      const outside = child.paths.filter((c) => !parent.some((p) => patternWithin(c, p)));
      if (outside.length) {
        problems.push(`${where}.paths: ${outside.join(', ')} outside the delegator's paths (${parent.join(', ')})`);
        continue;
      }
      if (nameTaken(folder, child.name, publishedOf(edge))) {
        problems.push(
          `${where}: the repository has a role by that name that is not this project's (role names are one namespace: snapshot lists <role>.json)`,
        );
        continue;
      }
      if (queue.length > MAX_UPLOAD_ROLES) {
        problems.push(`${where}: more than ${MAX_UPLOAD_ROLES} roles in one upload`);
        break;
      }
      queue.push(childEdge(child, edge, (k) => delegations.key(k)));
    }
  }
  for (const role of files.keys())
    if (!done.has(role)) problems.push(`${files.get(role)!.file}: role ${role} is delegated by no role of this upload`);

  // PEP 480: "The delegated targets metadata MUST be consistent with the targets".
  const uploadedTargets = new Set<string>();
  for (const [name, bytes] of upload.files) {
    if (!name.startsWith(`${UPLOAD_TARGETS}/`)) continue;
    const path = name.slice(UPLOAD_TARGETS.length + 1);
    uploadedTargets.add(path);
    const l = listed.get(path);
    if (!l) {
      problems.push(`${name}: listed by no role of the upload`);
      continue;
    }
    const p = hashProblem(bytes, l.target);
    if (p) problems.push(`${name}: ${p} (${l.file}: signed.targets[${quote(path)}])`);
  }
  // A target not in this upload was uploaded before: the published role lists it the same.
  const before = published.ok ? published.signed.targets : new Map<string, TargetFile>();
  for (const [path, l] of listed) {
    verdict.targets.push({
      path,
      role: l.role,
      length: l.target.length,
      hashes: { ...l.target.hashes },
      uploaded: uploadedTargets.has(path),
    });
    if (uploadedTargets.has(path)) continue;
    const old = before.get(path);
    if (!old)
      problems.push(`${l.file}: signed.targets[${quote(path)}]: neither in this upload nor in the published role`);
    else if (
      old.length !== l.target.length ||
      JSON.stringify(sortedHashes(old)) !== JSON.stringify(sortedHashes(l.target))
    )
      problems.push(
        `${l.file}: signed.targets[${quote(path)}]: differs from the published role's entry, and no file came`,
      );
  }
  verdict.ok = problems.length === 0;
  return verdict;
}

/**
 * Whether a role of the upload named `name` would stand where the repository keeps a role that is
 * not the project's. Role names are one namespace: snapshot lists `<role>.json` and the index
 * publishes `N.<role>.json` (TUF specification 4.4, 5.6), so such a role would replace another
 * project's role (or the index's) with one its keys never signed. The name is taken when it is
 * one that no project may take (a PEP 458/480 role or hash bin name), when targets, claimed or
 * recently-claimed delegates it, or when snapshot lists it and the published copy of the same
 * delegator does not delegate it.
 */
function nameTaken(folder: VerifiedFolder, name: string, publishedDelegator: Targets | undefined): boolean {
  if (reservedProjectName(name) !== undefined || folder.targets.delegations?.roleKeys(name)) return true;
  const owner = delegationOf(folder, name);
  if (owner.d || owner.unreadable) return true;
  return folder.listedVersion(name) !== undefined && !publishedDelegator?.delegations?.roleKeys(name);
}

function sortedHashes(t: TargetFile): Array<[string, string]> {
  return Object.entries(t.hashes).sort(([a], [b]) => (a < b ? -1 : 1));
}

function childEdge(child: DelegatedRole, parent: RoleEdge, lookup: (k: string) => Key | undefined): RoleEdge {
  return {
    role: child.name,
    delegator: parent.role,
    keyids: child.keyids,
    threshold: child.threshold,
    lookup,
    patterns: [...parent.patterns, child.paths!],
  };
}
