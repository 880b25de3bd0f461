/** Expiry and re-sign on SoftHSM tokens: the computation, the proof, and the event's summary. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeExpiry } from '../../src/ceremony/lifecycle/expiry.js';
import { loadCurrentRoles } from '../../src/ceremony/lifecycle/expiry-signers.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { summarizeEvent } from '../../src/ceremony/events/event-summary.js';
import { proveResign } from '../../src/ceremony/events/resign-proof.js';
import { createResignEvent, planResign, resignedCopy } from '../../src/ceremony/lifecycle/resign.js';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/ceremony/state/repository.js';
import type { Targets } from '../../src/tuf/model/metadata.js';
import { DelegatedRole } from '../../src/tuf/model/roles.js';
import { bootstrap, day, iso, signAs, tempDir, writePlan, type Bootstrapped } from './fixture.js';
import { holderTokens, type HolderTokens } from './tokens.js';

describe('expiry and re-sign', () => {
  let t: HolderTokens;
  let b: Bootstrapped;
  beforeAll(async () => {
    t = holderTokens(['alice', 'bob', 'carol']);
    b = await bootstrap(t.provider, { dir: t.fx.dir });
  });
  afterAll(() => t?.fx.cleanup());

  it('reports every offline role with version, expiry, days left and the holders who sign', () => {
    const report = computeExpiry(loadCurrentRoles(b.repo), b.repo.plan(), {
      at: day(80),
      within: { text: '30d', seconds: 30 * 86400 },
    });
    expect(report.roles.map((r) => r.role)).toEqual(['root', 'targets', 'claimed']);
    const root = report.roles[0]!;
    expect(root).toMatchObject({
      version: 1,
      expires: iso(day(90)),
      daysLeft: 10,
      status: 'due',
      threshold: 2,
      holders: ['alice', 'bob', 'carol'],
    });
    expect(root.signersNeeded).toBe('2 of alice, bob, carol');
    expect(report.roles[2]).toMatchObject({ role: 'claimed', delegator: 'targets', threshold: 2 });
    expect(report.state).toBe('due');
  });

  it('uses the plan margin when no window is given, and tells expired from due', () => {
    const plan = b.repo.plan();
    const current = loadCurrentRoles(b.repo);
    expect(computeExpiry(current, plan, { at: day(80) }).state).toBe('due'); // 10 days left, margin 14d
    expect(computeExpiry(current, plan, { at: day(70) }).state).toBe('ok'); // 20 days left
    const late = computeExpiry(current, plan, { at: day(90) });
    expect(late.state).toBe('expired');
    expect(late.roles.every((r) => r.status === 'expired' && r.daysLeft === 0)).toBe(true);
  });

  it('re-signs with version + 1 and expiry = at + period, and nothing else', () => {
    const current = b.repo.current('targets');
    const next = resignedCopy(current, day(80), 90 * 86400);
    expect(next.signed.version).toBe(2);
    expect(iso(next.signed.expires)).toBe(iso(day(170)));
    expect(next.signatures.size).toBe(0);
    expect(proveResign(current, next)).toMatchObject({
      contentUnchanged: true,
      versionOk: true,
      differences: [],
    });
    // the proof must fail on any content change
    const tampered = resignedCopy(current, day(80), 90 * 86400);
    const roles = (tampered.signed as Targets).delegations!.roles!;
    const r0 = roles[0]!;
    roles[0] = new DelegatedRole(r0.name, r0.keyids, 1, r0.terminating, r0.paths, r0.pathHashPrefixes, r0.unrecognized);
    const proof = proveResign(current, tampered);
    expect(proof.contentUnchanged).toBe(false);
    expect(proof.differences).toEqual(['delegations.roles[0].threshold']);
  });

  it('makes one re-sign event for every role due; its summary says "no content change"; a threshold finalizes it', async () => {
    const planned = planResign(loadCurrentRoles(b.repo), b.repo.plan(), {
      at: day(80),
      within: { text: '5d', seconds: 5 * 86400 },
    });
    expect(planned.roles).toEqual([]); // nothing within 5 days
    const eventDir = join(b.dir, 'resign-event');
    const result = createResignEvent(b.repo, eventDir, { at: day(80), within: { text: '30d', seconds: 30 * 86400 } });
    expect(result.roles.map((r) => r.role)).toEqual(['root', 'targets', 'claimed']);
    const event = SigningEvent.load(eventDir);
    expect(event.kind).toBe('resign');
    const summary = summarizeEvent(event);
    expect(summary.roles.map((r) => [r.role, r.version, r.contentUnchanged])).toEqual([
      ['root', 2, true],
      ['targets', 2, true],
      ['claimed', 2, true],
    ]);
    await signAs(event, ['alice'], t.provider);
    expect(() => finalizeEvent(b.repo, SigningEvent.load(eventDir), { at: day(80) })).toThrow(/threshold/);
    await signAs(SigningEvent.load(eventDir), ['bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(eventDir), { at: day(80) });
    expect(b.repo.currentVersion('root')).toBe(2);
    const after = computeExpiry(loadCurrentRoles(b.repo), b.repo.plan(), {
      at: day(120),
      within: { text: '30d', seconds: 30 * 86400 },
    });
    expect(after.state).toBe('ok');
    expect(after.roles.map((r) => r.expires)).toEqual([iso(day(170)), iso(day(170)), iso(day(170))]);
  });
});

describe('expiry before anything is finalized', () => {
  it('says there is nothing to report rather than "nothing expires"', () => {
    const dir = tempDir();
    const { planPath } = writePlan(dir);
    const repo = Repository.create(join(dir, 'repo'), readFileSync(planPath));
    try {
      expect(() => computeExpiry(loadCurrentRoles(repo), repo.plan(), { at: day(1) })).toThrow(
        /no finalized metadata yet/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
