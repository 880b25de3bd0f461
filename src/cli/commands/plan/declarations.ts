/** Declarations of the plan commands (docs/formats/plan.md). */
import { declare } from '../../declaration.js';
import { JSON_OUTPUT } from '../../options.js';

export const check = declare({
  name: ['plan', 'check'],
  summary: 'check a ceremony plan and its key files (guard rails, field paths); touches no token',
  options: {
    projects: {
      type: 'string',
      value: 'N',
      help: 'the number of projects the claimed role is expected to delegate: sizes the layout and recommends a bin bit length',
    },
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'plan.json', count: 'one' }],
});
