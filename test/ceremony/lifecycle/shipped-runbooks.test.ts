/**
 * The runbooks shipped in ceremony-scripts/runbooks/ (docs/formats/runbook.md): every step is a
 * command of this tool whose flags its declaration accepts, and the bootstrap runbook, walked from
 * an empty folder with the room scripted and each step run by the command line on SoftHSM tokens,
 * ends with a repository, its transcript holding every step of the run. (The claim runbook runs at
 * a pseudo-terminal in ceremony-run-terminal.test.ts; the re-sign runbook in the rehearsal.)
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from '../../../src/cli/args.js';
import { findCommand } from '../../../src/cli/registry.js';
import { CeremonyRun } from '../../../src/ceremony/lifecycle/ceremony-run.js';
import { fillPlaceholders, loadRunbook } from '../../../src/ceremony/lifecycle/runbook.js';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import { readTranscript } from '../../../src/ceremony/state/transcript.js';
import { runCli } from '../../helpers/cli.js';
import { makeAdmins, SCRIPTS, type Admins } from '../../helpers/softhsm-admins.js';

const RUNBOOKS = join(SCRIPTS, 'runbooks');
const shipped = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.json'));
let a: Admins | undefined;
afterAll(() => a && rmSync(a.dir, { recursive: true, force: true }));

describe('the shipped runbooks', () => {
  it('are the five the docs name', () => {
    expect(shipped.sort()).toEqual([
      'bootstrap.json',
      'claim.json',
      'resign.json',
      'revoke-developer-key.json',
      'rotate-root.json',
    ]);
  });

  it.each(shipped)('%s: every step is a command of the tool, with flags it accepts', (file) => {
    const runbook = loadRunbook(join(RUNBOOKS, file));
    const values = new Proxy<Record<string, string>>({}, { get: (_t, name) => `value-of-${String(name)}` });
    for (const step of runbook.steps) {
      const argv = step.run.map((arg) => fillPlaceholders(arg, values));
      const found = findCommand(argv);
      expect(found, `${file} ${step.id}: tuf-ceremony ${argv.join(' ')}`).toBeDefined();
      expect(() => parse(found!.rest, found!.command), `${file} ${step.id}`).not.toThrow();
    }
  });

  it('bootstrap: walked from an empty folder, with the records kept until the repository exists', async () => {
    a = makeAdmins('shipped-bootstrap');
    const repo = join(a.dir, 'repo');
    mkdirSync(join(a.dir, 'medium'));
    const ran: string[] = [];
    const { run, resumed } = CeremonyRun.open({
      repoDir: repo,
      runbook: loadRunbook(join(RUNBOOKS, 'bootstrap.json')),
      given: {
        plan: a.planPath,
        profile: a.profilePath,
        signer1: 'admin-a',
        signer2: 'admin-c',
        medium: join(a.dir, 'medium'),
      },
      hooks: {
        say: () => {},
        ask: (q) => Promise.resolve(q.startsWith('Witness') ? 'Sam Lee' : 'Dana Park'),
        execute: async (argv) => {
          ran.push(argv.slice(0, 2).join(' '));
          // The admin at the terminal confirms the digest; here it is passed as a script does.
          const confirm = argv[1] === 'sign' ? ['--confirm', SigningEvent.load(argv[2]!).digest] : [];
          const r = await runCli([...argv, ...confirm]);
          if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
          return r.code;
        },
      },
    });
    const result = await run.run(resumed);
    expect(result.exitCode).toBe(0);
    expect(ran).toEqual([
      'plan check',
      `init --plan`,
      'event show',
      'event sign',
      'event sign',
      'event status',
      'event finalize',
      'transcript verify',
      'bundle export',
      'transcript record',
    ]);
    const steps = readTranscript(join(repo, 'transcript.jsonl')).map((r) => r.step);
    // init writes its own records first; the run's, kept until then, follow with their times.
    expect(steps.slice(0, 4)).toEqual(['init', 'event-create', 'ceremony-run-start', 'ceremony-step']);
    expect(steps.filter((s) => s === 'ceremony-step')).toHaveLength(10);
    expect(steps.at(-1)).toBe('ceremony-run-end');
    expect(readdirSync(join(repo, 'metadata')).sort()).toEqual(['1.claimed.json', '1.root.json', '1.targets.json']);
    expect(readdirSync(repo).filter((f) => f.startsWith('ceremony-record-bootstrap-'))).toHaveLength(1);
  }, 300_000);
});
