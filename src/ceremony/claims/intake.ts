/**
 * Intake of developer delegation requests (docs/formats/request.md, PEP 480): read a folder of requests,
 * check them against the current claimed role and, when given, the online recently-claimed list,
 * decide per project, and propose the next claimed version (and changed bins) to sign.
 */
import { RefusedError } from '../../tuf/base/index.js';
import { RESERVED_BIN_PREFIXES, reservedProjectName, Targets, TOP_LEVEL_ROLES } from '../../tuf/model/index.js';
import {
  binsOfProjects,
  claimedAuthorization,
  readClaimedState,
  type ClaimedProposal,
  type ClaimedSettings,
  type ClaimedState,
  type MetadataStore,
} from './claimed-build.js';
import { ClaimedLookup, proposeClaimedChanges } from './claimed-changes.js';
import { decideIntake, type IntakeDecisions } from './intake-decide.js';
import { readRecentlyClaimed, type OnlineList } from './intake-online.js';
import { readRequestFolder } from './intake-read.js';

/** Bin name prefixes reserved whatever the plan says (the one rule: src/tuf/model/project-name.ts). */
export { RESERVED_BIN_PREFIXES };

export interface IntakeRun {
  store: MetadataStore;
  settings: ClaimedSettings;
  requestsDir: string;
  /** The online service's recently-claimed metadata, to be verified with the key targets names. */
  recentlyClaimed?: { bytes: Uint8Array; source: string };
  /** Why there is no recently-claimed list to check against (said in the report). */
  onlineCheckSkipped?: string;
  allowRekey: boolean;
  /** The one "now" of the batch: request expiry, recently-claimed expiry, new expiry dates. */
  now: Date;
  /** Name prefixes of hash-bin roles elsewhere in the repository (for example unclaimed's bins). */
  otherBinPrefixes?: string[];
  onProgress?: (done: number, total: number) => void;
}

export interface IntakeResult {
  at: Date;
  state: ClaimedState;
  decisions: IntakeDecisions;
  online?: OnlineList;
  /** Why the online registration was not checked, when it was not. */
  onlineCheckSkipped?: string;
  proposal: ClaimedProposal;
  settings: ClaimedSettings;
}

/**
 * Names a project cannot take: every role file lives in one folder (`N.<role>.json`), so a
 * project named like a top-level role, a role targets delegates to, or a bin would collide.
 * The rule is `reservedProjectName`, which `dev request` applies too; intake adds this repository's names.
 */
export function reservedNames(targets: Targets, binPrefixes: string[]): (project: string) => string | undefined {
  const roles = new Set<string>([...TOP_LEVEL_ROLES, ...(targets.delegations?.roles?.map((r) => r.name) ?? [])]);
  return (project) => reservedProjectName(project, roles, binPrefixes);
}

export function runIntake(run: IntakeRun): IntakeResult {
  const { store, settings, now } = run;
  const targets = store.current<Targets>('targets').signed;
  if (!(targets instanceof Targets)) throw new RefusedError('the current targets metadata is not a targets role');
  const auth = claimedAuthorization(targets, settings.roleName);
  const online = run.recentlyClaimed
    ? readRecentlyClaimed(run.recentlyClaimed.bytes, run.recentlyClaimed.source, targets, now)
    : undefined;
  const files = readRequestFolder(run.requestsDir, now, run.onProgress);
  // Sharded: only the bins the requested (and recently-claimed) projects hash into are read.
  const names = new Set<string>(online?.projects.keys());
  for (const f of files) if (f.request) names.add(f.request.project);
  // The projects are looked up one by one rather than all made (claimed-changes.ts).
  const state = readClaimedState(store, settings.roleName, {
    onlyBins: binsOfProjects(settings, names),
    lazy: true,
    flat: settings.layout.kind === 'flat',
  });
  const claimed = new ClaimedLookup(state, settings);
  const binPrefixes = [
    ...RESERVED_BIN_PREFIXES,
    ...(run.otherBinPrefixes ?? []),
    ...(settings.layout.kind === 'sharded' ? [settings.layout.namePrefix] : []),
    ...[...state.bins.keys()].map((n) => n.replace(/-[0-9a-f]+$/, '')),
  ];
  const decisions = decideIntake(files, {
    claimed,
    pathPatterns: settings.pathPatterns,
    allowRekey: run.allowRekey,
    online: online?.projects,
    reservedName: reservedNames(targets, binPrefixes),
  });
  const proposal = proposeClaimedChanges(store, state, decisions.changes, settings, auth, now, claimed);
  return { at: now, state, decisions, online, onlineCheckSkipped: run.onlineCheckSkipped, proposal, settings };
}
