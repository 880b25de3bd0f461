/** Rotation guard rails and the shape of rotation events; admins' keys on SoftHSM tokens. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCurrentRoles } from '../../src/ceremony/lifecycle/expiry-signers.js';
import { computeExpiry } from '../../src/ceremony/lifecycle/expiry.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { summarizeEvent } from '../../src/ceremony/events/event-summary.js';
import { OWNER_FIELD } from '../../src/ceremony/state/holders.js';
import {
  createKeyChangeEvent,
  describeEventKeyChanges,
  keyChangesFromDetails,
} from '../../src/ceremony/lifecycle/rotate-event.js';
import { planKeyChanges, type KeyChange } from '../../src/ceremony/lifecycle/rotate.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { Metadata, Targets, type Root } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../src/tuf/model/roles.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { bootstrap, day, iso, signAs, owned, writeKeyFile, type Bootstrapped } from './fixture.js';
import { holderTokens, tokenKey, type HolderTokens } from './tokens.js';
import { runCli } from '../helpers/cli.js';

let t: HolderTokens;
beforeAll(() => {
  t = holderTokens(['alice', 'bob', 'carol', 'dave']);
});
afterAll(() => t?.fx.cleanup());

describe('rotation guard rails', () => {
  let b: Bootstrapped;
  let root: Metadata<Root>;
  const plan = (changes: KeyChange[], compromised = false) =>
    planKeyChanges(loadCurrentRoles(b.repo), b.repo.plan(), changes, day(10), { compromised });
  beforeAll(async () => {
    b = await bootstrap(t.provider, { dir: t.fx.dir });
    root = b.repo.current<Root>('root');
  });

  it('refuses a threshold above the number of keys, below 1, and a root threshold of 1', () => {
    expect(() => plan([{ role: 'root', add: [], remove: [], threshold: 4 }])).toThrow(
      /threshold 4 is more than the 3 key/,
    );
    expect(() => plan([{ role: 'claimed', add: [], remove: [], threshold: 0 }])).toThrow(/at least 1/);
    expect(() => plan([{ role: 'root', add: [], remove: [], threshold: 1 }])).toThrow(/at least 2/);
    const [a] = root.signed.roles.root.keyids;
    expect(() => plan([{ role: 'targets', add: [], remove: root.signed.roles.targets.keyids }])).toThrow(
      /no key at all/,
    );
    expect(() => plan([{ role: 'root', add: [], remove: [a!, a!] }])).toThrow(/given twice/);
  });

  it('refuses a key listed twice, a key of another role, a key without a holder, and removing a key the role does not have', () => {
    const rootKey = root.signed.keys.get(root.signed.roles.root.keyids[0]!)!;
    expect(() => plan([{ role: 'root', add: [rootKey], remove: [] }])).toThrow(/already a root key/);
    const k = owned('dave').key;
    expect(() => plan([{ role: 'root', add: [k, k], remove: [] }])).toThrow(/given twice/);
    const targetsKey = root.signed.keys.get(root.signed.roles.targets.keyids[0]!)!;
    expect(() => plan([{ role: 'root', add: [targetsKey], remove: [] }])).toThrow(/same key as a targets key/);
    expect(() => plan([{ role: 'root', add: [Ed25519Signer.generate().key], remove: [] }])).toThrow(/names no holder/);
    expect(() => plan([{ role: 'root', add: [], remove: ['ab'.repeat(32)] }])).toThrow(/not a root key/);
  });

  it('gives a key whose custom fields changed its new keyid, and says so', () => {
    const oldId = root.signed.roles.root.keyids[0]!;
    const old = root.signed.keys.get(oldId)!;
    const renamed = old.withCustomFields({ 'x-ceremony-contact': 'alice@example.org' });
    const r = plan([{ role: 'root', add: [renamed], remove: [] }]);
    const next = r.roles[0]!.metadata.signed as Root;
    expect(next.roles.root.keyids).not.toContain(oldId);
    expect(next.roles.root.keyids).toContain(renamed.keyid);
    expect(next.keys.has(oldId)).toBe(false);
    expect(r.changes[0]!.refreshed).toEqual([
      { from: oldId, to: renamed.keyid, holder: 'alice', fields: ['x-ceremony-contact: (none) → "alice@example.org"'] },
    ]);
    expect(r.notes.join('\n')).toMatch(/new custom fields .* keyid .* same key material/);
    // in a recovery the same material is the compromised key: refused
    expect(() => plan([{ role: 'root', add: [renamed], remove: [oldId] }], true)).toThrow(/compromised key/);
  });

  it('event show says when a key got a new keyid because its custom fields changed', async () => {
    const old = root.signed.keys.get(root.signed.roles.root.keyids[1]!)!;
    const file = writeKeyFile(
      join(b.dir, 'bob-renamed.json'),
      old.withCustomFields({ 'x-ceremony-contact': 'bob@example.org' }),
    );
    const eventDir = join(b.dir, 'refresh-bob');
    const made = await runCli([
      'rotate',
      '--repo',
      b.repoDir,
      '--role',
      'root',
      '--add',
      file,
      '--at',
      iso(day(9)),
      '--event',
      eventDir,
    ]);
    expect(made.code).toBe(0);
    const show = await runCli(['event', 'show', eventDir, '--repo', b.repo.dir, '--no-qr']);
    expect(show.stdout).toContain(
      `~ bob: custom fields changed (x-ceremony-contact: (none) → "bob@example.org"), keyid ${old.keyid} →`,
    );
    const json = JSON.parse((await runCli(['event', 'show', eventDir, '--repo', b.repo.dir, '--json'])).stdout);
    expect(json.key_changes[0].refreshed[0]).toMatchObject({ from: old.keyid, holder: 'bob' });
  });

  it('names the same person moving to a new key, who signs a new root with both', () => {
    const oldId = root.signed.roles.root.keyids[0]!;
    const r = plan([{ role: 'root', add: [owned('alice').key], remove: [oldId] }]);
    expect(r.changes[0]!.sameHolder).toHaveLength(1);
    expect(r.notes.join('\n')).toMatch(/alice moves from key .* signs the new root with both/);
  });

  it('a targets key rotation is a root change with targets re-signed; a claimed one a targets change with claimed re-signed', () => {
    const t = plan([{ role: 'targets', add: [owned('dave').key], remove: [] }]);
    expect(t.roles.map((r) => [r.role, r.metadata.signed.version])).toEqual([
      ['root', 2],
      ['targets', 2],
    ]);
    const c = plan([{ role: 'claimed', add: [owned('dave').key], remove: [], threshold: 3 }]);
    expect(c.roles.map((r) => [r.role, r.metadata.signed.version])).toEqual([
      ['targets', 2],
      ['claimed', 2],
    ]);
    const claimedEntry = (c.roles[0]!.metadata.signed as Targets).delegations!.roles!.find(
      (d) => d.name === 'claimed',
    )!;
    expect([claimedEntry.keyids.length, claimedEntry.threshold]).toEqual([4, 3]);
    expect(c.warnings).toEqual([]);
    expect(plan([{ role: 'root', add: [], remove: [], threshold: 3 }]).warnings).toEqual([
      'root: threshold 3 equals the number of keys; one lost or broken token locks the root role',
    ]);
  });

  it('a claimed rotation event is signed by targets and the new claimed keys, finalizes and verifies as a client would', async () => {
    const dave = await tokenKey(t, 'dave', 'claimed-dave');
    const eventDir = join(b.dir, 'rotate-claimed');
    const carolClaimed = [
      ...b.repo.current<Targets>('targets').signed.delegations!.roles!.find((d) => d.name === 'claimed')!.keyids,
    ].find(
      (id) =>
        b.repo.current<Targets>('targets').signed.delegations!.keys.get(id)!.unrecognized[OWNER_FIELD] === 'carol',
    )!;
    const result = createKeyChangeEvent(b.repo, eventDir, {
      kind: 'rotate',
      description: 'carol hands claimed to dave',
      changes: [{ role: 'claimed', add: [dave], remove: [carolClaimed] }],
      at: day(10),
    });
    const event = SigningEvent.load(eventDir);
    expect(event.kind).toBe('rotate');
    expect(keyChangesFromDetails(event.details)).toEqual(result.changes);
    expect(describeEventKeyChanges(event).join('\n')).toMatch(/\+ dave .*\n {2}- carol /);
    const s = summarizeEvent(event);
    expect(s.roles[0]!.delegations!.rekeyed.map((x) => x.name)).toEqual(['claimed']);
    // claimed v2 is authorized by the NEW claimed keys of targets v2 in the event: alice + dave, not carol
    const claimedThreshold = event.role('claimed').thresholds[0]!;
    expect([...claimedThreshold.keys.values()].map((k) => k.unrecognized[OWNER_FIELD]).sort()).toEqual([
      'alice',
      'bob',
      'dave',
    ]);
    await signAs(event, ['alice', 'dave'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(eventDir), { at: day(10) });
    const report = verifyRepository(b.repo.readBytes('root', 1), new FolderSource(b.repo.metadataDir), {
      trustedRootName: '1.root.json',
      at: day(20),
    });
    expect(report.ok).toBe(true);
    expect(report.roles.find((r) => r.role === 'claimed')?.version).toBe(2);
  });
});

describe('claimed key rotation with a sharded claimed role', () => {
  it('moves every bin delegation to the new claimed keys and re-signs each bin', async () => {
    // a second repository on the same tokens, under other key labels
    const labels = Object.fromEntries(
      ['alice', 'bob', 'carol'].map((h) => [
        h,
        { root: `root-${h}-s`, targets: `targets-${h}-s`, claimed: `claimed-${h}-s` },
      ]),
    );
    const sharded = await bootstrap(t.variant('sharded.json', labels).provider, { claimedBins: 4 });
    try {
      const current = loadCurrentRoles(sharded.repo);
      const targets = current.get('targets') as Metadata<Targets>;
      const auth = targets.signed.delegations!.roleKeys('claimed')!;
      const claimedKeys = new Map(auth.keyids.map((id) => [id, targets.signed.delegations!.keys.get(id)!]));
      // claimed v1 as the claim intake shards it: bins on the claimed keys, each an offline role
      const claimed = (current.get('claimed') as Metadata<Targets>).edit((s) => {
        s.delegations = new Delegations(
          claimedKeys,
          ['3', 'a'].map(
            (h) => new DelegatedRole(`claimed-bins-${h}`, [...auth.keyids], auth.threshold, false, undefined, [h]),
          ),
          undefined,
        );
      });
      current.set('claimed', claimed);
      for (const h of ['3', 'a'])
        current.set(`claimed-bins-${h}`, new Metadata(new Targets({ version: 1, expires: day(90) })));
      const bob = [...claimedKeys].find(([, k]) => k.unrecognized[OWNER_FIELD] === 'bob')![0];
      const dave = owned('dave').key;
      const r = planKeyChanges(
        current,
        sharded.repo.plan(),
        [{ role: 'claimed', add: [dave], remove: [bob] }],
        day(10),
      );
      expect(r.roles.map((x) => [x.role, x.metadata.signed.version, x.why])).toEqual([
        ['targets', 2, 'keys changed'],
        ['claimed', 2, 're-signed by its new claimed keys'],
        ['claimed-bins-3', 2, 're-signed by the new claimed keys'],
        ['claimed-bins-a', 2, 're-signed by the new claimed keys'],
      ]);
      const newIds = (r.roles[0]!.metadata.signed as Targets).delegations!.roleKeys('claimed')!.keyids;
      const claimed2 = r.roles[1]!.metadata.signed as Targets;
      for (const bin of claimed2.delegations!.roles!) expect(bin.keyids).toEqual(newIds);
      expect(claimed2.delegations!.keys.has(bob)).toBe(false);
      expect(claimed2.delegations!.keys.get(dave.keyid)?.keyid).toBe(dave.keyid);
      expect(r.notes.join('\n')).toMatch(/claimed's 2 bin delegation\(s\) move to the new claimed keys/);
      // a claimed key with new custom fields: its bins follow it too (not "the same key as a bin key")
      const alice = [...claimedKeys.values()].find((k) => k.unrecognized[OWNER_FIELD] === 'alice')!;
      const refreshed = planKeyChanges(
        current,
        sharded.repo.plan(),
        [{ role: 'claimed', add: [alice.withCustomFields({ 'x-note': 'new token' })], remove: [] }],
        day(10),
      );
      expect((refreshed.roles[1]!.metadata.signed as Targets).delegations!.roles![0]!.keyids).toContain(
        alice.withCustomFields({ 'x-note': 'new token' }).keyid,
      );
      // the expiry report lists each bin, delegated by claimed, on claimed's period and keys
      const bin = computeExpiry(current, sharded.repo.plan(), { at: day(80) }).roles.find(
        (x) => x.role === 'claimed-bins-a',
      )!;
      expect(bin).toMatchObject({
        delegator: 'claimed',
        period: '90d',
        threshold: 2,
        status: 'due',
        signersNeeded: '2 of alice, bob, carol',
      });
    } finally {
      sharded.cleanup();
    }
  });
});
