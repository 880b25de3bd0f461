/**
 * The guided run (src/ceremony/lifecycle/ceremony-run.ts, docs/formats/runbook.md) with the people
 * and the commands played by the test: the order of steps, who may confirm, the state kept after
 * every change, resuming at the first step that did not finish, skipping and abandoning with a
 * reason, and a run that starts before its repository exists. The runbook format's errors name the
 * file and the field. The real terminal and real commands are in ceremony-run-terminal.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  abandonRun,
  CeremonyRun,
  readRunState,
  RUN_FILE,
  RUNS_DIR,
  type RunHooks,
} from '../../../src/ceremony/lifecycle/ceremony-run.js';
import { loadRunbook, type Runbook } from '../../../src/ceremony/lifecycle/runbook.js';
import { Repository } from '../../../src/ceremony/state/repository.js';
import { readTranscript } from '../../../src/ceremony/state/transcript.js';
import { planJson } from '../../requests/fixtures.js';

const PLAN = {
  ...planJson(),
  attendees: [
    { name: 'Dana Park', parts: ['ceremony-administrator'] },
    { name: 'Sam Lee', parts: ['witness'] },
  ],
};

const RUNBOOK = {
  runbook_format: 1,
  name: 'test-run',
  title: 'A run of four steps',
  parameters: { event: { help: 'the event folder' }, who: { help: 'who signs', default: 'alice' } },
  steps: [
    { id: 'one', title: 'First', say: 'Read this aloud for {who}.', run: ['status', '--repo', '{repo}'] },
    { id: 'two', title: 'Second', run: ['expiry', '--repo', '{repo}', '--at', '{at}'], ok_exit_codes: [0, 10] },
    { id: 'three', title: 'Sign: {who}', run: ['event', 'sign', '{event}', '--holder', '{who}'] },
    { id: 'four', title: 'Last', run: ['transcript', 'verify', '--repo', '{repo}'] },
  ],
};

let dir: string;
let repo: string;
let runbookPath: string;

function writeRunbook(json: unknown, name = 'runbook.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json, null, 2));
  return path;
}

/** The room as a script: names typed in turn, exit codes per command, everything said kept. */
function room(names: string[], codes: Record<string, number> = {}) {
  const said: string[] = [];
  const ran: string[][] = [];
  const hooks: RunHooks = {
    say: (t) => said.push(t),
    ask: async (q) => {
      said.push(`? ${q}`);
      const name = names.shift();
      if (name === undefined) {
        const e = new Error('User force closed the prompt');
        e.name = 'ExitPromptError';
        throw e;
      }
      return name;
    },
    execute: async (argv) => {
      ran.push(argv);
      return codes[argv.slice(0, 2).join(' ')] ?? 0;
    },
  };
  return { hooks, said, ran };
}

const people = (n: number) => Array.from({ length: n }, () => ['Dana Park', 'Sam Lee']).flat();
const runRecords = () => readTranscript(join(repo, 'transcript.jsonl')).filter((r) => r.step.startsWith('ceremony-'));
const open = (rb: Runbook, hooks: RunHooks, extra: Partial<Parameters<typeof CeremonyRun.open>[0]> = {}) =>
  CeremonyRun.open({ repoDir: repo, runbook: rb, given: { event: '/media/e' }, hooks, ...extra });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ceremony-run-'));
  repo = join(dir, 'repo');
  Repository.create(repo, Buffer.from(JSON.stringify(PLAN)));
  runbookPath = writeRunbook(RUNBOOK);
});

describe('a guided run', () => {
  it('announces, confirms and runs every step in order, records each, and archives its state', async () => {
    const r = room(people(4));
    const { run, resumed } = open(loadRunbook(runbookPath), r.hooks, { at: new Date('2026-05-01T09:00:00Z') });
    const result = await run.run(resumed);
    expect(result.exitCode).toBe(0);
    expect(r.ran).toEqual([
      ['status', '--repo', repo],
      ['expiry', '--repo', repo, '--at', '2026-05-01T09:00:00Z'],
      ['event', 'sign', '/media/e', '--holder', 'alice'],
      ['transcript', 'verify', '--repo', repo],
    ]);
    expect(r.said.join('\n')).toContain(
      '== Step 1 of 4: First\n   Read this aloud for alice.\n   command: tuf-ceremony status --repo',
    );
    expect(r.said.join('\n')).toContain('== Step 3 of 4: Sign: alice');
    expect(existsSync(join(repo, RUN_FILE))).toBe(false);
    expect(readdirSync(join(repo, RUNS_DIR))).toEqual([expect.stringMatching(/-test-run\.json$/)]);
    const records = runRecords();
    expect(records.map((x) => x.step)).toEqual([
      'ceremony-run-start',
      'ceremony-step',
      'ceremony-step',
      'ceremony-step',
      'ceremony-step',
      'ceremony-run-end',
    ]);
    expect(records[0]!.inputs).toEqual({ 'runbook runbook.json': loadRunbook(runbookPath).sha256 });
    expect(records[3]).toMatchObject({
      operator: 'Dana Park',
      details: {
        title: 'Sign: alice',
        number: 3,
        of: 4,
        command: ['event', 'sign', '/media/e', '--holder', 'alice'],
        exit_code: 0,
        confirmed_by: { ceremony_administrator: 'Dana Park', witness: 'Sam Lee' },
      },
    });
  });

  it('asks again for a name the plan does not give that part, and refuses after three', async () => {
    const r = room(['Mallory', 'Dana Park', 'Dana Park', 'Sam Lee', ...people(3)]);
    const { run, resumed } = open(loadRunbook(runbookPath), r.hooks);
    expect((await run.run(resumed)).exitCode).toBe(0);
    expect(r.said).toContain('  "Mallory" is not a ceremony administrator the plan names (Dana Park).');
    // The ceremony administrator cannot also be the witness.
    expect(r.said).toContain('  "Dana Park" is not a witness the plan names (Sam Lee).');
    const refused = room(['Eve', 'Eve', 'Eve']);
    const again = open(loadRunbook(runbookPath), refused.hooks);
    await expect(again.run.run(again.resumed)).rejects.toThrow(
      /nobody confirmed as ceremony administrator after 3 tries/,
    );
    expect(refused.ran).toEqual([]);
    expect(runRecords().at(-1)).toMatchObject({
      step: 'ceremony-step',
      details: { number: 1, outcome: 'refused', error: { code: 'E_CONFIRMATION' } },
    });
  });

  it('stops at a failed step and, run again, resumes at that step with the values it started with', async () => {
    const first = room(people(3), { 'event sign': 4 });
    const one = open(loadRunbook(runbookPath), first.hooks);
    const stopped = await one.run.run(one.resumed);
    expect(stopped).toMatchObject({ exitCode: 4, stopped: { id: 'three', status: 'failed' } });
    expect(first.ran.map((a) => a[0])).toEqual(['status', 'expiry', 'event']);
    expect(readRunState(repo)!.steps.map((s) => s.status)).toEqual(['done', 'done', 'failed', 'pending']);
    expect(runRecords().at(-1)).toMatchObject({
      details: { number: 3, outcome: 'failed', exit_code: 4, error: { code: 'E_STEP_FAILED' } },
    });

    // Another value for a parameter, or another runbook, while the run is unfinished: refused.
    expect(() => open(loadRunbook(runbookPath), room([]).hooks, { given: { event: '/media/other' } })).toThrow(
      /--set event=\/media\/other: the run being resumed was started with event=\/media\/e/,
    );
    const other = writeRunbook({ ...RUNBOOK, title: 'Another' }, 'other.json');
    expect(() => open(loadRunbook(other), room([]).hooks)).toThrow(
      /the run of runbook "test-run" .* has not finished \(at step 3\)/,
    );

    const second = room(people(2));
    const two = open(loadRunbook(runbookPath), second.hooks);
    expect(two.resumed).toBe(true);
    const done = await two.run.run(two.resumed);
    expect(done).toMatchObject({ exitCode: 0, startedAt: 3, resumed: true });
    expect(second.ran.map((a) => a[0])).toEqual(['event', 'transcript']);
    expect(second.said[0]).toMatch(
      /^Resuming runbook "A run of four steps" .* at step 3 of 4, which ended failed last time: it runs again\.$/,
    );
    expect(runRecords().map((x) => [x.step, x.details?.['number']])).toEqual([
      ['ceremony-run-start', undefined],
      ['ceremony-step', 1],
      ['ceremony-step', 2],
      ['ceremony-step', 3],
      ['ceremony-run-resume', 3],
      ['ceremony-step', 3],
      ['ceremony-step', 4],
      ['ceremony-run-end', undefined],
    ]);
  });

  it('runs again a step cut off while running (a power cut), saying so', async () => {
    const first = room(people(1));
    const one = open(loadRunbook(runbookPath), first.hooks);
    await one.run.run(one.resumed);
    // The state as a power cut during step 2 leaves it.
    const path = join(repo, RUN_FILE);
    const state = JSON.parse(readFileSync(path, 'utf8'));
    state.steps[1] = { id: 'two', status: 'running', started: '2026-05-01T09:10:00Z' };
    writeFileSync(path, JSON.stringify(state));
    const second = room(people(3));
    const two = open(loadRunbook(runbookPath), second.hooks);
    expect((await two.run.run(two.resumed)).exitCode).toBe(0);
    expect(second.said[0]).toMatch(/at step 2 of 4, which did not finish last time: it runs again/);
    expect(second.ran.map((a) => a[0])).toEqual(['expiry', 'event', 'transcript']);
  });

  it('records a step skipped with its reason, only the one the run resumes at', async () => {
    const first = room(people(2), { 'event sign': 5 });
    const one = open(loadRunbook(runbookPath), first.hooks);
    await one.run.run(one.resumed);
    const wrong = open(loadRunbook(runbookPath), room([]).hooks, { skip: { id: 'four', reason: 'x' } });
    await expect(wrong.run.run(wrong.resumed)).rejects.toThrow(
      /--skip four: only the step the run resumes at can be skipped \(three\)/,
    );
    const r = room(people(2));
    const skip = open(loadRunbook(runbookPath), r.hooks, {
      skip: { id: 'three', reason: 'signed at the other machine' },
    });
    expect((await skip.run.run(skip.resumed)).exitCode).toBe(0);
    expect(r.ran.map((a) => a[0])).toEqual(['transcript']);
    expect(runRecords().find((x) => x.details?.['outcome'] === 'skipped')).toMatchObject({
      details: { number: 3, reason: 'signed at the other machine' },
    });
  });

  it('is abandoned with a reason, and a new run starts at step 1', async () => {
    const r = room(people(1));
    const one = open(loadRunbook(runbookPath), r.hooks);
    expect((await one.run.run(one.resumed)).exitCode).toBe(130);
    expect(() => abandonRun(repo, ' ')).toThrow(/--reason: say why/);
    abandonRun(repo, 'the token of alice is broken');
    expect(existsSync(join(repo, RUN_FILE))).toBe(false);
    expect(runRecords().at(-1)).toMatchObject({
      step: 'ceremony-run-end',
      details: { outcome: 'abandoned', reason: 'the token of alice is broken', number: 2 },
    });
    expect(() => abandonRun(repo, 'again')).toThrow(/has no unfinished ceremony run/);
    const fresh = open(loadRunbook(runbookPath), room(people(4)).hooks);
    expect(fresh.resumed).toBe(false);
  });

  it('keeps its state and records in memory until the repository exists, then writes them', async () => {
    const later = join(dir, 'new-repo');
    const r = room(people(4));
    r.hooks.execute = async (argv) => {
      r.ran.push(argv);
      // Step 2 makes the repository, as init does.
      if (argv[0] === 'expiry') Repository.create(later, Buffer.from(JSON.stringify(PLAN)));
      if (argv[0] === 'status') expect(existsSync(later)).toBe(false);
      return 0;
    };
    const { run, resumed } = CeremonyRun.open({
      repoDir: later,
      runbook: loadRunbook(runbookPath),
      given: { event: 'e' },
      hooks: r.hooks,
    });
    expect((await run.run(resumed)).exitCode).toBe(0);
    const records = readTranscript(join(later, 'transcript.jsonl'));
    expect(records.map((x) => [x.step, x.details?.['number']])).toEqual([
      ['ceremony-run-start', undefined],
      ['ceremony-step', 1],
      ['ceremony-step', 2],
      ['ceremony-step', 3],
      ['ceremony-step', 4],
      ['ceremony-run-end', undefined],
    ]);
  });
});

describe('the runbook format', () => {
  const refused = (change: (rb: any) => void) => {
    const rb = structuredClone(RUNBOOK) as any;
    change(rb);
    const path = writeRunbook(rb, 'bad.json');
    return () => loadRunbook(path);
  };

  it('names the file and the field of every problem', () => {
    expect(refused((rb) => (rb.stepz = []))).toThrow(/bad\.json: stepz: unknown field/);
    expect(refused((rb) => (rb.steps[1].run[1] = '{rep}'))).toThrow(
      /bad\.json: steps\[1\]\.run\[1\]: \{rep\} is not a parameter/,
    );
    expect(refused((rb) => (rb.steps[2].id = 'one'))).toThrow(
      /bad\.json: steps\[2\]\.id: "one" is the id of an earlier step/,
    );
    expect(refused((rb) => (rb.steps[0].say = 'a { b'))).toThrow(/steps\[0\]\.say\[0\]: "a \{ b" has a brace outside/);
    expect(refused((rb) => (rb.parameters.repo = { help: 'x' }))).toThrow(
      /parameters\.repo: \{repo\} is given by every run/,
    );
    expect(refused((rb) => (rb.steps[1].ok_exit_codes = [0, 'x']))).toThrow(
      /steps\[1\]\.ok_exit_codes\[1\]: expected an exit code/,
    );
    expect(refused((rb) => (rb.runbook_format = 2))).toThrow(/runbook_format: this tool reads runbook_format 1/);
    expect(refused((rb) => (rb.steps[3].run = ['ceremony', 'run', 'x']))).toThrow(
      /steps\[3\]\.run: a runbook step cannot run "ceremony"/,
    );
  });

  it('refuses a run without a value for every parameter, or with one it does not have', () => {
    const rb = loadRunbook(runbookPath);
    expect(() => CeremonyRun.open({ repoDir: repo, runbook: rb, given: {}, hooks: room([]).hooks })).toThrow(
      /runbook\.json needs --set <name>=<value> for: event \(the event folder\)/,
    );
    expect(() =>
      CeremonyRun.open({ repoDir: repo, runbook: rb, given: { event: 'e', evnet: 'e' }, hooks: room([]).hooks }),
    ).toThrow(/--set evnet: .* has no parameter "evnet" \(it has event, who\)/);
  });
});
