/**
 * What `event show` (and `event sign`, before any PIN) adds for maintenance events: for a re-sign,
 * the proof that everything but version and expires is identical; for a rotation or recovery, the
 * key changes, refreshed keyids, same-holder moves, and the steps left to the online service.
 */
import type { SigningEvent } from '../events/event.js';
import { describeResignProof, proveResign, type ResignProof } from '../events/resign-proof.js';
import { RESIGN_KIND } from './resign.js';
import { describeEventKeyChanges, keyChangesFromDetails, RECOVER_KIND, ROTATE_KIND } from './rotate-event.js';
import type { KeyChangeSummary } from './rotate.js';

export interface MaintenanceDetails {
  resignProofs?: Array<{ role: string } & ResignProof>;
  keyChanges?: KeyChangeSummary[];
}

function proofs(event: SigningEvent): Array<{ role: string } & ResignProof> {
  return event.roles().flatMap((r) => (r.previous ? [{ role: r.role, ...proveResign(r.previous, r.metadata) }] : []));
}

/** For --json: the re-sign proofs or the key changes of a maintenance event; {} for other kinds. */
export function maintenanceDetails(event: SigningEvent): MaintenanceDetails {
  if (event.kind === RESIGN_KIND) return { resignProofs: proofs(event) };
  if (event.kind === ROTATE_KIND || event.kind === RECOVER_KIND)
    return { keyChanges: keyChangesFromDetails(event.details) };
  return {};
}

/** Lines for people; [] for other kinds of event. */
export function maintenanceNotes(event: SigningEvent): string[] {
  if (event.kind === RESIGN_KIND) {
    // Proved here from the event's own files, not taken from its description.
    return ['', 'Re-sign proof:', ...proofs(event).flatMap((p) => describeResignProof(p.role, p).map((l) => `  ${l}`))];
  }
  if (event.kind === ROTATE_KIND || event.kind === RECOVER_KIND)
    return ['', 'Key changes:', ...describeEventKeyChanges(event).map((l) => `  ${l}`)];
  return [];
}
