/**
 * Turning a claimed proposal into a signing event (docs/formats/event.md) and a transcript record:
 * claimed N+1 (delegated by targets) and each changed bin (delegated by claimed), ready for
 * `event show`, `event sign` and `event finalize`.
 */
import type { Metadata } from '../../tuf/model/index.js';
import type { ClaimedProposal, ClaimedState, MetadataStore } from './claimed-build.js';
import type { SigningEvent } from '../events/event.js';
import { createRecordedEvent, eventCreatedRecord } from '../events/event-create.js';
import type { Repository } from '../state/repository.js';

export interface ClaimedEventInit {
  kind: string;
  description: string;
  at: Date;
  /** Transcript inputs besides the replaced role versions: name → SHA-256. */
  inputs?: Record<string, string>;
  /** Into event.json (for `event show` and auditors). */
  details?: Record<string, unknown>;
  /** Into the transcript record: keep it short, it is printed for people to initial. */
  summary?: Record<string, unknown>;
}

/** Describe a change in one line; re-keys and removals named, because they are what to check. */
export function describeClaimedChange(p: ClaimedProposal, roleName: string): string {
  const c = p.change;
  const parts = [`${c.added.length} project${c.added.length === 1 ? '' : 's'} added`];
  if (c.rekeyed.length) parts.push(`RE-KEYED: ${c.rekeyed.join(', ')}`);
  if (c.removed.length) parts.push(`REMOVED: ${c.removed.join(', ')}`);
  const roles =
    p.roles.length === 1
      ? `${p.roles[0]!.role} v${p.roles[0]!.metadata.signed.version}`
      : `${p.roles.length} roles of ${roleName}`;
  return `${roles}: ${parts.join('; ')}`;
}

/**
 * The event's base (the versions replaced and their delegators) comes from the state the proposal
 * was made from, already read: with thousands of bins, reading the delegator again for each one
 * would dominate the step.
 */
function baseOf(
  store: MetadataStore,
  state: ClaimedState,
  proposal: ClaimedProposal,
): Array<{ role: string; metadata: Metadata }> {
  const base = new Map<string, { role: string; metadata: Metadata }>();
  const put = (role: string, metadata: Metadata) => base.set(`${metadata.signed.version}.${role}`, { role, metadata });
  put('root', store.current('root'));
  put('targets', store.current('targets'));
  put(state.roleName, state.claimed);
  for (const r of proposal.roles)
    if (r.replaces !== undefined && r.role !== state.roleName)
      put(r.role, state.bins.get(r.role) ?? store.current(r.role));
  return [...base.values()];
}

/** Write the event and its transcript record as one unit (event-journal.ts). */
export function createClaimedEvent(
  repo: Repository,
  state: ClaimedState,
  eventDir: string,
  proposal: ClaimedProposal,
  init: ClaimedEventInit,
): SigningEvent {
  const roleName = state.roleName;
  const eventInit = {
    kind: init.kind,
    description: init.description,
    repository: repo.plan().repository,
    base: baseOf(repo, state, proposal),
    created: init.at,
    roles: proposal.roles.map((r) => ({
      role: r.role,
      metadata: r.metadata,
      delegatedBy: r.role === roleName ? 'targets' : roleName,
    })),
    details: {
      added: proposal.change.added,
      rekeyed: proposal.change.rekeyed,
      removed: proposal.change.removed,
      signatures_needed: proposal.signaturesNeeded,
      ...(init.details ?? {}),
    },
  };
  return createRecordedEvent(repo, eventDir, eventInit, (event) =>
    eventCreatedRecord(repo, event, {
      step: init.kind,
      at: init.at,
      inputs: init.inputs,
      details: {
        added: proposal.change.added.length,
        // Every project named: the transcript holds what the ceremony changed, not only counts.
        added_projects: proposal.change.added,
        rekeyed: proposal.change.rekeyed,
        removed: proposal.change.removed,
        ...(init.summary ?? {}),
      },
    }),
  );
}
