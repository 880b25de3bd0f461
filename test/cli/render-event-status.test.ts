/**
 * An event of thousands of roles (a claim at 2^14 bins signs about 7,000) is summarized on a
 * terminal: a bad signature is always shown, the other roles up to a limit, then counted; `--json`
 * keeps every role.
 */
import { describe, expect, it } from 'vitest';
import type { EventStatus, RoleStatus } from '../../src/ceremony/events/event.js';
import { signedLines } from '../../src/cli/commands/event/sign.js';
import { renderStatus } from '../../src/cli/render-event.js';

const ALICE = { keyid: 'a'.repeat(64), holder: 'alice' };
const BOB = { keyid: 'b'.repeat(64), holder: 'bob' };

function bin(i: number, o: { complete: boolean; bad?: boolean }): RoleStatus {
  return {
    role: `claimed-bins-${i.toString(16).padStart(4, '0')}`,
    version: 2,
    file: `2.claimed-bins-${i.toString(16).padStart(4, '0')}.json`,
    payloadSha256: 'c'.repeat(64),
    complete: o.complete,
    thresholds: [
      {
        label: 'claimed v2',
        threshold: 2,
        have: o.complete ? 2 : 1,
        need: o.complete ? 0 : 1,
        met: o.complete,
        signed: o.complete ? [ALICE, BOB] : [ALICE],
        missing: o.complete ? [] : [BOB],
        bad: o.bad ? [BOB] : [],
      },
    ],
  };
}

describe('event status on a terminal', () => {
  it('shows 40 roles, every role with a bad signature, and counts the rest', () => {
    const roles = Array.from({ length: 7000 }, (_, i) => bin(i, { complete: i % 2 === 0, bad: i === 6543 }));
    const text = renderStatus({ complete: false, roles, missingHolders: ['bob'] } satisfies EventStatus);
    const lines = text.split('\n');
    expect(lines.length).toBeLessThan(100);
    expect(text).toContain('claimed-bins-0027 v2');
    expect(text).not.toContain('claimed-bins-0028 v2');
    // The bad signature far down the list is shown with its role.
    expect(text).toMatch(/claimed-bins-198f v2 .*\n.*\n {4}bad signatures from: bob/);
    expect(text).toContain(
      '… and 6959 more roles: 3480 complete, 3479 incomplete (event status --json lists every role)',
    );
    expect(lines.at(-1)).toBe('Still missing signatures; admins who can still sign: bob');
  });

  it('shows every role of a small event, with no count', () => {
    const roles = Array.from({ length: 40 }, (_, i) => bin(i, { complete: true }));
    const text = renderStatus({ complete: true, roles, missingHolders: [] });
    expect(text.match(/: complete$/gm)).toHaveLength(40);
    expect(text).not.toContain('more roles');
  });
});

describe('what event sign printed', () => {
  it('names 20 roles per signer and counts the rest; one role is named as before', () => {
    const signed = [
      ...Array.from({ length: 7000 }, (_, i) => ({
        role: `claimed-bins-${i}`,
        version: 2,
        holder: 'alice',
        keyid: ALICE.keyid,
        serial: '8e71',
      })),
      { role: 'root', version: 3, holder: 'bob', keyid: BOB.keyid, serial: 'f6c1' },
    ];
    const lines = signedLines(signed);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^signed 7000 roles as alice \\(keyid ${ALICE.keyid}, token 8e71\\): claimed-bins-0 v2, .*claimed-bins-19 v2, ` +
          'and 6980 more \\(--json lists them all\\)$',
      ),
    );
    expect(lines[0]).not.toContain('claimed-bins-20 ');
    expect(lines[1]).toBe(`signed root v3 as bob (keyid ${BOB.keyid}, token f6c1)`);
  });
});
