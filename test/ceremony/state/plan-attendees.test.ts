/**
 * The plan's `attendees` (docs/formats/plan.md): the people in the room besides the admins, with
 * their parts, named in the printed record and checked when `ceremony run` asks who confirms.
 * Optional, so that every plan written before it still reads; strict like the rest of the plan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan, peopleOf } from '../../../src/ceremony/state/plan.js';
import { runCli } from '../../helpers/cli.js';
import { SCRIPTS } from '../../helpers/softhsm-admins.js';

const base = () => JSON.parse(readFileSync(join(SCRIPTS, 'rehearsal-plan.json'), 'utf8'));

function withAttendees(attendees: unknown): unknown {
  const p = base();
  p.attendees = attendees;
  return p;
}

describe('plan attendees', () => {
  it('are read with their parts, merged with the admins, and shown by plan check', async () => {
    const plan = parsePlan(base(), 'plan.json');
    expect(plan.attendees).toEqual([
      { name: 'Dana Park', parts: ['ceremony-administrator'], contact: 'dana@example.org' },
      { name: 'Sam Lee', parts: ['witness', 'scribe'] },
    ]);
    const admin = withAttendees([{ name: 'admin-a', parts: ['scribe'] }]);
    expect(peopleOf(parsePlan(admin, 'plan.json')).find((p) => p.name === 'admin-a')?.parts).toEqual([
      'admin',
      'scribe',
    ]);
    const shown = await runCli(['plan', 'check', join(SCRIPTS, 'rehearsal-plan.json'), '--json']);
    expect(JSON.parse(shown.stdout).attendees).toEqual([
      { name: 'Dana Park', parts: ['ceremony-administrator'], contact: 'dana@example.org' },
      { name: 'Sam Lee', parts: ['witness', 'scribe'], contact: null },
    ]);
    expect((await runCli(['plan', 'check', join(SCRIPTS, 'rehearsal-plan.json')])).stdout).toContain(
      '  in the room: Sam Lee (witness, scribe)',
    );
  });

  it('are optional: a plan without them has none', () => {
    const p = base();
    delete p.attendees;
    expect(parsePlan(p, 'plan.json').attendees).toEqual([]);
  });

  it('refuse what a reviewer would miss, naming the field', () => {
    const refused = (attendees: unknown) => () => parsePlan(withAttendees(attendees), 'plan.json');
    expect(refused([{ name: 'Sam', parts: ['notary'] }])).toThrow(
      /plan\.json: attendees\[0\]\.parts\[0\]: "notary" is not one of ceremony-administrator, witness, scribe/,
    );
    expect(refused([{ name: 'Sam', parts: [] }])).toThrow(/attendees\[0\]\.parts: give each part once, at least one/);
    expect(refused([{ name: 'Sam', parts: ['witness', 'witness'] }])).toThrow(
      /attendees\[0\]\.parts: give each part once/,
    );
    expect(refused([{ name: 'Sam\u001b[8m', parts: ['witness'] }])).toThrow(
      /attendees\[0\]\.name: must be 1 to 100 printable/,
    );
    expect(
      refused([
        { name: 'Sam', parts: ['witness'] },
        { name: 'Sam', parts: ['scribe'] },
      ]),
    ).toThrow(/attendees\[1\]\.name: "Sam" is listed twice/);
    expect(refused([{ name: 'admin-b', parts: ['witness'] }])).toThrow(
      /attendees\[0\]\.parts: "admin-b" holds keys \(admins\) and so cannot be a witness/,
    );
    expect(refused([{ name: 'Sam', parts: ['witness'], role: 'x' }])).toThrow(/attendees\[0\]\.role: unknown field/);
  });
});
