/**
 * The expiry table for people at 2^10 bins: the top-level roles and claimed, then bins up to
 * OK_ROWS_SHOWN (expired, due, ok), then a line per status that counts the rest and says when.
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
  it('shows expired bins first, then due, then ok, up to the limit, and counts the rest of each with when they expire', () => {
    // Every fourth bin expired, every fourth due, the rest ok at various times.
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
    for (const r of top) expect(rows.find((l) => l.startsWith(`${r.role} `))).toBeDefined();
    const binRows = rows.filter((l) => l.startsWith('claimed-bins-'));
    expect(binRows).toHaveLength(OK_ROWS_SHOWN);
    expect(binRows.every((l) => /\bEXPIRED\b/.test(l))).toBe(true);
    expect(binRows[0]).toMatch(new RegExp(`^${bin(0)} `));
    const expiredAt = bins[0]!.expires;
    const dueAt = bins[1]!.expires;
    expect(rows).toContain(
      `… and ${256 - OK_ROWS_SHOWN} more roles EXPIRED, all expiring ${expiredAt} (-3 days left) (--json lists every role)`,
    );
    expect(rows).toContain(`… and 256 more roles DUE, all expiring ${dueAt} (5 days left) (--json lists every role)`);
    // The ok bins differ in expiry: the line names the earliest of them.
    const ok = bins.filter((b) => b.status === 'ok');
    const earliest = ok.reduce((x, y) => (y.secondsLeft < x.secondsLeft ? y : x));
    expect(rows).toContain(
      `… and 512 more roles ok, the earliest expiring ${earliest.role} ${earliest.expires} ` +
        `(${earliest.daysLeft} days left) (--json lists every role)`,
    );
    expect(rows.length).toBeLessThan(OK_ROWS_SHOWN + 20);
    const expiredLine = rows.find((l) => l.startsWith('EXPIRED: '))!;
    expect(expiredLine).toContain(`${bin(0)}, ${bin(4)}, `);
    expect(expiredLine).toContain(' … and 236 more; clients refuse these now.');
  });

  it('a few bins not ok are all shown, with the first ok bins after them', () => {
    const bins = Array.from({ length: 300 }, (_, i) =>
      role(bin(i), 'claimed', i === 7 ? 2 : 60, i === 7 ? 'due' : 'ok'),
    );
    const rows = renderExpiry(report([...top, ...bins])).split('\n');
    expect(rows.find((l) => l.startsWith(`${bin(7)} `))).toMatch(/\bDUE\b/);
    expect(rows.filter((l) => l.startsWith('claimed-bins-'))).toHaveLength(OK_ROWS_SHOWN);
    expect(rows.some((l) => l.startsWith(`… and ${300 - OK_ROWS_SHOWN} more roles ok, all expiring`))).toBe(true);
  });

  it('shows root, targets and claimed even past the limit, and every bin when there are no more than the limit', () => {
    const few = Array.from({ length: OK_ROWS_SHOWN }, (_, i) => role(bin(i), 'claimed', 60, 'ok'));
    const text = renderExpiry(report([...top, ...few]));
    expect(text).not.toContain('more roles ok');
    for (const r of [...top, ...few]) expect(text).toContain(`${r.role} `);
    expect(text).toContain('Nothing expires within 14d.');
  });
});
