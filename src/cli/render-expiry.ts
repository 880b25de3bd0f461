/**
 * The expiry report (src/ceremony/lifecycle/expiry.ts) for people: a row per role that matters
 * (root, targets, claimed, and every role due or expired), the other bins of a sharded claimed
 * role up to OK_ROWS_SHOWN and then one line that says when the rest expire; `--json` lists every role.
 */
import type { ExpiryReport, RoleExpiry } from '../ceremony/lifecycle/index.js';
import { countOf, someOf } from '../tuf/base/index.js';
import { boundedRows } from './render-report.js';

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
    `… and ${countOf(hidden.length)} more roles ok, ` +
    (together ? `all expiring ${when}` : `the earliest expiring ${earliest.role} ${when}`) +
    ' (--json lists every role)'
  );
}

export function renderExpiry(report: ExpiryReport): string {
  // Root, targets and claimed, and every role not ok; the bins delegated by claimed are the many.
  const { shown, hidden } = boundedRows(report.roles, (r) => r.status !== 'ok' || r.delegator !== 'claimed');
  // A loop, not a spread: a sharded claimed role has up to 2^16 bins (docs/decisions/0003-claimed-sharding.md).
  const w = shown.reduce((max, r) => Math.max(max, r.role.length), 4);
  const lines = [
    `Expiry at ${report.at}, renewal window ${report.within} (plan warning margin ${report.planWarning})`,
    '',
  ];
  lines.push(`${'role'.padEnd(w)}  version  expires               days left  status   signers needed`);
  for (const r of shown) {
    const mark = r.status === 'ok' ? 'ok' : r.status === 'due' ? 'DUE' : 'EXPIRED';
    lines.push(
      `${r.role.padEnd(w)}  ${String(r.version).padEnd(7)}  ${r.expires}  ${String(r.daysLeft).padStart(9)}  ${mark.padEnd(7)}  ${r.signersNeeded}`,
    );
  }
  if (hidden.length) lines.push(hiddenLine(hidden));
  lines.push('');
  // Every role due or expired has its row above; these lines name the first of them.
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
