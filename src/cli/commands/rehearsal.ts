/** `tuf-ceremony rehearsal`: the whole ceremony on fresh SoftHSM tokens, in a new folder. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRehearsal } from '../../ceremony/rehearsal.js';
import { UsageError } from '../../tuf/errors.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { TOOL_VERSION } from '../main.js';
import { logTo } from './ceremony-io.js';
import type { Command } from './index.js';
import { renderReport } from './verify.js';

const usage = `tuf-ceremony rehearsal --out <new folder> [--plan <plan.json>] [--profile <SoftHSM profile>] [--json]

  Makes three SoftHSM tokens and runs the bootstrap (2-of-3 root and claimed), developer requests,
  a claimed role signed at two "machines" and merged, a bundle export and its verification, all
  inside --out. Defaults: ceremony-scripts/rehearsal-plan.json and rehearsal-profile.json.`;

/** ceremony-scripts/<name>, found from this module in src/cli/commands or dist/src/cli/commands. */
function scriptFile(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'ceremony-scripts', name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new UsageError(`ceremony-scripts/${name} not found next to the installed tool; give it with --plan / --profile`);
    dir = up;
  }
}

export const rehearsalCommand: Command = {
  name: ['rehearsal'],
  summary: 'rehearse the whole ceremony on fresh SoftHSM tokens in a new folder, and verify the result',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { out: { type: 'string' }, plan: { type: 'string' }, profile: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const result = await runRehearsal({
      out: required(values.out, '--out', usage),
      planPath: values.plan ?? scriptFile('rehearsal-plan.json'),
      profilePath: values.profile ?? scriptFile('rehearsal-profile.json'),
      toolVersion: TOOL_VERSION,
      log: logTo(io),
    });
    if (values.json) printJson(io, result);
    else {
      const lines = ['', 'Rehearsal finished.', ...result.steps.map((s) => `  ${s.ok ? '✓' : '✗'} ${s.step}: ${s.detail.split('\n')[0]}`)];
      lines.push('', `Everything is in ${result.out}:`, `  repository state   ${result.repo}`, `  signing events     ${join(result.out, 'events')}`, `  bundle             ${result.bundle?.dir ?? '(none)'}`, `  transcript         ${join(result.repo, 'transcript.jsonl')}`);
      lines.push('', `verify from ${join(result.repo, 'metadata', '1.root.json')}:`, renderReport(result.verify));
      lines.push('', `Check it yourself: tuf-ceremony verify --root ${join(result.repo, 'metadata', '1.root.json')} ${join(result.repo, 'metadata')}`, `                   tuf-ceremony transcript verify --repo ${result.repo}`);
      out(io, lines.join('\n'));
    }
    return result.ok ? 0 : 3;
  },
};
