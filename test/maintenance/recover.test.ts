/** Recovery from a key compromise (PEP 480): the plan per case, the event, and the result verifying. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCurrentRoles } from '../../src/ceremony/lifecycle/expiry-signers.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { parseCompromised, planRecovery, prepareRecovery } from '../../src/ceremony/lifecycle/recover.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import type { Key } from '../../src/tuf/model/key.js';
import type { Root, Targets } from '../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, iso, signAs, owned, writeKeyFile, type Bootstrapped } from './fixture.js';
import { holderTokens, tokenKey, type HolderTokens } from './tokens.js';

describe('recover', () => {
  let t: HolderTokens;
  let b: Bootstrapped;
  beforeAll(async () => {
    t = holderTokens(['alice', 'bob', 'carol']);
    b = await bootstrap(t.provider, { dir: t.fx.dir });
  });
  afterAll(() => t?.fx.cleanup());

  it('says which keys PEP 480 replaces for each case', () => {
    const current = loadCurrentRoles(b.repo);
    const replaced = (c: string) =>
      planRecovery(current, parseCompromised([c]), new Map()).replaced.map((r) => `${r.role}@${r.changedIn}`);
    for (const online of ['timestamp', 'snapshot', 'recently-claimed', 'unclaimed']) {
      expect(replaced(online)).toEqual([
        'timestamp@root',
        'snapshot@root',
        'targets@root',
        'recently-claimed@targets',
        'unclaimed@targets',
      ]);
    }
    expect(replaced('targets')).toEqual(['targets@root']);
    expect(replaced('claimed')).toEqual(['claimed@targets']);
    expect(replaced('root')).toEqual(['root@root', 'targets@root']);
    expect(() => parseCompromised(['bins'])).toThrow(/not one of/);
    const both = planRecovery(current, parseCompromised(['snapshot,claimed']), new Map());
    expect(both.replaced.map((r) => r.role)).toEqual([
      'timestamp',
      'snapshot',
      'targets',
      'claimed',
      'recently-claimed',
      'unclaimed',
    ]);
    expect(both.offlineSteps.join('\n')).toMatch(/compare its project delegations with the last known good snapshot/);
  });

  it('prints the plan and the steps left to the online service, and needs every new key before writing an event', async () => {
    const plan = await runCli(['recover', '--repo', b.repoDir, '--compromised', 'timestamp']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(
      /targets \(listed in root\): 1 of 3 keys, held by alice, bob, carol; new keys from the admins: NONE GIVEN YET/,
    );
    expect(plan.stdout).toMatch(/clear every target and delegation in recently-claimed/);
    expect(plan.stdout).toMatch(
      /No event written. New keys still needed for: timestamp, snapshot, targets, recently-claimed, unclaimed/,
    );
    const refused = await runCli([
      'recover',
      '--repo',
      b.repoDir,
      '--compromised',
      'timestamp',
      '--event',
      join(b.dir, 'never'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/new keys are needed for timestamp, snapshot, targets, recently-claimed, unclaimed/);
    const json = await runCli(['recover', '--repo', b.repoDir, '--compromised', 'claimed', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ compromised: ['claimed'], missing_keys: ['claimed'], event: null });
  });

  it('an online compromise: root replaces timestamp, snapshot and targets keys, targets (by its new key) the online delegations', async () => {
    const newOnline = Ed25519Signer.generate('new online');
    const newTargets = await tokenKey(t, 'alice', 'targets-alice-new');
    const keyFile = (name: string, key: Key) => writeKeyFile(join(b.dir, name), key);
    const onlineFile = keyFile('new-online.json', newOnline.key);
    const args = [
      'recover',
      '--repo',
      b.repoDir,
      '--compromised',
      'snapshot',
      '--at',
      iso(day(5)),
      '--event',
      join(b.dir, 'recover-online'),
    ];
    for (const role of ['timestamp', 'snapshot', 'recently-claimed', 'unclaimed'])
      args.push('--new-key', `${role}=${onlineFile}`);
    // the compromised targets key may not come back
    const oldTargets = b.repo.current<Root>('root').signed;
    const compromisedFile = keyFile('old-targets.json', oldTargets.keys.get(oldTargets.roles.targets.keyids[0]!)!);
    const refused = await runCli([...args, '--new-key', `targets=${compromisedFile}`]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/compromised key/);

    const ok = await runCli([...args, '--new-key', `targets=${keyFile('new-targets.json', newTargets)}`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/root v2: keys changed\n {2}targets v2: keys changed/);
    const event = SigningEvent.load(join(b.dir, 'recover-online'));
    expect(event.kind).toBe('recover');
    const root = event.role('root').metadata.signed as Root;
    for (const r of ['snapshot', 'timestamp'] as const) expect(root.roles[r].keyids).toEqual([newOnline.key.keyid]);
    expect(root.roles.targets.keyids).toEqual([newTargets.keyid]);
    const targets = event.role('targets').metadata.signed as Targets;
    for (const r of ['recently-claimed', 'unclaimed'])
      expect(targets.delegations!.roleKeys(r)!.keyids).toEqual([newOnline.key.keyid]);
    expect(targets.delegations!.roleKeys('claimed')).toEqual(
      b.repo.current<Targets>('targets').signed.delegations!.roleKeys('claimed'),
    );
    // targets v2 must be signed by the NEW targets key
    expect(event.role('targets').thresholds[0]!.keyids).toEqual([newTargets.keyid]);

    // alice signs root with her root key and targets with her new targets key (a profile naming it)
    await signAs(
      event,
      ['alice'],
      t.variant('alice-new-targets.json', { alice: { targets: 'targets-alice-new' } }).provider,
    );
    await signAs(SigningEvent.load(event.dir), ['bob'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(event.dir), { at: day(5) });
    const report = verifyRepository(b.repo.readBytes('root', 1), new FolderSource(b.repo.metadataDir), {
      trustedRootName: '1.root.json',
      at: day(6),
    });
    expect(report.ok).toBe(true);
    expect(report.rootVersion).toBe(2);
  });

  it('a claimed compromise: targets replaces the claimed keys and claimed is re-signed by the new ones', () => {
    const newKeys = new Map([['claimed', [owned('alice').key, owned('bob').key]]]);
    const { result } = prepareRecovery(b.repo, join(b.dir, 'recover-claimed'), {
      compromised: ['claimed'],
      newKeys,
      thresholds: new Map([['claimed', 2]]),
      at: day(7),
    });
    expect(result!.roles.map((r) => [r.role, r.metadata.signed.version])).toEqual([
      ['targets', 3],
      ['claimed', 2],
    ]);
    const claimedEntry = (result!.roles[0]!.metadata.signed as Targets).delegations!.roleKeys('claimed')!;
    expect(claimedEntry.keyids).toEqual(newKeys.get('claimed')!.map((k) => k.keyid));
    expect(result!.event.role('claimed').thresholds[0]!.keyids).toEqual(claimedEntry.keyids);
  });
});
