/**
 * Revoking a developer key, or a whole project delegation, from claimed (PEP 480 "In the Event of
 * a Key Compromise": the admins replace or remove the compromised developer key in claimed in an
 * offline ceremony). A project is never left with fewer keys than its threshold (docs/runbook-maintenance.md section 3).
 */
import { RefusedError, UsageError } from '../../tuf/base/index.js';
import { checkProjectName, type Targets } from '../../tuf/model/index.js';
import {
  binsOfProjects,
  checkClaimedSettings,
  claimedAuthorization,
  claimedSettingsFromPlan,
  readClaimedState,
  type ClaimedProposal,
} from './claimed-build.js';
import { ClaimedLookup, proposeClaimedChanges, type ProjectChanges, type ProjectLookup } from './claimed-changes.js';
import { createClaimedEvent } from './claimed-event.js';
import type { SigningEvent } from '../events/event.js';
import type { Repository } from '../state/repository.js';

export const REVOKE_KIND = 'revoke';

export interface Revocation {
  project: string;
  /** The key removed; absent when the whole delegation is removed. */
  keyid?: string;
  /** The project's delegation after the revocation, or null: removed. */
  change: ProjectChanges;
  description: string;
}

/** Find a key of the project by full keyid or an unambiguous prefix of at least 8 hex digits. */
function findKeyid(keyids: string[], given: string, project: string): string {
  const g = given.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(g)) throw new UsageError(`--key: "${given}" is not a keyid (8 to 64 hex digits)`);
  const found = keyids.filter((k) => k.startsWith(g));
  if (found.length === 0)
    throw new RefusedError(`key ${given} is not one of the keys of ${project} (${keyids.join(', ')})`, 'E_NOT_A_KEY');
  if (found.length > 1)
    throw new UsageError(`--key: ${given} matches ${found.length} keys of ${project}; give more digits`);
  return found[0]!;
}

/** The revocation of `keyid` of a project, or of its whole delegation, in claimed (`roleName`). */
export function revokeFromClaimed(
  claimed: ProjectLookup,
  roleName: string,
  projectName: string,
  keyid?: string,
): Revocation {
  const project = checkProjectName(projectName, '--project');
  const current = claimed.get(project);
  if (!current)
    throw new RefusedError(`${project} is not delegated by ${roleName}; nothing to revoke`, 'E_NOT_CLAIMED');
  if (keyid === undefined) {
    return {
      project,
      change: new Map([[project, null]]),
      description: `revoke the delegation of ${project} (keys ${current.keys.map((k) => k.keyid).join(', ')})`,
    };
  }
  const id = findKeyid(
    current.keys.map((k) => k.keyid),
    keyid,
    project,
  );
  const keys = current.keys.filter((k) => k.keyid !== id);
  if (keys.length < current.threshold) {
    throw new RefusedError(
      `removing key ${id} would leave ${project} with ${keys.length} ` +
        `key${keys.length === 1 ? '' : 's'}, fewer than its threshold ${current.threshold}; ` +
        'revoke the whole project (no --key) or take a re-key request from its developer',
      'E_GUARD_RAIL',
    );
  }
  return {
    project,
    keyid: id,
    change: new Map([[project, { ...current, keys }]]),
    description: `revoke key ${id} of ${project} (${keys.length} keys left, threshold ${current.threshold})`,
  };
}

export interface RevokeResult {
  revocation: Revocation;
  proposal: ClaimedProposal;
  event: SigningEvent;
}

/** Prepare the signing event that revokes a developer key or a project, and record it. */
export function createRevokeEvent(
  repo: Repository,
  eventDir: string,
  o: { project: string; keyid?: string; reason?: string; at: Date },
): RevokeResult {
  const settings = claimedSettingsFromPlan(repo.plan());
  checkClaimedSettings(settings);
  // Only this project's entry is looked up, and only the bins it hashes into are read
  // (docs/decisions/0003-claimed-sharding.md); a flat claimed is spliced, not made into objects.
  const state = readClaimedState(repo, settings.roleName, {
    onlyBins: binsOfProjects(settings, [checkProjectName(o.project, '--project')]),
    lazy: true,
    flat: settings.layout.kind === 'flat',
  });
  const lookup = new ClaimedLookup(state, settings);
  const revocation = revokeFromClaimed(lookup, state.roleName, o.project, o.keyid);
  const auth = claimedAuthorization(repo.current<Targets>('targets').signed, settings.roleName);
  const proposal = proposeClaimedChanges(repo, state, revocation.change, settings, auth, o.at, lookup);
  const event = createClaimedEvent(repo, state, eventDir, proposal, {
    kind: REVOKE_KIND,
    description: `Key compromise (PEP 480): ${revocation.description}${o.reason ? `. Reason: ${o.reason}` : ''}`,
    at: o.at,
    details: { project: revocation.project, keyid: revocation.keyid ?? null, reason: o.reason ?? null },
    summary: { project: revocation.project, keyid: revocation.keyid ?? null, reason: o.reason ?? null },
  });
  return { revocation, proposal, event };
}
