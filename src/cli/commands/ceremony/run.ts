/** `tuf-ceremony ceremony run`: a reviewed runbook, step by step, at a terminal. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  abandonRun,
  CeremonyRun,
  loadRunbook,
  type Runbook,
  type RunState,
} from '../../../ceremony/lifecycle/index.js';
import { installRoot } from '../../../ceremony/state/index.js';
import { escapeLines, UsageError } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { atOption, roleAssignment } from '../../options.js';
import { terminalPrompter } from '../../prompter.js';
import { runTool } from '../../tool-process.js';
import type { run as declaration } from './declarations.js';

/** A path, or the name of a runbook shipped in ceremony-scripts/runbooks/. */
function runbookPath(arg: string): string {
  if (arg.includes('/') || arg.endsWith('.json')) return arg;
  const shipped = join(installRoot(), 'ceremony-scripts', 'runbooks', `${arg}.json`);
  if (!existsSync(shipped))
    throw new UsageError(`no runbook ${arg}: give the path of a runbook file (or a shipped name)`);
  return shipped;
}

function stateJson(s: RunState, runbook: Runbook) {
  return s.steps.map((t, i) => ({
    id: t.id,
    title: runbook.steps[i]?.title ?? null,
    status: t.status,
    started: t.started ?? null,
    finished: t.finished ?? null,
    exit_code: t.exitCode ?? null,
    ceremony_administrator: t.administrator ?? null,
    witness: t.witness ?? null,
    reason: t.reason ?? null,
  }));
}

export const run: Run<typeof declaration> = async ({ values, positionals }, io) => {
  if (values.abandon) {
    if (values.reason === undefined) throw new UsageError('--abandon needs --reason <why>');
    const state = abandonRun(values.repo, values.reason);
    if (values.json) printJson(io, { ok: true, abandoned: state.runbook.name, started: state.started });
    else out(io, `The run of runbook "${state.runbook.name}" (started ${state.started}) was abandoned and recorded.`);
    return 0;
  }
  const runbook = loadRunbook(runbookPath(positionals[0]!));
  if (values.skip !== undefined && values.reason === undefined) throw new UsageError('--skip needs --reason <why>');
  const given: Record<string, string> = {};
  for (const spec of values.set ?? []) {
    const [name, value] = roleAssignment(spec, '--set');
    given[name] = value;
  }
  // Opening checks the parameters and any unfinished run; nobody is asked anything yet.
  const { run: ceremony, resumed } = CeremonyRun.open({
    repoDir: values.repo,
    runbook,
    given,
    ...(values.at === undefined ? {} : { at: atOption(values.at) }),
    ...(values.skip === undefined ? {} : { skip: { id: values.skip, reason: values.reason! } }),
    hooks: {
      // Step titles and parameters come from files: escaped (src/tuf/model/display-text.ts).
      say: (text) => err(io, escapeLines(text.split('\n'))),
      ask: (question) => terminalPrompter(io).ask(question),
      execute: (argv) => runTool(argv, io, { terminal: true, stdoutToStderr: values.json === true }),
    },
  });
  if (!io.interactive)
    throw new UsageError(
      'ceremony run needs the ceremony administrator and a witness at a terminal, to confirm each step',
    );
  const result = await ceremony.run(resumed);
  if (values.json) {
    const stopped = result.stopped;
    printJson(io, {
      ...outcome(
        result.exitCode,
        stopped?.status === 'interrupted' || result.exitCode === 130 ? 'E_INTERRUPTED' : 'E_STEP_FAILED',
        stopped ? `step ${stopped.id} ${stopped.status} (exit code ${result.exitCode})` : '',
      ),
      runbook: { name: runbook.name, path: runbook.path, sha256: runbook.sha256 },
      repo: result.state.parameters['repo'],
      resumed: result.resumed,
      started_at_step: result.startedAt,
      stopped: stopped ?? null,
      steps: stateJson(result.state, runbook),
    });
  }
  return result.exitCode;
};
