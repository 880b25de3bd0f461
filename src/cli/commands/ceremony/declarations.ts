/** Declarations of the guided ceremony commands (docs/formats/runbook.md). */
import { declare } from '../../declaration.js';
import { AT, JSON_OUTPUT, REPO } from '../../options.js';

export const run = declare({
  name: ['ceremony', 'run'],
  summary: 'run a reviewed runbook step by step: announce, confirm, run, record; resume where it stopped',
  options: {
    repo: { ...REPO, required: true },
    set: {
      type: 'string',
      value: '<name>=<value>',
      multiple: true,
      help: "a parameter of the runbook (its `parameters`; a resumed run keeps the first run's values)",
    },
    at: { ...AT, help: 'the time the runbook gives its commands as {at} (default: when the run starts)' },
    skip: {
      type: 'string',
      value: '<step id>',
      help: 'record the step the run resumes at as skipped (done by hand, say) instead of running it; needs --reason',
    },
    abandon: {
      type: 'boolean',
      help: 'end the unfinished run of this repository without its other steps; needs --reason',
    },
    reason: { type: 'string', value: '<text>', help: 'why a step is skipped or a run abandoned (recorded)' },
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'runbook.json or shipped runbook name', count: 'one' }],
  details: `  Each step is announced with what to read aloud and its exact command; the ceremony
  administrator and a witness type their names to go on (the plan's attendees, when it names
  them); the step runs as \`tuf-ceremony <its command>\` at this terminal; its times, who confirmed
  it and how it ended go into the transcript. After a failure, a Ctrl-C or a power cut, the same
  command resumes at the first step that did not finish (state in <repo>/ceremony-run.json).
  Shipped runbooks (ceremony-scripts/runbooks/): bootstrap, claim, resign, rotate-root,
  revoke-developer-key. Exit 0 when every step is done, else the exit code of the step that
  stopped the run (130 for Ctrl-C).`,
});
