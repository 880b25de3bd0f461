/**
 * On SoftHSM tokens: a repository whose roles expire in 10 days is found by `expiry --within 30d`,
 * re-signed by a threshold of admins with `event sign`, finalized, and verifies 40 days later (here
 * and with @tufjs/models). Every step runs through the command line; time comes from --at only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tufjs from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, iso, type Bootstrapped } from './fixture.js';
import { holderTokens, type HolderTokens } from './tokens.js';

let t: HolderTokens;
let b: Bootstrapped;

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol']);
  b = await bootstrap(t.provider, { dir: t.fx.dir, period: '90d' });
});
afterAll(() => t?.fx.cleanup());

const tufjsMd = (path: string) => {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  return tufjs.Metadata.fromJSON(json.signed._type, json) as tufjs.Metadata<any>;
};

describe('expiry → resign → sign on tokens → finalize → verify later', () => {
  it('finds every role expiring within 30 days, with the holders who must sign, and exits 10', async () => {
    const r = await runCli(['expiry', '--repo', b.repoDir, '--within', '30d', '--at', iso(day(80))]);
    expect(r.code).toBe(10);
    expect(r.stdout).toMatch(/^root +1 +2030-04-01T00:00:00Z +10 +DUE +2 of alice, bob, carol$/m);
    expect(r.stdout).toMatch(/^targets +1 .* DUE +1 of alice, bob, carol$/m);
    expect(r.stdout).toMatch(/^claimed +1 .* DUE +2 of alice, bob, carol$/m);
    const quiet = await runCli(['expiry', '--repo', b.repoDir, '--within', '5d', '--at', iso(day(80)), '--json']);
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ ok: true, due: [], within: '5d' });
    const late = await runCli(['expiry', '--repo', b.repoDir, '--at', iso(day(91))]);
    expect(late.code).toBe(11);
    expect(late.stdout).toMatch(/EXPIRED: root, targets, claimed/);
  });

  it('re-signs root, targets and claimed with a threshold of tokens; the result verifies 40 days later', async () => {
    const eventDir = join(b.dir, 'resign-1');
    const made = await runCli([
      'resign',
      '--repo',
      b.repoDir,
      '--within',
      '30d',
      '--at',
      iso(day(80)),
      '--event',
      eventDir,
    ]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(
      /root: re-sign only, no content change \(v1 → v2, expires 2030-04-01T00:00:00Z → 2030-06-20T00:00:00Z\)/,
    );
    const digests = SigningEvent.load(eventDir)
      .roles()
      .map((r) => r.payloadSha256);
    const show = await runCli(['event', 'show', eventDir, '--repo', b.repoDir, '--no-qr']);
    expect(show.code).toBe(0);
    for (const role of ['root', 'targets', 'claimed']) {
      expect(show.stdout).toMatch(new RegExp(`${role}: re-sign only, no content change \\(v1 → v2`));
    }
    expect(show.stdout).toMatch(
      /everything but version and expires is identical: content SHA-256 [0-9a-f]{64} in both/,
    );

    // before: the repository as it stands fails at day 120 (the test can fail)
    const before = await runCli([
      'verify',
      '--root',
      join(b.repo.metadataDir, '1.root.json'),
      '--at',
      iso(day(120)),
      b.repo.metadataDir,
    ]);
    expect(before.code).toBe(3);

    const sign = (holder: string) =>
      runCli([
        'event',
        'sign',
        eventDir,
        '--profile',
        t.profilePath,
        '--holder',
        holder,
        '--confirm',
        digests.join(','),
        '--repo',
        b.repoDir,
        '--no-qr',
      ]);
    const finalize = () => runCli(['event', 'finalize', eventDir, '--repo', b.repoDir, '--at', iso(day(80))]);
    expect((await sign('alice')).code).toBe(0);
    const status = await runCli(['event', 'status', eventDir]);
    expect(status.code).toBe(6);
    expect(status.stdout).toMatch(/root v2 .*incomplete/);
    const early = await finalize();
    expect(early.code).toBe(5);
    expect(early.stderr).toMatch(/not every threshold is met/);
    expect((await sign('carol')).code).toBe(0);
    const done = await finalize();
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);

    const after = await runCli([
      'verify',
      '--root',
      join(b.repo.metadataDir, '1.root.json'),
      '--at',
      iso(day(120)),
      b.repo.metadataDir,
    ]);
    expect(after.stdout).toMatch(/OK: verified from trusted root v1 to root v2 at 2030-05-01T00:00:00Z/);
    expect(after.code).toBe(0);

    // the same with @tufjs/models: root chain 1 → 2, then targets and claimed, none expired at day 120
    const m = (n: string) => tufjsMd(join(b.repo.metadataDir, n));
    const root1 = m('1.root.json');
    const root2 = m('2.root.json');
    root1.verifyDelegate('root', root2);
    root2.verifyDelegate('root', root2);
    const targets2 = m('2.targets.json');
    root2.verifyDelegate('targets', targets2);
    targets2.verifyDelegate('claimed', m('2.claimed.json'));
    for (const md of [root2, targets2, m('2.claimed.json')]) expect(md.signed.isExpired(day(120))).toBe(false);
    expect(root1.signed.isExpired(day(120))).toBe(true);

    const report = await runCli(['expiry', '--repo', b.repoDir, '--within', '30d', '--at', iso(day(120))]);
    expect(report.code).toBe(0);

    // the transcript records the re-sign step, each signature, the finalize refused before the
    // threshold was met (docs/formats/transcript.md, "Refusals and failures") and the finalize
    const transcript = await runCli(['transcript', 'show', '--repo', b.repoDir, '--json']);
    const steps = (
      JSON.parse(transcript.stdout).records as Array<{ step: string; details?: { outcome?: string } }>
    ).map((r) => `${r.step}${r.details?.outcome ? ` ${r.details.outcome}` : ''}`);
    expect(steps.slice(-5)).toEqual(['resign', 'event-sign', 'event-finalize refused', 'event-sign', 'event-finalize']);
    expect((await runCli(['transcript', 'verify', '--repo', b.repoDir])).code).toBe(0);
  });
});
