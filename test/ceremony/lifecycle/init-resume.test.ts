/**
 * `init` stopped half-way goes on when run again with the same plan (docs/formats/plan.md, "When
 * init stops half-way"), on SoftHSM tokens: Ctrl-C at the second admin's PIN, then a rerun that
 * takes up the first admin's keys without a PIN, asks again after a wrong PIN and waits for a
 * token initialized only once it is asked for. A key it did not record is never taken up, and a
 * key cut while it was being made is made again.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitJournal } from '../../../src/ceremony/state/init-journal.js';
import { loadPlan } from '../../../src/ceremony/state/plan.js';
import { readTranscript } from '../../../src/ceremony/state/transcript.js';
import { pinSource } from '../../../src/keys/pin.js';
import { loadProfile } from '../../../src/keys/profile.js';
import { softhsmTokenFolder } from '../../../src/keys/softhsm.js';
import { generateTokenKey, readTokenPublicKey } from '../../../src/keys/token-keys.js';
import { runCli } from '../../helpers/cli.js';
import { builtCli, plain, PtyRun, removeBuiltCli } from '../../helpers/pty.js';
import { makeAdmins, pinOf } from '../../helpers/softhsm-admins.js';

beforeAll(() => void builtCli(), 120_000);
afterAll(() => removeBuiltCli());

/** The keyids init printed for an admin, by role. */
const keyidsOf = (screen: string, holder: string) =>
  Object.fromEntries(
    [...screen.matchAll(new RegExp(`${holder} (root|targets|claimed): keyid ([0-9a-f]{64})`, 'g'))].map((m) => [
      m[1],
      m[2],
    ]),
  );

describe('Ctrl-C in the middle of init, then the same init again', () => {
  it('goes on: keys made before are read back, a wrong PIN is asked again, a late token is waited for', async () => {
    const a = makeAdmins('init-resume', { notYet: ['admin-c'] });
    const typed = a.typedPinsProfile();
    const repo = join(a.dir, 'repo');
    const init = ['init', '--plan', a.planPath, '--profile', typed, '--repo', repo];

    const first = new PtyRun(init, { cwd: a.dir });
    await first.waitFor(/PIN of token "admin-a"/);
    first.type(pinOf(a, 'admin-a'));
    await first.waitFor(/PIN of token "admin-b"/);
    first.interrupt();
    expect(await first.done()).toBe(130);
    const firstScreen = plain(first.raw);
    expect(firstScreen).toContain(
      "tuf-ceremony init: interrupted (Ctrl-C) at admin-b's turn; keys made and recorded so " +
        'far: admin-a (root, targets, claimed); run the same init again to go on: it takes them up',
    );
    expect(firstScreen).not.toMatch(/internal error| {4}at /);
    expect(readdirSync(repo)).toEqual(['init-journal.json']);
    const madeFirst = keyidsOf(firstScreen, 'admin-a');
    expect(Object.keys(madeFirst)).toEqual(['root', 'targets', 'claimed']);

    const again = new PtyRun(init, { cwd: a.dir });
    await again.waitFor(/PIN of token "admin-b"/);
    let from = plain(again.raw).length;
    again.type('not-the-pin');
    await again.waitFor(/Wrong PIN; 2 tries left[^]*PIN of token "admin-b"/, from);
    again.type(pinOf(a, 'admin-b'));
    await again.waitFor(/waiting for the token with label "admin-c" of admin-c/);
    a.insert('admin-c');
    from = plain(again.raw).length;
    await again.waitFor(/PIN of token "admin-c"/, from);
    again.type(pinOf(a, 'admin-c'));
    expect(await again.done()).toBe(0);
    const screen = plain(again.raw);
    expect(screen).toContain('an init of this plan stopped before it was done');
    expect(screen).not.toContain('PIN of token "admin-a"');
    for (const role of ['root', 'targets', 'claimed'])
      expect(screen).toContain(
        `admin-a ${role}: keyid ${madeFirst[role]} (made by the interrupted run; read back and matched)`,
      );

    expect(existsSync(join(repo, 'init-journal.json'))).toBe(false);
    const records = readTranscript(join(repo, 'transcript.jsonl'));
    expect(records.map((r) => r.step)).toEqual(['init', 'event-create']);
    expect(records[0]!.outputs['public key admin-a/root']).toBe(madeFirst['root']);
    expect(Object.keys(records[0]!.outputs)).toHaveLength(9);
  }, 180_000);
});

describe('what init never takes up', () => {
  it('a key that replaced the one it recorded, on a token made anew under the same label', async () => {
    const a = makeAdmins('init-foreign', { notYet: ['admin-b'] });
    const repo = join(a.dir, 'repo');
    const init = ['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repo];
    // Without a terminal a missing token fails at once; admin-a's keys are made and recorded.
    const stopped = await runCli(init);
    expect(stopped.code).toBe(4);
    expect(stopped.stderr).toContain(
      "init stopped at admin-b's turn; keys made and recorded so far: admin-a (root, targets, claimed); run the same init again to go on",
    );
    expect(stopped.stderr).toContain(
      'tuf-ceremony init: the token with label "admin-b" of admin-b is not inserted, and without a terminal nothing waits for it',
    );
    // Nothing was begun for admin-b: the journal holds admin-a's keys only.
    const recorded = JSON.parse(readFileSync(join(repo, 'init-journal.json'), 'utf8')).keys;
    expect(recorded.map((k: { holder: string; state: string }) => `${k.holder} ${k.state}`)).toEqual([
      'admin-a made',
      'admin-a made',
      'admin-a made',
    ]);

    // Another plan is not this init.
    const other = JSON.parse(readFileSync(a.planPath, 'utf8'));
    other.description = 'another plan';
    const otherPlan = join(a.dir, 'other-plan.json');
    writeFileSync(otherPlan, JSON.stringify(other));
    const wrongPlan = await runCli(['init', '--plan', otherPlan, '--profile', a.profilePath, '--repo', repo]);
    expect(wrongPlan.code).toBe(5);
    expect(wrongPlan.stderr).toContain('holds an interrupted init of another plan');

    // admin-a's token wiped and made again, with new keys under the planned labels.
    rmSync(softhsmTokenFolder(process.env['SOFTHSM2_CONF']!, a.serials['admin-a']!), { recursive: true });
    a.insert('admin-a');
    a.insert('admin-b');
    const profile = loadProfile(a.profilePath);
    for (const purpose of ['root', 'targets', 'claimed'])
      await generateTokenKey(profile, 'admin-a', purpose, 'ecdsa-p256', `${purpose}-admin-a`, pinSource({}));
    const refused = await runCli(init);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(
      new RegExp(
        String.raw`tuf-ceremony init: the key labelled "root-admin-a" \(keyid [0-9a-f]{64}, CKA_ID [0-9a-f]+, ` +
          String.raw`token serial \w+\) is not the root key this init made for admin-a .*; it is never taken up`,
      ),
    );
    expect(existsSync(join(repo, 'plan.json'))).toBe(false);
  }, 120_000);

  it('a key under a planned label that no init recorded', async () => {
    const a = makeAdmins('init-label-taken');
    const profile = loadProfile(a.profilePath);
    await generateTokenKey(profile, 'admin-b', 'root', 'ed25519', 'root-admin-b', pinSource({}));
    const r = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', join(a.dir, 'repo')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/already has an object labelled "root-admin-b"; refusing to reuse a label/);
  }, 120_000);
});

describe('a key cut while it was being made', () => {
  it('is destroyed and made again, under the CKA_ID recorded for it', async () => {
    const a = makeAdmins('init-cut');
    const repo = join(a.dir, 'repo');
    const profile = loadProfile(a.profilePath);
    // As a power cut would leave it: the entry written, the key on the token, not yet recorded as made.
    const journal = InitJournal.open(repo, loadPlan(a.planPath).sha256);
    const { id } = journal.intend('admin-a', 'root');
    const cut = await generateTokenKey(profile, 'admin-a', 'root', 'ecdsa-p256', 'root-admin-a', pinSource({}), {
      ckaId: id,
    });
    const r = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repo, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('(the interrupted run had begun this key and not finished it; it was made again)');
    const root = JSON.parse(r.stdout).keys.find((k: any) => k.holder === 'admin-a' && k.role === 'root');
    const now = await readTokenPublicKey(profile, 'admin-a', 'root-admin-a');
    expect(now.id).toBe(id);
    expect(now.key.keyid).toBe(root.keyid);
    expect(root.keyid).not.toBe(cut.key.keyid);
  }, 120_000);
});
