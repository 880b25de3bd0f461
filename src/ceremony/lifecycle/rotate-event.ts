/**
 * A key change as a signing event (kinds "rotate" and "recover"): the new versions planned by
 * planKeyChanges, the change summary in the event's details (snake_case on the wire), and a
 * transcript record. `event show` reads the details back with keyChangesFromDetails.
 */
import { formatExpires } from '../../tuf/base/index.js';
import type { SigningEvent } from '../events/event.js';
import { createRecordedEvent, eventCreatedRecord } from '../events/event-create.js';
import { loadCurrentRoles, type CurrentRoles } from './expiry-signers.js';
import type { Repository } from '../state/repository.js';
import {
  describeKeyChanges,
  planKeyChanges,
  type KeyChange,
  type KeyChangeSummary,
  type KeyRef,
  type RotationResult,
} from './rotate.js';

export const ROTATE_KIND = 'rotate';
export const RECOVER_KIND = 'recover';

const refToWire = (r: KeyRef) => (r.holder === undefined ? { keyid: r.keyid } : { keyid: r.keyid, holder: r.holder });

export function keyChangesToWire(changes: KeyChangeSummary[]): Record<string, unknown>[] {
  return changes.map((c) => ({
    role: c.role,
    changed_in: c.changedIn,
    added: c.added.map(refToWire),
    removed: c.removed.map(refToWire),
    refreshed: c.refreshed.map((r) => ({
      from: r.from,
      to: r.to,
      fields: r.fields,
      ...(r.holder === undefined ? {} : { holder: r.holder }),
    })),
    same_holder: c.sameHolder.map((s) => ({ holder: s.holder, from: s.from, to: s.to })),
    threshold_from: c.thresholdFrom,
    threshold_to: c.thresholdTo,
    keys_from: c.keysFrom,
    keys_to: c.keysTo,
  }));
}

type Wire = Record<string, unknown>;
const refs = (v: unknown): KeyRef[] =>
  (Array.isArray(v) ? v : []).map((r: Wire) => ({
    keyid: String(r['keyid']),
    holder: typeof r['holder'] === 'string' ? r['holder'] : undefined,
  }));

/** The key changes recorded in an event's details (rotate and recover events), or [] for others. */
export function keyChangesFromDetails(details: Record<string, unknown> | undefined): KeyChangeSummary[] {
  const list = details?.['key_changes'];
  if (!Array.isArray(list)) return [];
  return list.map((c: Wire) => ({
    role: String(c['role']),
    changedIn: String(c['changed_in']),
    added: refs(c['added']),
    removed: refs(c['removed']),
    refreshed: (Array.isArray(c['refreshed']) ? c['refreshed'] : []).map((r: Wire) => ({
      from: String(r['from']),
      to: String(r['to']),
      holder: typeof r['holder'] === 'string' ? r['holder'] : undefined,
      fields: Array.isArray(r['fields']) ? r['fields'].map(String) : [],
    })),
    sameHolder: (Array.isArray(c['same_holder']) ? c['same_holder'] : []).map((s: Wire) => ({
      holder: String(s['holder']),
      from: String(s['from']),
      to: String(s['to']),
    })),
    thresholdFrom: Number(c['threshold_from']),
    thresholdTo: Number(c['threshold_to']),
    keysFrom: Number(c['keys_from']),
    keysTo: Number(c['keys_to']),
  }));
}

/** Lines for `event show`: the key changes and notes of a rotate or recover event. */
export function describeEventKeyChanges(event: { kind: string; details?: Record<string, unknown> }): string[] {
  const lines = describeKeyChanges(keyChangesFromDetails(event.details));
  const notes = event.details?.['notes'];
  if (Array.isArray(notes)) for (const n of notes) lines.push(`note: ${String(n)}`);
  const steps = event.details?.['online_steps'];
  if (Array.isArray(steps))
    steps.forEach((s, i) => lines.push(`online service, after publishing (${i + 1}): ${String(s)}`));
  return lines;
}

export interface KeyChangeEventOptions {
  kind: typeof ROTATE_KIND | typeof RECOVER_KIND;
  description: string;
  changes: KeyChange[];
  at: Date;
  /** Extra details (the recovery plan) recorded with the event. */
  details?: Record<string, unknown>;
  /** Refuse a new key with the material of a key being removed (recovery from a compromise). */
  compromised?: boolean;
  /** The repository's current roles, when the caller has read them already. */
  current?: CurrentRoles;
  /** Warnings about the new keys found before planning (a key that can do more than sign), recorded first. */
  warnings?: string[];
}

export interface KeyChangeEventResult extends RotationResult {
  event: SigningEvent;
}

/** Plan the key changes against the repository; write the event and its record as one unit (event-journal.ts). */
export function createKeyChangeEvent(
  repo: Repository,
  eventDir: string,
  options: KeyChangeEventOptions,
): KeyChangeEventResult {
  const current = options.current ?? loadCurrentRoles(repo);
  const planned = planKeyChanges(current, repo.plan(), options.changes, options.at, {
    compromised: options.compromised,
  });
  const result = { ...planned, warnings: [...(options.warnings ?? []), ...planned.warnings] };
  const init = {
    kind: options.kind,
    description: options.description,
    repo,
    created: options.at,
    roles: result.roles.map((r) => ({ role: r.role, metadata: r.metadata })),
    details: {
      at: formatExpires(options.at),
      key_changes: keyChangesToWire(result.changes),
      notes: result.notes,
      warnings: result.warnings,
      online_steps: result.onlineSteps,
      ...(options.details ?? {}),
    },
  };
  const event = createRecordedEvent(repo, eventDir, init, (e) =>
    eventCreatedRecord(repo, e, {
      step: options.kind,
      at: options.at,
      details: { changed_keys_of: result.changes.map((c) => c.role), key_changes: keyChangesToWire(result.changes) },
    }),
  );
  return { ...result, event };
}
