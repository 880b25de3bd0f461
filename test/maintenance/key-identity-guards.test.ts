/**
 * Every guard rail sees one key written two ways as one key (
 * docs/decisions/0004-verification-strictness.md, "Key identity"), and its refusal names the key
 * it clashes with: rotate, recover, plan check and the claim intake. The attack: an admin adds
 * their own root key again, re-encoded and named as a new holder, then removes the others.
 * Admins' root and targets keys are ECDSA P-256 on fresh SoftHSM tokens.
 */
import { groupedHex } from '../../src/tuf/model/fingerprint-words.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from '../../src/ceremony/lifecycle/bootstrap.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { loadCurrentRoles } from '../../src/ceremony/lifecycle/expiry-signers.js';
import { ownerOf } from '../../src/ceremony/state/holders.js';
import { prepareRecovery } from '../../src/ceremony/lifecycle/recover.js';
import { requestPayload } from '../../src/ceremony/claims/requests-format.js';
import { planKeyChanges, type KeyChange } from '../../src/ceremony/lifecycle/rotate.js';
import type { Repository } from '../../src/ceremony/state/repository.js';
import type { JsonObject } from '../../src/tuf/model/fields.js';
import type { Key } from '../../src/tuf/model/key.js';
import type { Root } from '../../src/tuf/model/metadata.js';
import { formatExpires } from '../../src/tuf/base/time.js';
import { runCli } from '../helpers/cli.js';
import { failure } from '../helpers/failure.js';
import { compressedP256Pem, p256Signer, reencoded, withTrailingText } from '../helpers/key-encodings.js';
import { makeRepository } from '../requests/fixtures.js';
import { day, iso, signAs, T0, tempDir, writeKeyFile, writePlan } from './fixture.js';
import { holderTokens, type HolderTokens } from './tokens.js';

/** A keyid as messages name it. */
const short = groupedHex;

describe('rotate and recover, with ECDSA root and targets keys on SoftHSM tokens', () => {
  let t: HolderTokens;
  let repo: Repository;
  let repoDir: string;
  let root: Root;
  const keyOf = (role: 'root' | 'targets', holder: string): Key => {
    const id = root.roles[role].keyids.find((k) => ownerOf(root.keys.get(k)) === holder)!;
    return root.keys.get(id)!;
  };
  const plan = (changes: KeyChange[], compromised = false) =>
    planKeyChanges(loadCurrentRoles(repo), repo.plan(), changes, day(10), { compromised });

  beforeAll(async () => {
    t = holderTokens(['alice', 'bob', 'carol']);
    const { planPath } = writePlan(t.fx.dir);
    const p = JSON.parse(readFileSync(planPath, 'utf8'));
    for (const a of p.admins) a.keys.root = a.keys.targets = { type: 'ecdsa-p256' };
    writeFileSync(planPath, JSON.stringify(p, null, 2));
    repoDir = join(t.fx.dir, 'repo');
    const init = await initRepository({ planPath, repoDir, provider: t.provider, now: T0, log: () => {} });
    await signAs(init.event, ['alice', 'bob'], t.provider);
    finalizeEvent(init.repo, SigningEvent.load(init.event.dir), { at: T0 });
    repo = init.repo;
    root = repo.current<Root>('root').signed;
  });
  afterAll(() => t?.fx.cleanup());

  it("refuses `rotate --add` of alice's root key re-encoded (compressed point) as admin-d's, naming alice's key (exit 5)", async () => {
    const alice = keyOf('root', 'alice');
    expect(alice.kind).toBe('ecdsa-p256');
    const file = writeKeyFile(
      join(t.fx.dir, 'admin-d-root.json'),
      reencoded(alice, compressedP256Pem(alice.publicValue), { 'x-ceremony-owner': 'admin-d' }),
    );
    const r = await runCli([
      'rotate',
      '--repo',
      repoDir,
      '--role',
      'root',
      '--add',
      file,
      '--at',
      iso(day(9)),
      '--event',
      join(t.fx.dir, 'never'),
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`is the root key ${short(alice.keyid)} of alice written another way`);
  });

  it('refuses the same key with text after its PEM block, or under its own encoding named as another holder', () => {
    const bob = keyOf('root', 'bob');
    expect(() =>
      plan([{ role: 'root', add: [reencoded(bob, withTrailingText(bob.publicValue))], remove: [] }]),
    ).toThrow(`the root key ${short(bob.keyid)} of bob written another way`);
    expect(() =>
      plan([{ role: 'root', add: [bob.withCustomFields({ 'x-ceremony-owner': 'admin-d' })], remove: [] }]),
    ).toThrow(`names admin-d but is the root key ${short(bob.keyid)} of bob`);
    // removed and added back re-encoded in one change is still the same key
    expect(() =>
      plan([{ role: 'root', add: [reencoded(bob, compressedP256Pem(bob.publicValue))], remove: [bob.keyid] }]),
    ).toThrow(/of bob written another way/);
  });

  it('refuses one new key given twice in two encodings, a re-encoded key of another role, and one leaving elsewhere in the change', () => {
    const dave = p256Signer('dave').key;
    const daveAgain = reencoded(dave, compressedP256Pem(dave.publicValue));
    expect(() => plan([{ role: 'root', add: [dave, daveAgain], remove: [] }])).toThrow(
      `given twice (also as ${short(dave.keyid)} of dave, the same public key written another way)`,
    );
    const carolTargets = keyOf('targets', 'carol');
    const again = reencoded(carolTargets, withTrailingText(carolTargets.publicValue));
    expect(() => plan([{ role: 'root', add: [again], remove: [] }])).toThrow(
      `is the same key as a targets key (${short(carolTargets.keyid)} of carol)`,
    );
    expect(() =>
      plan([
        { role: 'targets', add: [], remove: [carolTargets.keyid] },
        { role: 'root', add: [again], remove: [] },
      ]),
    ).toThrow(`a key being removed elsewhere in this change (${short(carolTargets.keyid)} of carol)`);
  });

  it('still lets a key change only its custom fields (a new keyid, the same key)', () => {
    const carol = keyOf('root', 'carol');
    const r = plan([
      { role: 'root', add: [carol.withCustomFields({ 'x-ceremony-contact': 'carol@example.org' })], remove: [] },
    ]);
    expect(r.changes[0]!.refreshed.map((x) => x.from)).toEqual([carol.keyid]);
    expect((r.roles[0]!.metadata.signed as Root).roles.root.keyids).toHaveLength(3);
  });

  it('recover refuses the compromised targets key re-encoded as its replacement', () => {
    const alice = keyOf('targets', 'alice');
    const same = reencoded(alice, compressedP256Pem(alice.publicValue));
    const e = failure(() =>
      prepareRecovery(repo, join(t.fx.dir, 'recover'), {
        compromised: ['targets'],
        newKeys: new Map([['targets', [same]]]),
        thresholds: new Map(),
        at: day(10),
      }),
    );
    expect(e.category).toBe('refused');
    expect(e.message).toMatch(/targets: the new key .* of alice is the compromised key being replaced/);
  });
});

describe('plan check', () => {
  it('refuses a plan where two holders import one key in two encodings, naming both (exit 5)', async () => {
    const dir = tempDir('plan-identity-');
    const { planPath } = writePlan(dir);
    const key = p256Signer().key;
    writeKeyFile(join(dir, 'alice-root.json'), key);
    writeKeyFile(join(dir, 'bob-root.json'), reencoded(key, compressedP256Pem(key.publicValue)));
    const p = JSON.parse(readFileSync(planPath, 'utf8'));
    p.admins[0].keys.root = { import: 'alice-root.json' };
    p.admins[1].keys.root = { import: 'bob-root.json' };
    writeFileSync(planPath, JSON.stringify(p, null, 2));
    const r = await runCli(['plan', 'check', planPath]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/the key of bob\/root is the same key as alice\/root/);
  });
});

describe('claim', () => {
  it('rejects a request listing one key twice in two encodings with threshold 2, naming both keyids', async () => {
    const dir = tempDir('claim-identity-');
    const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
    const f = await makeRepository(join(dir, 'repo'), now);
    const dev = p256Signer();
    const twin = reencoded(dev.key, compressedP256Pem(dev.key.publicValue));
    const signed: JsonObject = {
      _type: 'delegation-request',
      format_version: 1,
      project: 'twin-keys',
      keys: [dev.key.toJSON(), twin.toJSON()],
      threshold: 2,
      contact: 'dev@example.org',
      created: formatExpires(now),
      expires: formatExpires(day(1000)),
    };
    const sig = Buffer.from(await dev.sign(requestPayload(signed))).toString('hex');
    mkdirSync(join(dir, 'inbox'));
    writeFileSync(
      join(dir, 'inbox', 'twin-keys.json'),
      JSON.stringify({
        signed,
        signatures: [
          { keyid: dev.key.keyid, sig },
          { keyid: twin.keyid, sig },
        ],
      }),
    );
    const r = await runCli([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--requests',
      join(dir, 'inbox'),
      '--event',
      join(dir, 'event'),
      '--at',
      formatExpires(now),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ add: 0, rejected: 1 });
    expect(report.requests[0]).toMatchObject({
      file: 'twin-keys.json',
      decision: 'rejected',
      reason_code: 'bad-key',
      project: 'twin-keys',
    });
    expect(report.requests[0].reason).toBe(
      `signed.keys[1]: the same key as signed.keys[0] (keyids ${dev.key.keyid} and ${twin.keyid}, the same public key written another way)`,
    );
  });
});
