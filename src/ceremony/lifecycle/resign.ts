/**
 * Periodic re-signing (docs/runbook-maintenance.md section 2; PEP 458: "Every year, PyPI administrators SHOULD sign for
 * root and targets role keys"): every offline role that expires within the window gets version
 * N+1 with expiry = now + its period from the plan, content otherwise unchanged, as one signing
 * event of kind "resign". Signing, merging and finalizing are the ordinary event commands.
 */
import { addSeconds, formatExpires, RefusedError, UsageError } from '../../tuf/base/index.js';
import { type AnySigned, Metadata } from '../../tuf/model/index.js';
import type { SigningEvent } from '../events/event.js';
import { createRecordedEvent, eventCreatedRecord } from '../events/event-create.js';
import { computeExpiry, policyRoleOf, type ExpiryReport } from './expiry.js';
import { loadCurrentRoles, type CurrentRoles } from './expiry-signers.js';
import type { CeremonyPlan } from '../state/plan.js';
import type { Repository } from '../state/repository.js';
import { proveResign, type ResignProof } from '../events/resign-proof.js';

export const RESIGN_KIND = 'resign';

/** A point in time as TUF writes it: whole seconds (TUF specification 1.0.x section 4.2). */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** The period (seconds) the plan gives a role; claimed bins follow claimed. */
export function periodFor(plan: CeremonyPlan, role: string): number {
  const policyRole = policyRoleOf(plan, role);
  if (!policyRole) throw new UsageError(`the plan gives no expiry period for ${role}`, 'E_NO_PERIOD');
  return plan.roles[policyRole].expiresSeconds;
}

/**
 * The re-sign transformation: a copy of `md` with version + 1 and expires = at + period, no
 * signatures, every other field (unknown ones included) unchanged.
 */
export function resignedCopy<T extends AnySigned>(md: Metadata<T>, at: Date, periodSeconds: number): Metadata<T> {
  return md.edit((signed) => {
    signed.version = md.signed.version + 1;
    signed.expires = addSeconds(wholeSeconds(at), periodSeconds);
  });
}

export interface PlannedResign {
  role: string;
  metadata: Metadata;
  proof: ResignProof;
}

export interface ResignPlan {
  report: ExpiryReport;
  roles: PlannedResign[];
  /** Roles whose new expiry would come before their current one (a period shorter than what is left). */
  shortened: string[];
}

/** Work out the re-sign of every role due within the window (or of `only`, when given). */
export function planResign(
  current: CurrentRoles,
  plan: CeremonyPlan,
  options: { at: Date; within?: { text: string; seconds: number }; only?: string[] },
): ResignPlan {
  const report = computeExpiry(current, plan, options);
  for (const r of options.only ?? [])
    if (!current.has(r))
      throw new UsageError(
        `--role ${r}: the repository has no such offline role (it has ${[...current.keys()].join(', ')})`,
      );
  const names = options.only ?? report.due;
  const roles = names.map((role) => {
    const md = current.get(role)!;
    // Frozen: its payload is made once, for the proof and again for the event.
    const next = resignedCopy(md, options.at, periodFor(plan, role)).freeze();
    return { role, metadata: next, proof: proveResign(md, next) };
  });
  const shortened = roles
    .filter((r) => r.metadata.signed.expires.getTime() < current.get(r.role)!.signed.expires.getTime())
    .map((r) => r.role);
  return { report, roles, shortened };
}

export interface ResignResult extends ResignPlan {
  event?: SigningEvent;
  /** The roles as the repository holds them now, which the event was made from. */
  current: CurrentRoles;
}

/** Prepare the re-sign event for a repository and its transcript record, as one unit (event-journal.ts). */
export function createResignEvent(
  repo: Repository,
  eventDir: string,
  options: { at: Date; within?: { text: string; seconds: number }; only?: string[] },
): ResignResult {
  const current = loadCurrentRoles(repo);
  const planned = planResign(current, repo.plan(), options);
  if (planned.roles.length === 0) return { ...planned, current };
  for (const r of planned.roles) {
    // The transformation must prove itself before anyone is asked to sign it.
    if (!r.proof.contentUnchanged)
      throw new RefusedError(
        `${r.role}: the re-signed version differs in content (${r.proof.differences.join(', ')}); refusing`,
        'E_RESIGN_CONTENT',
      );
  }
  const names = planned.roles.map((r) => r.role);
  const init = {
    kind: RESIGN_KIND,
    description: `Re-sign ${names.join(', ')} with new versions and expiry; no content change`,
    repo,
    created: options.at,
    roles: planned.roles.map((r) => ({ role: r.role, metadata: r.metadata })),
    details: {
      at: formatExpires(options.at),
      within: planned.report.within,
      roles: planned.roles.map((r) => ({
        role: r.role,
        version: r.proof.versionTo,
        expires: r.proof.expiresTo,
        replaces: r.proof.versionFrom,
        content_sha256: r.proof.contentSha256To,
      })),
    },
  };
  const event = createRecordedEvent(repo, eventDir, init, (e) =>
    eventCreatedRecord(repo, e, { step: RESIGN_KIND, at: options.at, details: { within: planned.report.within } }),
  );
  return { ...planned, event, current };
}
