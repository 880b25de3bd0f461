/** Declarations of the plan commands (docs/formats/plan.md). */
import { declare } from '../../declaration.js';
import { JSON_OUTPUT } from '../../options.js';

export const check = declare({
  name: ['plan', 'check'],
  summary: 'check a ceremony plan and its key files (guard rails, field paths); touches no token',
  options: { json: JSON_OUTPUT },
  positionals: [{ name: 'plan.json', count: 'one' }],
});
