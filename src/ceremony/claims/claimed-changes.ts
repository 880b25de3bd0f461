/**
 * A change to a few projects of a sharded claimed role, proposed without making the other
 * projects: each project is looked up in the bins its target paths hash into, and each bin it
 * touches gets its next version spliced from its bytes (claimed-splice.ts). At 600k projects in
 * 2^10 bins, making every delegation as an object took most of a 10k claim (docs/performance.md).
 */
import { RefusedError } from '../../tuf/base/index.js';
import { DelegatedRole, type Delegations, type Targets } from '../../tuf/model/index.js';
import {
  binBase,
  ClaimedBins,
  claimedListing,
  checkClaimedSettings,
  mergeInto,
  expiryOf,
  nextVersion,
  proposalOf,
  pathsByBin,
  proposeClaimed,
  readClaimedState,
  unreadBinNumbers,
  type ClaimedAuthorization,
  type ClaimedProposal,
  type ClaimedSettings,
  type ClaimedState,
  type MetadataStore,
  type ProposedRole,
} from './claimed-build.js';
import {
  orderProjects,
  projectDelegations,
  projectDelegationsOf,
  projectPaths,
  rekeys,
  type ClaimedChange,
  type ClaimedProjects,
  type ProjectDelegation,
} from './claimed-projects.js';
import { spliceBin, type BinChanges } from './claimed-splice.js';

/** What the claimed role delegates to a project now, looked up by name. */
export interface ProjectLookup {
  get(name: string): ProjectDelegation | undefined;
  has(name: string): boolean;
}

/** Project name → its delegation after the change, or null: no longer claimed. */
export type ProjectChanges = Map<string, ProjectDelegation | null>;

/**
 * The projects of a claimed state, by name. A lazy state's bins are searched where the plan's
 * target paths of the project hash (every bin entry was made with them, as binsOfProjects
 * assumes), reading that entry and its keys only; a project in a bin that was not read is not known.
 */
export class ClaimedLookup implements ProjectLookup {
  private readonly found = new Map<string, ProjectDelegation | undefined>();
  private readonly bins: ClaimedBins | undefined;

  constructor(
    private readonly state: ClaimedState,
    private readonly settings: ClaimedSettings,
  ) {
    const layout = settings.layout;
    this.bins = layout.kind === 'sharded' ? new ClaimedBins(layout.bitLength, layout.namePrefix) : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get(name: string): ProjectDelegation | undefined {
    if (!this.state.lazy) return this.state.projects.get(name);
    if (this.found.has(name)) return this.found.get(name);
    if (!this.bins) {
      // Flat: claimed's own entry for the project, found by name in its bytes.
      const claimed = this.state.claimed.signed;
      const p = projectIn(claimed, name, `${claimed.version}.${this.state.roleName}.json`);
      this.found.set(name, p);
      return p;
    }
    const out: ClaimedProjects = new Map();
    const direct = this.state.projects.get(name);
    if (direct) out.set(name, direct);
    const names = new Set(
      projectPaths(this.settings.pathPatterns, name).map((p) => this.bins!.name(this.bins!.binOfPath(p))),
    );
    for (const bin of names) {
      const md = this.state.bins.get(bin);
      const p = md && projectIn(md.signed, name, `${md.signed.version}.${bin}.json`);
      if (p) mergeInto(out, p, bin);
    }
    const p = out.get(name);
    this.found.set(name, p);
    return p;
  }
}

/** One project's delegation in a targets role, read from the role's entry and its keys only. */
function projectIn(signed: Targets, name: string, where: string): ProjectDelegation | undefined {
  const d: Delegations | undefined = signed.delegations;
  const r = d?.roleKeys(name);
  if (!(r instanceof DelegatedRole) || r.paths === undefined) return undefined;
  return {
    name,
    keys: r.keyids.map((id) => {
      const key = d!.key(id);
      if (!key)
        throw new RefusedError(`${where}: project ${name} names key ${id}, which is not in its delegations.keys`);
      return key;
    }),
    threshold: r.threshold,
    paths: [...r.paths],
    unrecognized: r.unrecognized,
  };
}

/**
 * The new versions after `changes`, as proposeClaimed makes them for the whole set of projects
 * (the same roles, the same bytes): from a lazy state, only the bins the changed projects were or
 * will be in; otherwise by proposeClaimed itself.
 */
export function proposeClaimedChanges(
  store: MetadataStore,
  state: ClaimedState,
  changes: ProjectChanges,
  settings: ClaimedSettings,
  auth: ClaimedAuthorization,
  now: Date,
  /** The lookup the changes were decided with: each project is found once. */
  lookup: ProjectLookup = new ClaimedLookup(state, settings),
): ClaimedProposal {
  if (state.lazy && settings.layout.kind === 'flat') {
    const spliced = proposeFlatChanges(store, state, changes, settings, auth, now, lookup);
    if (spliced) return spliced;
    // Not of the shape the splice knows: every project made, as before.
    state = readClaimedState(store, state.roleName);
  }
  if (!state.lazy || settings.layout.kind !== 'sharded') {
    return proposeClaimed(store, state, applyChanges(state.projects, changes), settings, auth, now);
  }
  checkClaimedSettings(settings);
  const expires = expiryOf(settings, now);
  const bins = new ClaimedBins(settings.layout.bitLength, settings.layout.namePrefix);
  const perBin = new Map<number, BinChanges>();
  const put = (b: number, name: string, p: ProjectDelegation | null) => {
    const m = perBin.get(b) ?? new Map<string, ProjectDelegation | null>();
    perBin.set(b, m.set(name, p));
  };
  const change = effectiveChanges(changes, lookup, (name, old, p) => {
    // Its current paths leave their bins, its new ones join theirs.
    for (const path of old?.paths ?? []) put(bins.binOfPath(path), name, null);
    if (p) for (const [b, paths] of pathsByBin(p, bins)) put(b, name, { ...p, paths });
  });

  const roles: ProposedRole[] = [];
  const listed = new Set(unreadBinNumbers(state, bins));
  for (const [name, md] of state.bins) {
    const b = bins.binOfName(name);
    if (b === undefined)
      throw new RefusedError(`${state.roleName} delegates to ${name}, which is not one of the plan's bins`);
    // A bin with no project is no longer listed (as proposeClaimed drops it).
    if (perBin.has(b) || projectCount(md.signed) > 0) listed.add(b);
  }
  for (const b of [...perBin.keys()].sort((x, y) => x - y)) {
    const name = bins.name(b);
    const current = state.bins.get(name);
    const version = (store.currentVersion(name) ?? 0) + 1;
    const spliced = current && spliceBin(current, perBin.get(b)!, version, expires);
    if (spliced === 'empty') {
      listed.delete(b);
      continue;
    }
    if (spliced) {
      roles.push({ role: name, metadata: spliced, replaces: version - 1 });
      listed.add(b);
      continue;
    }
    // Rebuilt from objects: the bin's projects with the changes applied.
    const inBin = current ? projectDelegationsOf(current.signed, `${current.signed.version}.${name}.json`) : [];
    const projects = new Map(inBin.map((p) => [p.name, p]));
    for (const [project, p] of perBin.get(b)!) {
      if (p) projects.set(project, p);
      else projects.delete(project);
    }
    if (projects.size === 0) {
      listed.delete(b);
      continue;
    }
    const order = inBin.map((p) => p.name);
    const delegations = projectDelegations(orderProjects(order, projects.values()));
    roles.push(nextVersion(store, name, binBase(store, state, name), delegations, expires));
    listed.add(b);
  }
  const claimedWanted = claimedListing(state, bins, listed, auth, false);
  if (claimedWanted) roles.unshift(nextVersion(store, state.roleName, state.claimed, claimedWanted, expires));
  return proposalOf(roles, change, auth);
}

/**
 * The projects after `changes`. A change that changes nothing (the same keys, threshold and
 * paths) leaves the delegation as it is, custom fields and the order of its paths included
 * (ProjectDelegation.unrecognized: kept, never dropped), as the splice leaves its bytes.
 */
export function applyChanges(projects: ClaimedProjects, changes: ProjectChanges): ClaimedProjects {
  const next: ClaimedProjects = new Map(projects);
  for (const [name, p] of changes) {
    const old = next.get(name);
    if (p && old && !rekeys(old, p)) continue;
    if (p) next.set(name, p);
    else next.delete(name);
  }
  return next;
}

/**
 * The changes that change something (an add, a re-key, a removal of a claimed project), by kind
 * and sorted; `apply` is called for each with what the project had before.
 */
function effectiveChanges(
  changes: ProjectChanges,
  lookup: ProjectLookup,
  apply: (name: string, old: ProjectDelegation | undefined, p: ProjectDelegation | null) => void,
): ClaimedChange {
  const change: ClaimedChange = { added: [], rekeyed: [], removed: [] };
  for (const [name, p] of changes) {
    const old = lookup.get(name);
    if (p === null) {
      if (!old) continue;
      change.removed.push(name);
    } else if (!old) change.added.push(name);
    else if (rekeys(old, p)) change.rekeyed.push(name);
    else continue;
    apply(name, old, p);
  }
  for (const list of [change.added, change.rekeyed, change.removed]) list.sort();
  return change;
}

/**
 * A flat claimed role's next version spliced from its bytes (claimed-splice.ts), as the object
 * rebuild writes it: a claim of one project into a flat claimed of 600k no longer makes them all.
 * Undefined when the role is not of the shape the splice knows, or would be left empty.
 */
function proposeFlatChanges(
  store: MetadataStore,
  state: ClaimedState,
  changes: ProjectChanges,
  settings: ClaimedSettings,
  auth: ClaimedAuthorization,
  now: Date,
  lookup: ProjectLookup,
): ClaimedProposal | undefined {
  checkClaimedSettings(settings);
  const effective: BinChanges = new Map();
  const change = effectiveChanges(changes, lookup, (name, _old, p) => effective.set(name, p));
  // Nothing changes: no new version, as the object rebuild decides (a lazy flat claimed lists no bins).
  if (effective.size === 0) return proposalOf([], change, auth);
  const version = (store.currentVersion(state.roleName) ?? 0) + 1;
  const spliced = spliceBin(state.claimed, effective, version, expiryOf(settings, now));
  if (spliced === undefined || spliced === 'empty') return undefined;
  return proposalOf([{ role: state.roleName, metadata: spliced, replaces: version - 1 }], change, auth);
}

/** How many roles a bin delegates to, without making them (a bin made here lists projects only). */
function projectCount(signed: Targets): number {
  const d = signed.delegations;
  if (!d) return 0;
  return d.roleCount ?? 0;
}
