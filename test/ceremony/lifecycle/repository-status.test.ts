/**
 * `tuf-ceremony status` against a repository on SoftHSM tokens as it goes through a bootstrap, a
 * claim, a root key rotation and a developer-key revocation (docs/formats/json-output.md,
 * "status"): every role's version, expiry, threshold and keys with holders, key types, full keyids
 * and token serials; claimed's projects; the events still being signed with have/need; the last
 * bundle; the transcript head in hex and words. And the transcript of the same run: what each
 * step changed, the reason of the revocation, and a refusal recorded. A sharded claimed role is
 * counted from its bins.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIntake } from '../../../src/ceremony/claims/intake.js';
import { claimedSettingsFromPlan } from '../../../src/ceremony/claims/claimed-build.js';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { appendTranscript, readTranscript, verifyTranscript } from '../../../src/ceremony/state/transcript.js';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { fingerprintLines, fingerprintWords } from '../../../src/tuf/model/fingerprint-words.js';
import type { Targets } from '../../../src/tuf/model/metadata.js';
import { runCli } from '../../helpers/cli.js';
import { initRepository, signAndFinalize as signAndFinalizeWith } from '../../helpers/ceremony-steps.js';
import { makeRepository, signAndStore, writeRequest } from '../../requests/fixtures.js';
import { makeAdmins, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let repo: string;
const dev = [Ed25519Signer.generate('dev one'), Ed25519Signer.generate('dev two')];

async function status(): Promise<Record<string, any>> {
  const r = await runCli(['status', '--repo', repo, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const role = (s: Record<string, any>, name: string) => s.roles.find((r: any) => r.role === name);

const signAndFinalize = (event: string) => signAndFinalizeWith(repo, event, a.profilePath);

beforeAll(async () => {
  a = makeAdmins('status');
  repo = join(a.dir, 'repo');
}, 60_000);
afterAll(() => rmSync(a.dir, { recursive: true, force: true }));

describe('status through a bootstrap, a claim, a rotation and a revocation', () => {
  it('after init: no role yet is refused in one line; after finalize, every role and key', async () => {
    const boot = await initRepository(a.planPath, a.profilePath, repo);
    const early = await runCli(['status', '--repo', repo]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^tuf-ceremony status: the repository in .* has no root metadata yet\n$/);
    await signAndFinalize(boot);

    const s = await status();
    expect(s.repository).toBe('rehearsal-index');
    expect(s.roles.map((r: any) => [r.role, r.online, r.version, r.threshold, r.delegated_by])).toEqual([
      ['root', false, 1, 2, 'root'],
      ['targets', false, 1, 2, 'root'],
      ['claimed', false, 1, 2, 'targets'],
      ['recently-claimed', true, null, 1, 'targets'],
      ['unclaimed', true, null, 1, 'targets'],
      ['snapshot', true, null, 1, 'root'],
      ['timestamp', true, null, 1, 'root'],
    ]);
    expect(role(s, 'root').days_left).toBeGreaterThanOrEqual(364);
    // Every admin key: its holder, type, full keyid and the serial of the token init made it on.
    const root = role(s, 'root');
    expect(root.keys.map((k: any) => [k.holder, k.keytype, k.serials])).toEqual(
      ['admin-a', 'admin-b', 'admin-c'].map((h) => [h, 'ecdsa', [a.serials[h]]]),
    );
    for (const k of root.keys) expect(k.keyid).toMatch(/^[0-9a-f]{64}$/);
    expect(role(s, 'claimed').keys.find((k: any) => k.holder === 'admin-b').keytype).toBe('ed25519');
    expect(role(s, 'snapshot').keys).toEqual([
      { keyid: a.online.snapshot.key.keyid, holder: null, keytype: 'ed25519', scheme: 'ed25519', serials: [] },
    ]);
    expect(s.claimed).toEqual({ layout: 'flat', projects: 0, bins: null });
    expect(s.pending_events).toEqual([]);
    expect(s.last_export).toBeNull();
    expect(s.accepted_deviations).toEqual([]);
    const check = verifyTranscript(join(repo, 'transcript.jsonl'));
    expect(s.transcript).toMatchObject({ ok: true, records: check.records, head: check.head });
    expect(s.transcript.head_words).toEqual(fingerprintWords(check.head!));

    // For people: within a terminal's height, keyids whole, the head in hex groups and words.
    const text = await runCli(['status', '--repo', repo]);
    expect(text.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(50);
    for (const k of root.keys) expect(text.stdout).toContain(`${k.keyid}  token ${a.serials[k.holder]}`);
    // The head in the one form every digest is compared in (hex groups, numbered words).
    expect(text.stdout).toContain(fingerprintLines(check.head!).join('\n'));
  }, 180_000);

  it('after a claim: the pending event with have/need, then the projects once finalized', async () => {
    const requests = join(a.dir, 'requests');
    await writeRequest(requests, 'pyyaml.json', { project: 'PyYAML', signers: dev, threshold: 1 }, new Date());
    const event = join(a.dir, 'claim-2');
    const claim = await runCli([
      'claim',
      '--repo',
      repo,
      '--requests',
      requests,
      '--event',
      event,
      '--no-online-check',
      'no online service in this test',
    ]);
    expect(claim.code, claim.stderr).toBe(0);
    const id = SigningEvent.load(event).id;

    const pending = (await status()).pending_events;
    expect(pending).toEqual([
      expect.objectContaining({ id, kind: 'claim', folder: event, problem: null, roles: 1, complete: false }),
    ]);
    expect(pending[0].thresholds).toEqual([
      expect.objectContaining({ role: 'claimed', version: 2, have: 0, need: 2, met: false }),
    ]);
    expect(pending[0].missing_holders.sort()).toEqual(['admin-a', 'admin-b', 'admin-c']);
    const text = await runCli(['status', '--repo', repo]);
    expect(text.stdout).toMatch(/claimed v2: have 0, need 2/);

    await signAndFinalize(event);
    const s = await status();
    expect(s.pending_events).toEqual([]);
    expect(role(s, 'claimed').version).toBe(2);
    expect(s.claimed.projects).toBe(1);
    // The transcript names the project the claim added.
    const rec = readTranscript(join(repo, 'transcript.jsonl')).find((r) => r.step === 'claim')!;
    expect(rec.details).toMatchObject({ added: 1, added_projects: ['pyyaml'], folder: event });
  }, 180_000);

  it('after a root rotation: the new key and threshold, the key removed gone, in status and transcript', async () => {
    const erin = Ed25519Signer.generate('erin root');
    const file = join(a.dir, 'erin.pub.json');
    writeFileSync(file, serializeJson(erin.key.withCustomFields({ 'x-ceremony-owner': 'erin' }).toJSON()));
    const removed = role(await status(), 'root').keys.find((k: any) => k.holder === 'admin-c').keyid;
    // A shortened keyid is refused, and the refusal lists every key whole, with its holder.
    const short = await runCli([
      'rotate',
      '--repo',
      repo,
      '--role',
      'root',
      '--remove',
      removed.slice(0, 12),
      '--event',
      join(a.dir, 'x'),
    ]);
    expect(short.code).toBe(5);
    expect(short.stderr).toContain(`${removed} of admin-c`);
    const event = join(a.dir, 'rotate-3');
    const r = await runCli([
      'rotate',
      '--repo',
      repo,
      '--role',
      'root',
      '--add',
      file,
      '--remove',
      removed,
      '--event',
      event,
    ]);
    expect(r.code, r.stderr).toBe(0);
    await signAndFinalize(event);

    const root = role(await status(), 'root');
    expect(root.version).toBe(2);
    expect(root.keys.map((k: any) => k.holder)).toEqual(expect.arrayContaining(['admin-a', 'admin-b', 'erin']));
    expect(root.keys.map((k: any) => k.keyid)).not.toContain(removed);
    expect(root.keys.find((k: any) => k.holder === 'erin').serials).toEqual([]);
    const rotations = readTranscript(join(repo, 'transcript.jsonl')).filter((x) => x.step === 'rotate');
    expect(rotations.map((x) => x.details?.['outcome'] ?? 'done')).toEqual(['refused', 'done']);
    const rec = rotations[1]!;
    expect(rec.details?.['key_changes']).toEqual([
      expect.objectContaining({
        role: 'root',
        added: [{ keyid: expect.any(String), holder: 'erin' }],
        removed: [{ keyid: removed, holder: 'admin-c' }],
      }),
    ]);
    const shown = await runCli(['transcript', 'show', '--repo', repo]);
    expect(shown.stdout).toContain(`root key removed: admin-c ${removed}`);
    expect(shown.stdout).toMatch(/root key added: erin [0-9a-f]{64}/);
  }, 180_000);

  it('after a revocation: the key gone from the project, the reason in the transcript; a refusal recorded', async () => {
    const bad = await runCli([
      'revoke',
      '--repo',
      repo,
      '--event',
      join(a.dir, 'never'),
      '--project',
      'pyyaml',
      '--key',
      'ab'.repeat(32),
      '--reason',
      'test',
    ]);
    expect(bad.code).toBe(5);
    const refusal = readTranscript(join(repo, 'transcript.jsonl')).at(-1)!;
    expect(refusal).toMatchObject({
      step: 'revoke',
      outputs: {},
      details: { outcome: 'refused', error: { code: 'E_NOT_A_KEY' }, project: 'pyyaml', reason: 'test' },
    });

    const event = join(a.dir, 'revoke-4');
    const reason = 'laptop stolen on 2026-04-30 (ticket 7)';
    const keyid = dev[0]!.key.keyid;
    const r = await runCli([
      'revoke',
      '--repo',
      repo,
      '--event',
      event,
      '--project',
      'pyyaml',
      '--key',
      keyid,
      '--reason',
      reason,
    ]);
    expect(r.code, r.stderr).toBe(0);
    await signAndFinalize(event);
    const s = await status();
    expect(role(s, 'claimed').version).toBe(3);
    expect(s.claimed.projects).toBe(1);
    const rec = readTranscript(join(repo, 'transcript.jsonl')).findLast((x) => x.step === 'revoke')!;
    expect(rec.details).toMatchObject({ project: 'pyyaml', keyid, reason });
    const shown = await runCli(['transcript', 'show', '--repo', repo]);
    expect(shown.stdout).toContain(`developer key ${keyid} of project pyyaml revoked`);
    expect(shown.stdout).toContain(`reason: ${reason}`);
    expect(shown.stdout).toContain('revoke: REFUSED');

    // The last bundle, once exported.
    mkdirSync(join(a.dir, 'medium'));
    const exported = await runCli(['bundle', 'export', '--repo', repo, '--to', join(a.dir, 'medium'), '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await status()).last_export).toMatchObject({
      sequence: 1,
      manifest_sha256: JSON.parse(exported.stdout).manifest_sha256,
      bundle: JSON.parse(exported.stdout).bundle,
    });
  }, 180_000);
});

describe('status of a sharded claimed role', () => {
  it('counts the projects of every bin and names the earliest expiry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-sharded-'));
    try {
      const now = new Date();
      const f = await makeRepository(join(dir, 'repo'), now, 4);
      const names = Array.from({ length: 40 }, (_, i) => `project-${i}`);
      for (const [i, p] of names.entries())
        await writeRequest(join(dir, 'requests'), `${p}.json`, { project: p, signers: [dev[i % 2]!] }, now);
      const intake = runIntake({
        store: f.repo,
        settings: claimedSettingsFromPlan(f.repo.plan()),
        requestsDir: join(dir, 'requests'),
        allowRekey: false,
        now,
      });
      await signAndStore(f, intake.proposal);
      // The fixture writes its metadata without the commands; the transcript starts here.
      const deviation = {
        holder: 'alice',
        purpose: 'root',
        keyid: f.rootSigners[0]!.key.keyid,
        serial: '0f3c',
        module: 'hsm-x',
        library: '/usr/lib/hsm-x.so',
        accepted: ['CKA_LOCAL=false'],
      };
      appendTranscript(f.dir, {
        step: 'init',
        inputs: {},
        outputs: {},
        details: { repository: 'example-index', accepted_deviations: [deviation] },
      });
      const r = await runCli(['status', '--repo', f.dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.accepted_deviations).toEqual([deviation]);
      const bins = [...f.repo.current<Targets>('claimed').signed.delegations!.roleNames()];
      const count = bins.length;
      expect(s.claimed).toMatchObject({
        layout: 'sharded',
        projects: 40,
        bins: { count, versions: { min: 1, max: 1 }, expired: 0 },
      });
      expect(count).toBeGreaterThan(8);
      // Every bin was made at once, so the first one listed expires earliest.
      const first = bins[0]!;
      expect(s.claimed.bins).toMatchObject({ first, last: bins.at(-1), earliest: { role: first } });
      expect(s.claimed.bins.earliest.expires).toBe(role(s, 'claimed').expires);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
