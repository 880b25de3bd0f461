/**
 * Reading the current claimed role (flat or sharded) from the repository and proposing the next
 * versions after a change of projects (PEP 480 "claimed"; docs/decisions/0003-claimed-sharding.md).
 *
 * flat:    claimed delegates to every project directly (the layout PEP 480 describes).
 * sharded: claimed delegates to 2^k bins named like TAP 15 succinct roles (`claimed-03a`); each bin
 *          is an offline role signed by the claimed keys that delegates to the projects whose
 *          target paths hash into it. Only bins whose content changes get a new version.
 *
 * The bins are listed with `path_hash_prefixes` and `terminating: false` rather than as TAP 15
 * `succinct_roles`: succinct bins are always terminating, and a terminating match ends a client's
 * whole search (TUF spec 5.6.7, the pre-order depth-first search; python-tuf empties its stack), so every target of an unclaimed project would stop in a
 * claimed bin and never reach recently-claimed or unclaimed.
 */
import { canonicalize } from '../../tuf/json/index.js';
import { addSeconds, RefusedError, UsageError } from '../../tuf/base/index.js';
import {
  type AnySigned,
  DelegatedRole,
  Delegations,
  type Key,
  Metadata,
  SuccinctRoles,
  Targets,
} from '../../tuf/model/index.js';
import { MAX_CLAIMED_BIT_LENGTH, type CeremonyPlan } from '../state/plan.js';
import {
  diffProjects,
  isExactPath,
  projectPaths,
  orderProjects,
  projectDelegationsOf,
  projectDelegations,
  type ClaimedChange,
  type ClaimedProjects,
  type ProjectDelegation,
} from './claimed-projects.js';

export type ClaimedLayout = { kind: 'flat' } | { kind: 'sharded'; bitLength: number; namePrefix: string };

export interface ClaimedSettings {
  /** The role targets delegates claimed projects to (PEP 480: "claimed"). */
  roleName: string;
  layout: ClaimedLayout;
  /** Target path patterns of a project delegation, with `{project}` in each. */
  pathPatterns: string[];
  /** How long a new claimed (or bin) version is valid, in seconds. */
  validitySeconds: number;
}

/** The claimed role's settings from the ceremony plan (docs/formats/plan.md). */
export function claimedSettingsFromPlan(plan: CeremonyPlan): ClaimedSettings {
  const bins = plan.roles.claimed.bins;
  return {
    roleName: 'claimed',
    layout: bins ? { kind: 'sharded', bitLength: bins.bitLength, namePrefix: bins.namePrefix } : { kind: 'flat' },
    pathPatterns: plan.projectPaths,
    validitySeconds: plan.roles.claimed.expiresSeconds,
  };
}

/** Checks on the plan's claimed layout beyond the plan's own (field names as in the plan). */
export function checkClaimedSettings(s: ClaimedSettings): void {
  if (s.pathPatterns.length === 0)
    throw new UsageError('project_paths: no target path pattern for project delegations');
  if (!Number.isInteger(s.validitySeconds) || s.validitySeconds <= 0)
    throw new UsageError('roles.claimed.expires: the validity period must be positive');
  if (s.layout.kind === 'sharded') {
    const { bitLength, namePrefix } = s.layout;
    if (!Number.isInteger(bitLength) || bitLength < 1 || bitLength > MAX_CLAIMED_BIT_LENGTH) {
      throw new UsageError(
        `roles.claimed.bins.bit_length: must be from 1 to ${MAX_CLAIMED_BIT_LENGTH}, got ${bitLength}`,
      );
    }
    if (!/^[a-z0-9][a-z0-9-]*$/.test(namePrefix))
      throw new UsageError(`roles.claimed.bins: name prefix "${namePrefix}" is not a role name prefix (a-z, 0-9, -)`);
    // A bin is chosen by the hash of a target path, so each project must have exact paths: a
    // wildcard pattern covers paths that hash into any bin (TAP 15).
    s.pathPatterns.forEach((p, i) => {
      if (!isExactPath(p))
        throw new UsageError(
          `project_paths[${i}]: "${p}" has a wildcard; a sharded claimed role needs exact target paths (use the flat layout for wildcard patterns)`,
        );
    });
  }
}

/** The bins of a sharded layout: names, and which bin a target path hashes into. */
export class ClaimedBins {
  private readonly succinct: SuccinctRoles;
  constructor(
    readonly bitLength: number,
    readonly namePrefix: string,
  ) {
    this.succinct = new SuccinctRoles([], 1, bitLength, namePrefix);
  }
  get count(): number {
    return this.succinct.numberOfBins;
  }
  name(bin: number): string {
    return this.succinct.binName(bin);
  }
  binOfPath(path: string): number {
    return this.succinct.binForPath(path);
  }
  /** The bin number of a bin's name, or undefined for a name that is not one of these bins. */
  binOfName(name: string): number | undefined {
    return this.succinct.binOfName(name);
  }
  /** Hex prefixes of sha256(path) that make up one bin (python-tuf's hash_bins, PEP 458). */
  hashPrefixes(bin: number): string[] {
    const width = Math.ceil(this.bitLength / 4);
    const spread = 4 * width - this.bitLength;
    const out: string[] = [];
    for (let v = bin << spread; v < (bin + 1) << spread; v++) out.push(v.toString(16).padStart(width, '0'));
    return out;
  }
}

export interface MetadataStore {
  currentVersion(role: string): number | undefined;
  current<T extends AnySigned>(role: string): Metadata<T>;
}

export interface ClaimedState {
  roleName: string;
  claimed: Metadata<Targets>;
  /** The bins claimed delegates to now (none when flat), current versions. */
  bins: Map<string, Metadata<Targets>>;
  projects: ClaimedProjects;
  /** Project names in the order each role lists them, per role (claimed or bin). */
  order: Map<string, string[]>;
  /**
   * Bins claimed delegates to that were not read (readClaimedState's `onlyBins`): kept as they
   * are, and their projects are not in `projects`. Empty when every bin was read.
   */
  unreadBins: Set<string>;
  /**
   * The bins' projects were not made (readClaimedState's `lazy`): `projects` and `order` hold
   * claimed's own delegations only, and a project in a bin is looked up (`ClaimedLookup`). A flat
   * lazy state holds no project at all: each is looked up in claimed.
   */
  lazy: boolean;
}

export function mergeInto(projects: ClaimedProjects, p: ProjectDelegation, where: string): void {
  const seen = projects.get(p.name);
  if (!seen) {
    projects.set(p.name, { ...p, paths: [...p.paths] });
    return;
  }
  // A project with several exact paths may sit in several bins: the same keys in each.
  const ids = (x: ProjectDelegation) =>
    x.keys
      .map((k) => k.keyid)
      .sort()
      .join(',');
  if (ids(seen) !== ids(p) || seen.threshold !== p.threshold)
    throw new RefusedError(`${where}: project ${p.name} is delegated twice with different keys`);
  for (const path of p.paths) if (!seen.paths.includes(path)) seen.paths.push(path);
}

/**
 * The bins of a sharded claimed role that the given projects' target paths hash into (with the
 * plan's project_paths, by which every delegation in the bins was made); undefined when flat.
 * A change to these projects touches these bins only (docs/decisions/0003-claimed-sharding.md).
 */
export function binsOfProjects(settings: ClaimedSettings, projects: Iterable<string>): Set<string> | undefined {
  if (settings.layout.kind !== 'sharded') return undefined;
  const bins = new ClaimedBins(settings.layout.bitLength, settings.layout.namePrefix);
  const out = new Set<string>();
  for (const project of projects)
    for (const path of projectPaths(settings.pathPatterns, project))
      if (isExactPath(path)) out.add(bins.name(bins.binOfPath(path)));
  return out;
}

/**
 * The current claimed role, its bins and the projects they delegate to. `onlyBins` (from
 * binsOfProjects): read only these bins, so that a change to a few projects reads a few bins of
 * a sharded role rather than all of them; the others are listed in `unreadBins`. `lazy`: the
 * projects are not made but looked up one by one (ClaimedLookup); `flat`: claimed lists its
 * projects itself, so no bin is looked for either (a flat claimed of 600k projects is 246 MB).
 */
export function readClaimedState(
  store: MetadataStore,
  roleName: string,
  o: { onlyBins?: Set<string>; lazy?: boolean; flat?: boolean } = {},
): ClaimedState {
  const { onlyBins, lazy = false } = o;
  if (store.currentVersion(roleName) === undefined)
    throw new UsageError(`the repository has no ${roleName} role yet (run init first)`);
  const claimed = store.current<Targets>(roleName);
  if (claimed.signed.type !== 'targets') throw new RefusedError(`${roleName} is not a targets role`);
  const state: ClaimedState = {
    roleName,
    claimed,
    bins: new Map(),
    projects: new Map(),
    order: new Map(),
    unreadBins: new Set(),
    lazy: false,
  };
  // A flat claimed role that also lists bins (a layout being changed) is read whole: a project in
  // one of those bins must be found, or a re-key would pass for a new claim. In canonical bytes
  // the member name appears only as a name: a quote inside a string is escaped.
  if (lazy && o.flat && !claimed.payload().includes('"path_hash_prefixes":')) {
    state.lazy = true;
    return state;
  }
  const where = `${claimed.signed.version}.${roleName}.json`;
  const direct = projectDelegationsOf(claimed.signed, where);
  state.order.set(
    roleName,
    direct.map((p) => p.name),
  );
  for (const p of direct) mergeInto(state.projects, p, where);
  // Projects claimed lists itself are moved into bins by the object rebuild only.
  state.lazy = lazy && !o.flat && direct.length === 0;
  for (const bin of claimed.signed.delegations?.roles ?? []) {
    if (bin.pathHashPrefixes === undefined) continue;
    if (onlyBins && !onlyBins.has(bin.name)) {
      state.unreadBins.add(bin.name);
      continue;
    }
    if (store.currentVersion(bin.name) === undefined)
      throw new RefusedError(`${where} delegates to bin ${bin.name}, which is not in the repository`);
    const md = store.current<Targets>(bin.name);
    state.bins.set(bin.name, md);
    if (state.lazy) continue;
    const inBin = projectDelegationsOf(md.signed, `${md.signed.version}.${bin.name}.json`);
    state.order.set(
      bin.name,
      inBin.map((p) => p.name),
    );
    for (const p of inBin) mergeInto(state.projects, p, bin.name);
  }
  return state;
}

/** The keys and threshold targets delegates the claimed role to: they also sign the bins. */
export interface ClaimedAuthorization {
  keys: Key[];
  threshold: number;
}

export function claimedAuthorization(targets: Targets, roleName: string): ClaimedAuthorization {
  const role = targets.delegations?.roles?.find((r) => r.name === roleName);
  if (!role) throw new RefusedError(`targets does not delegate to ${roleName}`);
  return { keys: role.keyids.map((id) => targets.delegations!.keys.get(id)!), threshold: role.threshold };
}

export interface ProposedRole {
  role: string;
  metadata: Metadata<Targets>;
  /** The version this one replaces; absent for a role signed for the first time. */
  replaces?: number;
}

export interface ClaimedProposal {
  roles: ProposedRole[];
  change: ClaimedChange;
  /** Signatures the admins must make: roles × the claimed threshold. */
  signaturesNeeded: number;
  threshold: number;
}

const sameContent = (a: Delegations | undefined, b: Delegations): boolean =>
  a !== undefined && canonicalize(a.toJSON()).equals(canonicalize(b.toJSON()));

export function nextVersion(
  store: MetadataStore,
  role: string,
  current: Metadata<Targets> | undefined,
  delegations: Delegations,
  expires: Date,
): ProposedRole {
  const replaces = store.currentVersion(role);
  const base = current?.signed;
  const signed = new Targets({
    version: (replaces ?? 0) + 1,
    expires,
    specVersion: base?.specVersion,
    unrecognized: base ? { ...base.unrecognized } : {},
    targets: base ? new Map(base.targets) : new Map(),
    delegations,
  });
  return replaces === undefined
    ? { role, metadata: new Metadata(signed) }
    : { role, metadata: new Metadata(signed), replaces };
}

/** A project's target paths by the bin each hashes into (TAP 15: only exact paths can be placed). */
export function pathsByBin(p: ProjectDelegation, bins: ClaimedBins): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const path of p.paths) {
    if (!isExactPath(path))
      throw new RefusedError(
        `project ${p.name}: path "${path}" has a wildcard, which a sharded claimed role cannot place in one bin`,
      );
    const b = bins.binOfPath(path);
    const list = out.get(b);
    if (list) list.push(path);
    else out.set(b, [path]);
  }
  return out;
}

/** The version a new bin version builds on: the one read, else the store's (a bin no longer listed). */
export function binBase(store: MetadataStore, state: ClaimedState, name: string): Metadata<Targets> | undefined {
  return state.bins.get(name) ?? (store.currentVersion(name) !== undefined ? store.current<Targets>(name) : undefined);
}

/** The numbers of the bins claimed lists that were not read. */
export function unreadBinNumbers(state: ClaimedState, bins: ClaimedBins): number[] {
  return [...state.unreadBins].map((name) => {
    const b = bins.binOfName(name);
    if (b === undefined)
      throw new RefusedError(`${state.roleName} delegates to ${name}, which is not one of the plan's bins`);
    return b;
  });
}

/**
 * What claimed must delegate to list the bins `listed` (by hash prefix, not terminating, signed by
 * the claimed keys), or undefined when the current version already does.
 */
export function claimedListing(
  state: ClaimedState,
  bins: ClaimedBins,
  listed: Set<number>,
  auth: ClaimedAuthorization,
  listsProjects: boolean,
): Delegations | undefined {
  const authIds = auth.keys.map((k) => k.keyid);
  const binRoles = [...listed]
    .sort((x, y) => x - y)
    .map((b) => new DelegatedRole(bins.name(b), authIds, auth.threshold, false, undefined, bins.hashPrefixes(b)));
  const wanted = new Delegations(new Map(auth.keys.map((k) => [k.keyid, k])), binRoles, undefined);
  const claimedNow = state.claimed.signed.delegations;
  const empty = claimedNow === undefined && binRoles.length === 0;
  return !empty && (listsProjects || !sameContent(claimedNow, wanted)) ? wanted : undefined;
}

/**
 * The new versions needed to make the claimed layout delegate exactly `next`. Flat: claimed N+1
 * when anything changed. Sharded: each bin whose projects changed, and claimed N+1 only when the
 * list of bins (or their keys) changed. Nothing to sign gives an empty list.
 */
/** When a claimed role or bin made at `now` expires: the plan's validity from the whole second. */
export const expiryOf = (settings: ClaimedSettings, now: Date): Date =>
  addSeconds(new Date(Math.floor(now.getTime() / 1000) * 1000), settings.validitySeconds);

/** A proposal of these roles: each needs the claimed threshold of signatures. */
export function proposalOf(roles: ProposedRole[], change: ClaimedChange, auth: ClaimedAuthorization): ClaimedProposal {
  return { roles, change, signaturesNeeded: roles.length * auth.threshold, threshold: auth.threshold };
}

export function proposeClaimed(
  store: MetadataStore,
  state: ClaimedState,
  next: ClaimedProjects,
  settings: ClaimedSettings,
  auth: ClaimedAuthorization,
  now: Date,
): ClaimedProposal {
  checkClaimedSettings(settings);
  const expires = expiryOf(settings, now);
  // What changes is known from the projects: a role none of whose projects changed is kept as it
  // is (never rebuilt and compared, which for 100k delegations costs seconds).
  const change = diffProjects(state.projects, next);
  const changed = [...change.added, ...change.rekeyed, ...change.removed];
  const roles: ProposedRole[] = [];
  const directNow = state.order.get(state.roleName) ?? [];
  let claimedWanted: Delegations | undefined;
  if (settings.layout.kind === 'flat') {
    if (changed.length > 0 || state.bins.size > 0)
      claimedWanted = projectDelegations(orderProjects(directNow, next.values()));
  } else {
    const bins = new ClaimedBins(settings.layout.bitLength, settings.layout.namePrefix);
    const perBin = new Map<number, ProjectDelegation[]>();
    for (const p of next.values()) {
      for (const [b, paths] of pathsByBin(p, bins)) {
        const list = perBin.get(b);
        if (list) list.push({ ...p, paths });
        else perBin.set(b, [{ ...p, paths }]);
      }
    }
    const touched = new Set<number>();
    for (const name of changed)
      for (const p of [state.projects.get(name), next.get(name)])
        for (const path of p?.paths ?? []) touched.add(bins.binOfPath(path));
    // Bins not read hold projects this change does not touch: still listed, not rebuilt.
    const listed = new Set([...perBin.keys(), ...unreadBinNumbers(state, bins)]);
    for (const b of [...listed].sort((x, y) => x - y)) {
      const name = bins.name(b);
      if (perBin.has(b) && (touched.has(b) || !state.bins.has(name))) {
        roles.push(
          nextVersion(
            store,
            name,
            binBase(store, state, name),
            projectDelegations(orderProjects(state.order.get(name) ?? [], perBin.get(b)!)),
            expires,
          ),
        );
      }
    }
    claimedWanted = claimedListing(state, bins, listed, auth, directNow.length > 0);
  }
  if (claimedWanted) roles.unshift(nextVersion(store, state.roleName, state.claimed, claimedWanted, expires));
  return proposalOf(roles, change, auth);
}
