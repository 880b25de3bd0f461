/** `tuf-ceremony expiry`: what expires when, and who must sign the renewal; exit code for reminders. */
import { computeExpiry, type ExpiryReport, loadCurrentRoles, type RoleExpiry } from '../../ceremony/lifecycle/index.js';
import { Repository } from '../../ceremony/state/index.js';
import type { Run } from '../declaration.js';
import { expiryExitCode } from '../exit-codes.js';
import { out, printJson } from '../io.js';
import { failure } from '../json-output.js';
import { atOption, withinOption } from '../options.js';
import { renderExpiry } from '../render-expiry.js';
import type { expiry } from './declarations.js';

function roleJson(r: RoleExpiry) {
  return {
    role: r.role,
    version: r.version,
    expires: r.expires,
    days_left: r.daysLeft,
    seconds_left: r.secondsLeft,
    status: r.status,
    period: r.period,
    period_seconds: r.periodSeconds,
    delegator: r.delegator ?? null,
    threshold: r.threshold ?? null,
    holders: r.holders,
    keyids: r.keyids,
    signers_needed: r.signersNeeded,
  };
}

function headOf(report: ExpiryReport, code: number) {
  if (report.state === 'expired') return failure('E_EXPIRED', `expired: ${report.expired.join(', ')}`, code);
  if (report.state === 'due')
    return failure('E_EXPIRY_DUE', `due within ${report.within}: ${report.due.join(', ')}`, code);
  return { ok: true } as const;
}

export const run: Run<typeof expiry> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  const report = computeExpiry(loadCurrentRoles(repo), repo.plan(), {
    at: atOption(values.at),
    within: withinOption(values.within),
  });
  const code = expiryExitCode(report.state);
  if (values.json) {
    printJson(io, {
      ...headOf(report, code),
      at: report.at,
      within: report.within,
      within_seconds: report.withinSeconds,
      plan_warning: report.planWarning,
      due: report.due,
      expired: report.expired,
      roles: report.roles.map(roleJson),
    });
  } else out(io, renderExpiry(report));
  return code;
};
