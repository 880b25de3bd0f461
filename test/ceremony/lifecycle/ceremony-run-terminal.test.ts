/**
 * `ceremony run` at a real pseudo-terminal with SoftHSM tokens (docs/formats/runbook.md): the
 * shipped claim runbook announced step by step, each step confirmed by the ceremony administrator
 * and a witness the plan names, an admin's signing interrupted with Ctrl-C in the middle of the
 * run, and the same command resuming at that step and running to the end.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { readRunState, RUN_FILE, RUNS_DIR } from '../../../src/ceremony/lifecycle/ceremony-run.js';
import { readTranscript } from '../../../src/ceremony/state/transcript.js';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { runCli } from '../../helpers/cli.js';
import { initRepository, onlineBundle, signAndFinalize } from '../../helpers/ceremony-steps.js';
import { builtCli, plain, PtyRun, removeBuiltCli } from '../../helpers/pty.js';
import { Room } from '../../helpers/room.js';
import { writeRequest } from '../../requests/fixtures.js';
import { makeAdmins, type Admins } from '../../helpers/softhsm-admins.js';

const ATTENDEES = [
  { name: 'Dana Park', parts: ['ceremony-administrator'] },
  { name: 'Sam Lee', parts: ['witness', 'scribe'] },
];

let a: Admins;
let repo: string;
let event: string;
let args: string[];

beforeAll(async () => {
  builtCli();
  a = makeAdmins('pty-run', { editPlan: (plan) => (plan['attendees'] = ATTENDEES) });
  repo = join(a.dir, 'repo');
  await signAndFinalize(repo, await initRepository(a.planPath, a.profilePath, repo), a.profilePath);
  const developer = Ed25519Signer.generate();
  await writeRequest(join(a.dir, 'requests'), 'pyyaml.json', { project: 'PyYAML', signers: [developer] }, new Date());
  // The online service registered the project at upload with the same key.
  const online = await onlineBundle({
    repo,
    dir: a.dir,
    signer: a.online['recently-claimed'],
    projects: [{ name: 'pyyaml', keys: [developer.key] }],
  });
  mkdirSync(join(a.dir, 'medium'));
  event = join(a.dir, 'claim-event');
  args = [
    'ceremony',
    'run',
    'claim',
    '--repo',
    repo,
    '--set',
    `online_bundle=${online}`,
    '--set',
    `requests=${join(a.dir, 'requests')}`,
    '--set',
    `event=${event}`,
    '--set',
    `profile=${a.profilePath}`,
    '--set',
    'signer1=admin-a',
    '--set',
    'signer2=admin-c',
    '--set',
    `medium=${join(a.dir, 'medium')}`,
  ];
}, 180_000);
afterAll(() => removeBuiltCli());

const steps = () => readTranscript(join(repo, 'transcript.jsonl')).filter((r) => r.step.startsWith('ceremony-'));

describe('ceremony run at a terminal', () => {
  it('runs the claim runbook, stops at a Ctrl-C inside a step, and resumes at that step', async () => {
    const people = {
      administrator: 'Dana Park',
      witness: 'Sam Lee',
      eventDigest: () => SigningEvent.load(event).digest,
    };
    const first = new PtyRun(args, { cwd: a.dir });
    const room = new Room(first, people);
    let wrongName = true;
    const stopped = await room.until(
      // Ctrl-C at the second admin's digest confirmation, inside step 7 (event sign).
      (q) => q === 'words' && room.answered.filter((x) => x.question === 'words').length === 1,
      (q) => {
        if (q !== 'administrator' || !wrongName) return undefined;
        wrongName = false;
        return 'Mallory';
      },
    );
    expect(stopped).toBe('stopped');
    first.interrupt();
    expect(await first.done()).toBe(130);
    const screen = plain(first.raw);
    expect(screen).toContain('"Mallory" is not a ceremony administrator the plan names (Dana Park)');
    expect(screen).toContain('== Step 7 of 12: Sign: admin-c');
    expect(screen).toContain(`command: tuf-ceremony event sign ${event} --profile ${a.profilePath} --holder admin-c`);
    expect(screen).toMatch(/step 7 INTERRUPTED \(exit code 130\)/);
    expect(screen).not.toMatch(/internal error| {4}at /);

    // The state on disk: steps 1 to 6 done, step 7 interrupted, nothing after it run.
    const state = readRunState(repo)!;
    expect(state.steps.map((s) => s.status)).toEqual([
      ...Array<string>(6).fill('done'),
      'interrupted',
      ...Array<string>(5).fill('pending'),
    ]);
    expect(state.steps[0]).toMatchObject({ administrator: 'Dana Park', witness: 'Sam Lee', exitCode: 0 });
    expect(SigningEvent.load(event).status().missingHolders).toContain('admin-c');
    expect(existsSync(join(repo, 'metadata', '2.claimed.json'))).toBe(false);
    const before = steps();
    expect(before.map((r) => [r.step, r.details?.['number'], r.details?.['outcome'] ?? 'done'])).toEqual([
      ['ceremony-run-start', undefined, 'done'],
      ...[1, 2, 3, 4, 5, 6].map((n) => ['ceremony-step', n, 'done']),
      ['ceremony-step', 7, 'interrupted'],
    ]);
    expect(before[1]).toMatchObject({
      operator: 'Dana Park',
      details: { confirmed_by: { ceremony_administrator: 'Dana Park', witness: 'Sam Lee' }, exit_code: 0 },
    });

    // The same command again: it resumes at step 7 and runs to the end.
    const second = new PtyRun(args, { cwd: a.dir });
    expect(await new Room(second, people).until()).toBe(0);
    const resumed = plain(second.raw);
    expect(resumed).toMatch(
      new RegExp(
        'Resuming runbook "Claim: developer requests into a new claimed version" \\(started .*\\) ' +
          'at step 7 of 12, which ended interrupted last time: it runs again',
      ),
    );
    expect(resumed).not.toContain('== Step 6 of 12');
    expect(resumed).toContain('== Step 12 of 12: Write the ceremony record to print and sign');
    expect(resumed).toContain('every step done');
    expect(existsSync(join(repo, 'metadata', '2.claimed.json'))).toBe(true);
    expect(existsSync(join(repo, RUN_FILE))).toBe(false);
    expect(readdirSync(join(repo, RUNS_DIR))).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z-claim\.json$/)]);
    const after = steps().slice(before.length);
    expect(after.map((r) => [r.step, r.details?.['number'], r.details?.['outcome'] ?? 'done'])).toEqual([
      ['ceremony-run-resume', 7, 'done'],
      ...[7, 8, 9, 10, 11, 12].map((n) => ['ceremony-step', n, 'done']),
      ['ceremony-run-end', undefined, 'done'],
    ]);
    // The record the last step wrote covers this run, and names the people of the plan.
    const record = readdirSync(repo).find((f) => /^ceremony-record-claim-.*\.html$/.test(f))!;
    const html = readFileSync(join(repo, record), 'utf8');
    expect(html).toContain('Dana Park');
    expect(html).toContain('ceremony administrator');
    expect(html).toContain('projects added (1): pyyaml');
  }, 600_000);

  it('refuses without a terminal, and names a parameter the runbook does not have', async () => {
    const noTerminal = await runCli(args);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toMatch(/needs the ceremony administrator and a witness at a terminal/);
    const typo = await runCli(['ceremony', 'run', 'claim', '--repo', repo, '--set', 'requests=x', '--set', 'nope=1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--set nope: .*claim\.json has no parameter "nope"/);
  });
});
