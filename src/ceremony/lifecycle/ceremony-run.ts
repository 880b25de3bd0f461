/**
 * A guided ceremony (`ceremony run`, docs/formats/runbook.md): the steps of a reviewed runbook
 * (runbook.ts), one at a time. Each step is announced, then the ceremony administrator and a
 * witness confirm it by typing their names (the IANA root KSK ceremonies have each step of the
 * printed script checked off by the participants), then it runs as the tool's own command. Its
 * times, who confirmed it and how it ended go into the transcript.
 *
 * The run's state is kept in `<repo>/ceremony-run.json`, replaced atomically after every change
 * (state/files.ts): after a failure, a Ctrl-C or a power cut the same command resumes at the first
 * step that did not finish. A finished run's state moves to `<repo>/ceremony-runs/`. Before the
 * repository exists (the bootstrap runbook, until `init` has run) the state and the records are
 * kept in memory and written once it does.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fsyncDir, replaceWorkingFiles, writeNewFile } from '../../bundle/index.js';
import { parseStrictJson, serializeJson } from '../../tuf/json/index.js';
import { FormatError, formatExpires, RefusedError, UsageError, withContext } from '../../tuf/base/index.js';
import { FieldReader } from '../../tuf/model/index.js';
import { readPlanFile, type CeremonyPlan } from '../state/plan.js';
import { METADATA_DIR, PLAN_FILE, Repository } from '../state/repository.js';
import { appendTranscript, PENDING_JOURNALS, type NewTranscriptRecord } from '../state/transcript.js';
import { fillPlaceholders, parameterValues, type Runbook, type RunbookStep } from './runbook.js';

export const RUN_FILE = 'ceremony-run.json';
export const RUNS_DIR = 'ceremony-runs';
const FORMAT = 'tuf-ceremony-run';

/** Exit code of a step interrupted by Ctrl-C: 128 + SIGINT, as a shell reports it. */
export const INTERRUPTED = 130;

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'interrupted' | 'skipped';

export interface StepState {
  id: string;
  status: StepStatus;
  started?: string;
  finished?: string;
  exitCode?: number;
  administrator?: string;
  witness?: string;
  /** Why a step was skipped. */
  reason?: string;
}

export interface RunState {
  runbook: { name: string; path: string; sha256: string };
  parameters: Record<string, string>;
  started: string;
  steps: StepState[];
  finished?: string;
}

/** Who may confirm a step, from the plan's attendees; empty lists mean the plan names nobody. */
export interface RunPeople {
  administrators: string[];
  witnesses: string[];
}

export interface RunHooks {
  /** Tell the room (the announcements, on stderr). */
  say(text: string): void;
  /** A line typed at the terminal; an ExitPromptError when the person presses Ctrl-C. */
  ask(question: string): Promise<string>;
  /** Run `tuf-ceremony <argv>`; its exit code (130 when interrupted). */
  execute(argv: string[]): Promise<number>;
}

export interface CeremonyRunOptions {
  repoDir: string;
  runbook: Runbook;
  /** `--set name=value`. */
  given: Record<string, string>;
  /** `--at`: the run's `{at}` (default: now, when the run starts). */
  at?: Date;
  /** `--skip <step> --reason <text>`: the step where the run resumes is recorded as skipped. */
  skip?: { id: string; reason: string };
  hooks: RunHooks;
  now?: () => Date;
}

export interface CeremonyRunResult {
  state: RunState;
  /** The step (1-based) the run started or resumed at. */
  startedAt: number;
  resumed: boolean;
  /** 0 when every step is done; else the exit code of the step that stopped the run. */
  exitCode: number;
  /** The step that stopped the run, if one did. */
  stopped?: { id: string; status: StepStatus };
}

const isRepository = (dir: string): boolean => existsSync(join(dir, PLAN_FILE)) && existsSync(join(dir, METADATA_DIR));

function stateJson(s: RunState): Record<string, unknown> {
  return {
    format: FORMAT,
    format_version: 1,
    runbook: s.runbook,
    parameters: s.parameters,
    started: s.started,
    ...(s.finished ? { finished: s.finished } : {}),
    steps: s.steps.map((t) => ({
      id: t.id,
      status: t.status,
      ...(t.started ? { started: t.started } : {}),
      ...(t.finished ? { finished: t.finished } : {}),
      ...(t.exitCode !== undefined ? { exit_code: t.exitCode } : {}),
      ...(t.administrator ? { ceremony_administrator: t.administrator } : {}),
      ...(t.witness ? { witness: t.witness } : {}),
      ...(t.reason ? { reason: t.reason } : {}),
    })),
  };
}

const STATUSES: StepStatus[] = ['pending', 'running', 'done', 'failed', 'interrupted', 'skipped'];

/** The unfinished run in a repository, if there is one. */
export function readRunState(repoDir: string): RunState | undefined {
  const path = join(repoDir, RUN_FILE);
  if (!existsSync(path)) return undefined;
  return withContext(path, () => {
    const r = FieldReader.of(parseStrictJson(readFileSync(path), path), '');
    if (r.string('format') !== FORMAT) throw new FormatError('format', `expected "${FORMAT}"`);
    if (r.integer('format_version', 1) !== 1) throw new FormatError('format_version', 'unsupported version');
    const rb = FieldReader.of(r.raw('runbook'), 'runbook');
    const pr = FieldReader.of(r.raw('parameters'), 'parameters');
    const parameters: Record<string, string> = {};
    for (const k of Object.keys(pr.obj)) parameters[k] = pr.string(k);
    const steps = r.array('steps').map((v, i): StepState => {
      const sr = FieldReader.of(v, `steps[${i}]`);
      const status = sr.string('status') as StepStatus;
      if (!STATUSES.includes(status)) throw new FormatError(sr.at('status'), `"${status}" is not a step status`);
      const t: StepState = { id: sr.string('id'), status };
      if (sr.has('started')) t.started = sr.string('started');
      if (sr.has('finished')) t.finished = sr.string('finished');
      if (sr.has('exit_code')) t.exitCode = sr.integer('exit_code', 0);
      if (sr.has('ceremony_administrator')) t.administrator = sr.string('ceremony_administrator');
      if (sr.has('witness')) t.witness = sr.string('witness');
      if (sr.has('reason')) t.reason = sr.string('reason');
      return t;
    });
    return {
      runbook: { name: rb.string('name'), path: rb.string('path'), sha256: rb.string('sha256') },
      parameters,
      started: r.string('started'),
      steps,
      ...(r.has('finished') ? { finished: r.string('finished') } : {}),
    };
  });
}

/**
 * A step cut off while it made an event or finalized one leaves a journal whose record must be the
 * next in the transcript: opening the repository finishes or undoes it (event-journal.ts,
 * finalize-journal.ts) before the run appends its own records.
 */
function finishInterrupted(repoDir: string, note?: (line: string) => void): void {
  if (PENDING_JOURNALS.some((j) => existsSync(join(repoDir, j)))) Repository.open(repoDir, note);
}

/** The people the plan names for the two confirmations (docs/formats/plan.md, "attendees"). */
export function runPeople(plan: CeremonyPlan | undefined): RunPeople {
  const named = (part: string) =>
    (plan?.attendees ?? []).filter((a) => (a.parts as string[]).includes(part)).map((a) => a.name);
  return { administrators: named('ceremony-administrator'), witnesses: named('witness') };
}

function planOf(repoDir: string, values: Record<string, string>): CeremonyPlan | undefined {
  const path = isRepository(repoDir) ? join(repoDir, PLAN_FILE) : values['plan'];
  if (path === undefined || !existsSync(path)) return undefined;
  return readPlanFile(path).plan;
}

const lastTime = (status: StepStatus): string =>
  status === 'running' ? 'did not finish last time' : `ended ${status} last time`;

/** How many times a name may be typed wrong before the step is refused. */
const TRIES = 3;

async function askName(
  hooks: RunHooks,
  question: string,
  allowed: string[],
  part: string,
  not?: string,
): Promise<string> {
  for (let i = 0; i < TRIES; i++) {
    const name = (await hooks.ask(question)).trim();
    if (name === '') hooks.say('  A name is needed.');
    else if (allowed.length > 0 && !allowed.includes(name))
      hooks.say(`  "${name}" is not a ${part} the plan names (${allowed.join(', ')}).`);
    else if (name === not) hooks.say(`  The ${part} is someone other than ${not}.`);
    else return name;
  }
  throw new RefusedError(`nobody confirmed as ${part} after ${TRIES} tries; the step did not run`, 'E_CONFIRMATION');
}

export class CeremonyRun {
  private readonly pendingRecords: NewTranscriptRecord[] = [];
  private readonly now: () => Date;

  private constructor(
    private readonly o: CeremonyRunOptions,
    readonly state: RunState,
    private readonly people: RunPeople,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  /** The run to start, or the unfinished one to resume (refused when it is another runbook's). */
  static open(o: CeremonyRunOptions): { run: CeremonyRun; resumed: boolean } {
    const repoDir = resolve(o.repoDir);
    const existing = isRepository(repoDir) ? readRunState(repoDir) : undefined;
    const rb = o.runbook;
    if (existing) {
      const at = existing.steps.findIndex((s) => s.status !== 'done' && s.status !== 'skipped');
      if (existing.runbook.sha256 !== rb.sha256)
        throw new RefusedError(
          `${join(repoDir, RUN_FILE)}: the run of runbook "${existing.runbook.name}" (${existing.runbook.path}, ` +
            `started ${existing.started}) has not finished (at step ${at + 1}); resume it with that runbook, ` +
            'unchanged, or end it with --abandon --reason <text>',
          'E_RUN_IN_PROGRESS',
        );
      for (const [k, v] of Object.entries(o.given))
        if (existing.parameters[k] !== v)
          throw new UsageError(
            `--set ${k}=${v}: the run being resumed was started with ${k}=${existing.parameters[k] ?? '(not set)'}; a resumed run keeps its values`,
          );
      // The repository is the one the state is in, wherever it is mounted now.
      existing.parameters['repo'] = repoDir;
      return {
        run: new CeremonyRun({ ...o, repoDir }, existing, runPeople(planOf(repoDir, existing.parameters))),
        resumed: true,
      };
    }
    const now = (o.now ?? (() => new Date()))();
    const at = formatExpires(o.at ?? now);
    const parameters = parameterValues(rb, o.given, { repo: repoDir, at, stamp: at.replace(/[-:]/g, '') });
    const state: RunState = {
      runbook: { name: rb.name, path: resolve(rb.path), sha256: rb.sha256 },
      parameters,
      started: formatExpires(now),
      steps: rb.steps.map((s) => ({ id: s.id, status: 'pending' })),
    };
    return { run: new CeremonyRun({ ...o, repoDir }, state, runPeople(planOf(repoDir, parameters))), resumed: false };
  }

  private get repoDir(): string {
    return this.o.repoDir;
  }

  /** Write the state and any records kept while the repository did not exist yet. */
  private save(): void {
    if (!isRepository(this.repoDir)) return;
    replaceWorkingFiles([[join(this.repoDir, RUN_FILE), serializeJson(stateJson(this.state))]]);
    if (this.pendingRecords.length === 0) return;
    finishInterrupted(this.repoDir, (line) => this.o.hooks.say(line));
    for (const r of this.pendingRecords.splice(0)) appendTranscript(this.repoDir, r);
  }

  private record(r: Omit<NewTranscriptRecord, 'inputs' | 'outputs'> & Partial<NewTranscriptRecord>): void {
    this.pendingRecords.push({ inputs: {}, outputs: {}, time: formatExpires(this.now()), ...r });
    this.save();
  }

  private archive(): void {
    if (isRepository(this.repoDir) && existsSync(join(this.repoDir, RUN_FILE))) archiveState(this.repoDir, this.state);
  }

  private stepRecord(i: number, extra: Record<string, unknown>, operator?: string): void {
    const step = this.o.runbook.steps[i]!;
    const st = this.state.steps[i]!;
    this.record({
      step: 'ceremony-step',
      ...(operator ? { operator } : {}),
      details: {
        runbook: this.state.runbook.name,
        number: i + 1,
        of: this.state.steps.length,
        title: fillPlaceholders(step.title, this.state.parameters),
        command: this.command(step),
        ...(st.started ? { started: st.started } : {}),
        ...(st.finished ? { finished: st.finished } : {}),
        ...(st.exitCode !== undefined ? { exit_code: st.exitCode } : {}),
        ...(st.administrator && st.witness
          ? { confirmed_by: { ceremony_administrator: st.administrator, witness: st.witness } }
          : {}),
        ...extra,
      },
    });
  }

  command(step: RunbookStep): string[] {
    return step.run.map((a) => fillPlaceholders(a, this.state.parameters));
  }

  /** The first step that did not finish (0-based); the number of steps when all did. */
  firstUnfinished(): number {
    const i = this.state.steps.findIndex((s) => s.status !== 'done' && s.status !== 'skipped');
    return i < 0 ? this.state.steps.length : i;
  }

  private async confirmStep(i: number, what: string): Promise<{ administrator: string; witness: string }> {
    const p = this.people;
    const administrator = await askName(
      this.o.hooks,
      `Ceremony administrator, type your name to ${what} step ${i + 1}:`,
      p.administrators,
      'ceremony administrator',
    );
    const witness = await askName(
      this.o.hooks,
      `Witness, type your name to confirm step ${i + 1} as announced:`,
      p.witnesses,
      'witness',
      administrator,
    );
    return { administrator, witness };
  }

  private announce(i: number): void {
    const step = this.o.runbook.steps[i]!;
    const title = fillPlaceholders(step.title, this.state.parameters);
    const lines = ['', `== Step ${i + 1} of ${this.state.steps.length}: ${title}`];
    for (const l of step.say) lines.push(`   ${fillPlaceholders(l, this.state.parameters)}`);
    lines.push(`   command: tuf-ceremony ${this.command(step).join(' ')}`);
    this.o.hooks.say(lines.join('\n'));
  }

  /** Run from the first unfinished step to the end, or until a step fails or is interrupted. */
  async run(resumed: boolean): Promise<CeremonyRunResult> {
    const { runbook, hooks } = this.o;
    const first = this.firstUnfinished();
    const result = (exitCode: number, stopped?: CeremonyRunResult['stopped']): CeremonyRunResult => ({
      state: this.state,
      startedAt: first + 1,
      resumed,
      exitCode,
      ...(stopped ? { stopped } : {}),
    });
    if (this.o.skip && this.o.skip.id !== runbook.steps[first]?.id)
      throw new UsageError(
        `--skip ${this.o.skip.id}: only the step the run resumes at can be skipped (${runbook.steps[first]?.id ?? 'none: every step is done'})`,
      );
    if (resumed) {
      const was = this.state.steps[first];
      hooks.say(
        `Resuming runbook "${runbook.title}" (started ${this.state.started}) at step ${first + 1} of ` +
          `${this.state.steps.length}${was && was.status !== 'pending' ? `, which ${lastTime(was.status)}: it runs again` : ''}.`,
      );
      this.record({
        step: 'ceremony-run-resume',
        details: { runbook: runbook.name, title: runbook.title, number: first + 1, of: this.state.steps.length },
      });
    } else {
      hooks.say(
        `Runbook "${runbook.title}" (${runbook.path}, SHA-256 ${runbook.sha256}): ${runbook.steps.length} steps.`,
      );
      this.record({
        step: 'ceremony-run-start',
        inputs: { [`runbook ${basename(runbook.path)}`]: runbook.sha256 },
        details: {
          runbook: runbook.name,
          title: runbook.title,
          of: runbook.steps.length,
          parameters: this.state.parameters,
        },
      });
    }
    for (let i = first; i < runbook.steps.length; i++) {
      const step = runbook.steps[i]!;
      const st = this.state.steps[i]!;
      this.announce(i);
      const skipping = i === first && this.o.skip !== undefined;
      let who: { administrator: string; witness: string };
      try {
        who = await this.confirmStep(i, skipping ? 'SKIP' : 'run');
      } catch (e) {
        const interrupted = (e as Error)?.name === 'ExitPromptError';
        this.stepRecord(i, {
          outcome: interrupted ? 'interrupted' : 'refused',
          error: interrupted
            ? { code: 'E_INTERRUPTED', message: 'interrupted at the confirmation, before the step ran' }
            : { code: 'E_CONFIRMATION', message: (e as Error).message },
        });
        if (interrupted) return result(INTERRUPTED, { id: step.id, status: st.status });
        throw e;
      }
      st.administrator = who.administrator;
      st.witness = who.witness;
      if (skipping) {
        st.status = 'skipped';
        st.reason = this.o.skip!.reason;
        st.finished = formatExpires(this.now());
        this.stepRecord(i, { outcome: 'skipped', reason: st.reason }, who.administrator);
        hooks.say(`   step ${i + 1} SKIPPED: ${st.reason}`);
        continue;
      }
      st.status = 'running';
      st.started = formatExpires(this.now());
      delete st.finished;
      delete st.exitCode;
      this.save();
      const code = await hooks.execute(this.command(step));
      st.finished = formatExpires(this.now());
      st.exitCode = code;
      st.status = step.okExitCodes.includes(code) ? 'done' : code === INTERRUPTED ? 'interrupted' : 'failed';
      if (st.status === 'done') {
        this.stepRecord(i, {}, who.administrator);
        hooks.say(`   step ${i + 1} done (exit code ${code}) at ${st.finished}`);
        continue;
      }
      this.stepRecord(
        i,
        {
          outcome: st.status,
          error: {
            code: st.status === 'interrupted' ? 'E_INTERRUPTED' : 'E_STEP_FAILED',
            message: `tuf-ceremony ${step.run[0]}${step.run.length > 1 && !step.run[1]!.startsWith('-') ? ` ${step.run[1]}` : ''} exited with ${code}`,
          },
        },
        who.administrator,
      );
      hooks.say(
        `   step ${i + 1} ${st.status.toUpperCase()} (exit code ${code}). Nothing after it ran. Run the same command again to resume at this step.`,
      );
      return result(code === 0 ? 1 : code, { id: step.id, status: st.status });
    }
    // Every step done: a run cut after its last step and before this end is ended here.
    this.state.finished ??= formatExpires(this.now());
    this.record({
      step: 'ceremony-run-end',
      details: {
        runbook: runbook.name,
        title: runbook.title,
        of: runbook.steps.length,
        skipped: this.state.steps.filter((s) => s.status === 'skipped').map((s) => s.id),
      },
    });
    this.archive();
    hooks.say(`Runbook "${runbook.title}": every step done.`);
    return result(0);
  }
}

/**
 * End the unfinished run of a repository without running its other steps (`--abandon`), whatever
 * its runbook: recorded with the reason and the step it stopped at, and its state archived.
 */
export function abandonRun(repoDir: string, reason: string, now = new Date()): RunState {
  const dir = resolve(repoDir);
  const state = isRepository(dir) ? readRunState(dir) : undefined;
  if (!state) throw new UsageError(`${repoDir} has no unfinished ceremony run to abandon`);
  if (reason.trim() === '') throw new UsageError('--reason: say why the run is abandoned');
  const at = state.steps.findIndex((s) => s.status !== 'done' && s.status !== 'skipped');
  state.finished = formatExpires(now);
  finishInterrupted(dir);
  appendTranscript(dir, {
    step: 'ceremony-run-end',
    time: state.finished,
    inputs: {},
    outputs: {},
    details: {
      runbook: state.runbook.name,
      outcome: 'abandoned',
      reason: reason.trim(),
      number: at + 1,
      of: state.steps.length,
    },
  });
  archiveState(dir, state);
  return state;
}

/** A finished run's state moves to ceremony-runs/ (never overwritten); the run file goes. */
function archiveState(repoDir: string, state: RunState): void {
  const dir = join(repoDir, RUNS_DIR);
  if (!existsSync(dir)) mkdirSync(dir);
  const stamp = state.started.replace(/[-:]/g, '');
  let name = `${stamp}-${state.runbook.name}.json`;
  for (let n = 2; readdirSync(dir).includes(name); n++) name = `${stamp}-${state.runbook.name}-${n}.json`;
  writeNewFile(join(dir, name), serializeJson(stateJson(state)));
  unlinkSync(join(repoDir, RUN_FILE));
  fsyncDir(repoDir);
}
