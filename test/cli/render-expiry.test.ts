/**
 * The expiry table for people at 2^10 bins: every role not ok in full however many, the other
 * bins up to OK_ROWS_SHOWN, then one line that says when they expire.
 */
import { describe, expect, it } from 'vitest';
import type { ExpiryReport, ExpiryStatus, RoleExpiry } from '../../src/ceremony/lifecycle/expiry.js';
import { renderExpiry } from '../../src/cli/render-expiry.js';
import { OK_ROWS_SHOWN } from '../../src/cli/render-report.js';

const DAY = 86_400;

function role(name: string, delegator: string, days: number, status: ExpiryStatus): RoleExpiry {
  const expires = new Date(Date.UTC(2031, 0, 1) + days * DAY * 1000).toISOString().replace('.000Z', 'Z');
  return {
    role: name,
    version: 2,
    expires,
    daysLeft: days,
    secondsLeft: days * DAY,
    status,
    period: '90d',
    periodSeconds: 90 * DAY,
    delegator,
    threshold: 2,
    holders: ['alice', 'bob'],
    keyids: ['a', 'b'],
    signersNeeded: '2 of alice, bob',
  };
}

function report(roles: RoleExpiry[]): ExpiryReport {
  const due = roles.filter((r) => r.status !== 'ok').map((r) => r.role);
  const expired = roles.filter((r) => r.status === 'expired').map((r) => r.role);
  return {
    at: '2031-01-01T00:00:00Z',
    within: '14d',
    withinSeconds: 14 * DAY,
    planWarning: '14d',
    roles,
    due,
    expired,
    state: expired.length ? 'expired' : due.length ? 'due' : 'ok',
  };
}

const bin = (i: number) => `claimed-bins-${i.toString(16).padStart(3, '0')}`;
const top = [role('root', 'root', 300, 'ok'), role('targets', 'root', 300, 'ok'), role('claimed', 'targets', 60, 'ok')];

describe('expiry text at 1,024 bins', () => {
  it('lists every expired and due bin in full, however many, and names the first of them in the summary line', () => {
    // Every fourth bin expired, every fourth due: 512 rows that must all be there.
    const bins = Array.from({ length: 1024 }, (_, i) =>
      role(
        bin(i),
        'claimed',
        i % 4 === 0 ? -3 : i % 4 === 1 ? 5 : 60 + (i % 7),
        i % 4 === 0 ? 'expired' : i % 4 === 1 ? 'due' : 'ok',
      ),
    );
    const text = renderExpiry(report([...top, ...bins]));
    const rows = text.split('\n');
    for (const b of bins.filter((x) => x.status !== 'ok'))
      expect(rows.find((l) => l.startsWith(`${b.role} `))).toMatch(b.status === 'expired' ? /\bEXPIRED\b/ : /\bDUE\b/);
    const okShown = rows.filter((l) => /^claimed-bins-\S+ .* ok {5}/.test(l));
    expect(okShown).toHaveLength(OK_ROWS_SHOWN);
    // The ok bins differ in expiry: the line names the earliest of those not shown.
    const hidden = bins.filter((b) => b.status === 'ok' && !rows.some((l) => l.startsWith(`${b.role} `)));
    expect(hidden).toHaveLength(512 - OK_ROWS_SHOWN);
    const earliest = hidden.reduce((a, b) => (b.secondsLeft < a.secondsLeft ? b : a));
    expect(rows).toContain(
      `… and ${hidden.length} more roles ok, the earliest expiring ${earliest.role} ${earliest.expires} ` +
        `(${earliest.daysLeft} days left) (--json lists every role)`,
    );
    expect(rows.length).toBeLessThan(512 + OK_ROWS_SHOWN + 15);
    const expiredLine = rows.find((l) => l.startsWith('EXPIRED: '))!;
    expect(expiredLine).toContain(`${bin(0)}, ${bin(4)}, `);
    expect(expiredLine).toContain(' … and 236 more; clients refuse these now.');
  });

  it('shows root, targets and claimed even past the limit, and every bin when there are no more than the limit', () => {
    const few = Array.from({ length: OK_ROWS_SHOWN }, (_, i) => role(bin(i), 'claimed', 60, 'ok'));
    const text = renderExpiry(report([...top, ...few]));
    expect(text).not.toContain('more roles ok');
    for (const r of [...top, ...few]) expect(text).toContain(`${r.role} `);
    expect(text).toContain('Nothing expires within 14d.');
  });
});
