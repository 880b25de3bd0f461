/**
 * The expiry report (src/ceremony/lifecycle/expiry.ts) for people: a row for root, targets,
 * claimed and every role not delegated by claimed; the bins of a sharded claimed role up to
 * OK_ROWS_SHOWN rows, those expired or due first, then one line per status that counts the rest
 * and says when they expire. The bins of a role expire together, so at 2^14 every one of them is
 * due at once: 16,000 rows of the same line. `--json` lists every role.
 */
import type { ExpiryReport, RoleExpiry } from '../ceremony/lifecycle/index.js';
import { countOf, someOf } from '../tuf/base/index.js';
import { OK_ROWS_SHOWN } from './render-report.js';

const MARK = { ok: 'ok', due: 'DUE', expired: 'EXPIRED' } as const;

/** The roles past the rows shown: when all expire together, that instant; else the earliest of them. */
function hiddenLine(hidden: RoleExpiry[]): string {
  let earliest = hidden[0]!;
  let together = true;
  for (const r of hidden) {
    if (r.expires !== earliest.expires) together = false;
    if (r.secondsLeft < earliest.secondsLeft) earliest = r;
  }
  const when = `${earliest.expires} (${earliest.daysLeft} days left)`;
  return (
    `… and ${countOf(hidden.length)} more roles ${MARK[earliest.status]}, ` +
    (together ? `all expiring ${when}` : `the earliest expiring ${earliest.role} ${when}`) +
    ' (--json lists every role)'
  );
}

/** Which rows are shown: every role but claimed's bins; of the bins, expired, then due, then ok, up to the limit. */
function rowsShown(roles: readonly RoleExpiry[]): { shown: RoleExpiry[]; hidden: RoleExpiry[][] } {
  const bins = { expired: [] as RoleExpiry[], due: [] as RoleExpiry[], ok: [] as RoleExpiry[] };
  for (const r of roles) if (r.delegator === 'claimed') bins[r.status].push(r);
  const chosen = new Set<RoleExpiry>();
  const hidden: RoleExpiry[][] = [];
  let room = OK_ROWS_SHOWN;
  for (const list of [bins.expired, bins.due, bins.ok]) {
    for (const r of list.slice(0, room)) chosen.add(r);
    if (list.length > room) hidden.push(list.slice(room));
    room = Math.max(0, room - list.length);
  }
  return { shown: roles.filter((r) => r.delegator !== 'claimed' || chosen.has(r)), hidden };
}

export function renderExpiry(report: ExpiryReport): string {
  const { shown, hidden } = rowsShown(report.roles);
  // A loop, not a spread: a sharded claimed role has up to 2^16 bins (docs/decisions/0003-claimed-sharding.md).
  const w = shown.reduce((max, r) => Math.max(max, r.role.length), 4);
  const lines = [
    `Expiry at ${report.at}, renewal window ${report.within} (plan warning margin ${report.planWarning})`,
    '',
  ];
  lines.push(`${'role'.padEnd(w)}  version  expires               days left  status   signers needed`);
  for (const r of shown) {
    lines.push(
      `${r.role.padEnd(w)}  ${String(r.version).padEnd(7)}  ${r.expires}  ${String(r.daysLeft).padStart(9)}  ${MARK[r.status].padEnd(7)}  ${r.signersNeeded}`,
    );
  }
  for (const h of hidden) lines.push(hiddenLine(h));
  lines.push('');
  // These lines name the first of the roles due or expired and count the others.
  if (report.expired.length)
    lines.push(
      `EXPIRED: ${someOf(report.expired)}; clients refuse these now. Re-sign at once: tuf-ceremony resign --within ${report.within}`,
    );
  const expired = new Set(report.expired);
  const dueOnly = report.due.filter((r) => !expired.has(r));
  if (dueOnly.length)
    lines.push(
      `DUE within ${report.within}: ${someOf(dueOnly)}. Prepare a re-sign event: tuf-ceremony resign --within ${report.within}`,
    );
  if (!report.due.length) lines.push(`Nothing expires within ${report.within}.`);
  return lines.join('\n');
}
