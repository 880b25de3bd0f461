/** `tuf-ceremony dev check`: a developer confirms the index delegates their project to exactly their keys. */
import { readKeyArgument } from '../../ceremony/rotate-keys.js';
import { checkProject, type ProjectCheck } from '../../bundle/downstream-checks.js';
import { VerifiedFolder } from '../../bundle/verified-folder.js';
import { UsageError } from '../../tuf/errors.js';
import { checkProjectName } from '../../tuf/project-name.js';
import { parse, required } from '../args.js';
import { err, out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';
import { parseThreshold } from './rotate.js';

const usage = `tuf-ceremony dev check --project <name> --key <public key file>... --metadata <folder> --root <trusted N.root.json> [--threshold N] [--at <time>] [--json]

  Verifies the metadata folder from the trusted root (no network, no trust in the index), then
  says how the project is delegated:
    claimed            by the offline claimed role to exactly these keys (and --threshold): exit 0
    recently-claimed   only by the online recently-claimed role, to these keys: exit 0
    other-keys         to other keys or another threshold: ALARM, exit 3
    absent             in neither: exit 3`;

function render(c: ProjectCheck): string {
  const lines: string[] = [];
  const d = c.delegation;
  const where = d ? `${d.chain.join(' → ')} → ${d.role.name}` : '';
  switch (c.status) {
    case 'claimed':
      lines.push(`OK: ${c.project} is delegated through ${where} to exactly your ${d!.keys.length} key(s), threshold ${d!.role.threshold}, paths ${d!.role.paths?.join(', ') ?? '(hash prefixes)'}`);
      break;
    case 'recently-claimed':
      lines.push(`OK, NOT YET CLAIMED: ${c.project} is delegated to your keys (threshold ${d!.role.threshold}) only by the online role recently-claimed; the next offline ceremony moves it to claimed`);
      break;
    case 'other-keys':
      lines.push(`ALARM: ${c.project} is delegated through ${where} to keys or a threshold that are not yours`);
      for (const k of c.unexpectedKeys) lines.push(`  key not yours: ${k}`);
      for (const k of c.missingKeys) lines.push(`  your key missing: ${k}`);
      if (c.thresholdMismatch) lines.push(`  threshold ${c.thresholdMismatch.actual}, you expect ${c.thresholdMismatch.expected}`);
      if (c.unreachable) lines.push(`  threshold ${c.unreachable.threshold}, but only ${c.unreachable.distinct} distinct key(s): one key is listed under several keyids`);
      if (c.alsoOnline) lines.push(`  ${c.alsoOnline.delegator} (online) also delegates ${c.project}, to keys not yours: ${c.alsoOnline.keyids.join(', ')}`);
      if (c.fileProblem) lines.push(`  the published project role does not verify through this delegation: ${c.fileProblem}`);
      lines.push('  Contact the index administrators through a channel you trust.');
      break;
    case 'absent':
      lines.push(`ABSENT: ${c.project} is delegated neither by claimed nor by recently-claimed in this metadata`);
  }
  for (const w of c.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export const devCheckCommand: Command = {
  name: ['dev', 'check'],
  summary: 'as a developer: confirm the published metadata delegates your project to exactly your keys (or raise the alarm)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      { project: { type: 'string' }, key: { type: 'string', multiple: true }, metadata: { type: 'string' }, root: { type: 'string' }, threshold: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    const project = checkProjectName(required(values.project, '--project', usage), '--project');
    if (!values.key?.length) throw new UsageError(`give at least one --key\nusage: ${usage}`);
    const keys = values.key.map((k) => readKeyArgument(k, io.cwd, '--key'));
    const threshold = parseThreshold(values.threshold, '--threshold');
    const folder = VerifiedFolder.open(required(values.metadata, '--metadata', usage), required(values.root, '--root', usage), atOption(values.at));
    const c = checkProject(folder, project, keys, threshold);
    const ok = c.status === 'claimed' || c.status === 'recently-claimed';
    if (values.json) {
      const d = c.delegation;
      printJson(io, {
        ok,
        project: c.project,
        status: c.status,
        delegated_by: d?.delegator ?? null,
        chain: d ? [...d.chain, d.role.name] : [],
        keyids: d?.role.keyids ?? [],
        threshold: d?.role.threshold ?? null,
        paths: d?.role.paths ?? null,
        terminating: d?.role.terminating ?? null,
        unexpected_keys: c.unexpectedKeys,
        missing_keys: c.missingKeys,
        file_problem: c.fileProblem ?? null,
        also_online: c.alsoOnline ? { delegated_by: c.alsoOnline.delegator, keyids: c.alsoOnline.keyids } : null,
        warnings: c.warnings,
      });
    } else (ok ? out : err)(io, render(c));
    return ok ? 0 : 3;
  },
};
