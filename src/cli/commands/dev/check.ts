/** `tuf-ceremony dev check`: a developer confirms the index delegates their project to exactly their keys. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProject, fetchIntoFolder, type ProjectCheck, VerifiedFolder } from '../../../bundle/index.js';
import { readKeyArgument } from '../../../ceremony/lifecycle/index.js';
import { UsageError } from '../../../tuf/base/index.js';
import { checkProjectName } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { atOption, parseThreshold } from '../../options.js';
import type { check } from './declarations.js';

/** What to do about an ALARM, for each thing it found (docs/developer-guide.md, "What an ALARM means"). */
function alarmAdvice(c: ProjectCheck): string[] {
  const advice: string[] = ['What to do:'];
  if (c.unexpectedKeys.length)
    advice.push(
      "  A key not yours may be a co-maintainer's: if your project's request listed it, run the check again with",
      '  their public key too (--key <their key file>, and --threshold). If nobody in your project made it,',
      '  someone else can sign for your project: tell the index administrators at once.',
    );
  if (c.missingKeys.length || c.thresholdMismatch || c.unreachable)
    advice.push(
      '  Your keys or threshold are not the delegated ones: if you did not ask for a change (a re-key or a',
      '  revocation), tell the index administrators at once.',
    );
  if (c.alsoOnline || c.fileProblem)
    advice.push(
      "  Someone holding the index's online keys may be serving files for your project: do not install from",
      '  this index until it is sorted out, and tell the index administrators at once.',
    );
  advice.push('  Reach them through a channel you trust (not one this metadata names), with this output.');
  return advice;
}

function render(c: ProjectCheck): string {
  const lines: string[] = [];
  const d = c.delegation;
  const where = d ? `${d.chain.join(' → ')} → ${d.role.name}` : '';
  switch (c.status) {
    case 'claimed':
      lines.push(
        `OK: ${c.project} is delegated through ${where} to exactly your ${d!.keys.length} ` +
          `key(s), threshold ${d!.role.threshold}, paths ` +
          `${d!.role.paths?.join(', ') ?? '(hash prefixes)'}`,
      );
      break;
    case 'recently-claimed':
      lines.push(
        `OK, NOT YET CLAIMED: ${c.project} is delegated to your keys (threshold ` +
          `${d!.role.threshold}) only by the online role recently-claimed; the next offline ` +
          'ceremony moves it to claimed',
      );
      break;
    case 'other-keys':
      lines.push(`ALARM: ${c.project} is delegated through ${where} to keys or a threshold that are not yours`);
      for (const k of c.unexpectedKeys) lines.push(`  key not yours: ${k}`);
      for (const k of c.missingKeys) lines.push(`  your key missing: ${k}`);
      if (c.thresholdMismatch)
        lines.push(`  threshold ${c.thresholdMismatch.actual}, you expect ${c.thresholdMismatch.expected}`);
      if (c.unreachable)
        lines.push(
          `  threshold ${c.unreachable.threshold}, but only ${c.unreachable.distinct} distinct key(s): one key is listed under several keyids`,
        );
      if (c.alsoOnline)
        lines.push(
          `  ${c.alsoOnline.delegator} (online) also delegates ${c.project}, to keys not yours: ${c.alsoOnline.keyids.join(', ')}`,
        );
      if (c.fileProblem)
        lines.push(`  the published project role does not verify through this delegation: ${c.fileProblem}`);
      for (const line of alarmAdvice(c)) lines.push(line);
      break;
    case 'absent':
      lines.push(`ABSENT: ${c.project} is delegated neither by claimed nor by recently-claimed in this metadata`);
  }
  for (const w of c.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export const run: Run<typeof check> = async ({ values }, io) => {
  const project = checkProjectName(values.project, '--project');
  const keys = values.key.map((k) => readKeyArgument(k, io.cwd, '--key'));
  const threshold = parseThreshold(values.threshold, '--threshold');
  const at = atOption(values.at);
  if ((values.url === undefined) === (values.metadata === undefined))
    throw new UsageError('give --metadata <folder> or --url <metadata base URL>, one of the two');
  let c: ProjectCheck;
  if (values.url !== undefined) {
    // Fetched into a folder of its own, verified there with the saved state, then read as below.
    const temp = mkdtempSync(join(tmpdir(), 'tuf-ceremony-check-'));
    try {
      const dir = join(temp, 'metadata');
      await fetchIntoFolder({ url: values.url, cwd: io.cwd, trustedRootPath: values.root, project, at, out: dir });
      c = checkProject(VerifiedFolder.open(dir, values.root, at, { state: values.state }), project, keys, threshold);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  } else {
    const folder = VerifiedFolder.open(values.metadata!, values.root, at, { state: values.state });
    c = checkProject(folder, project, keys, threshold);
  }
  const ok = c.status === 'claimed' || c.status === 'recently-claimed';
  const code = ok ? 0 : 3;
  if (values.json) {
    const d = c.delegation;
    printJson(io, {
      ...outcome(code, 'E_PROJECT_NOT_DELEGATED', render(c).split('\n')[0]!),
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
      threshold_mismatch: c.thresholdMismatch
        ? { actual: c.thresholdMismatch.actual, expected: c.thresholdMismatch.expected }
        : null,
      unreachable: c.unreachable ? { threshold: c.unreachable.threshold, distinct: c.unreachable.distinct } : null,
      file_problem: c.fileProblem ?? null,
      also_online: c.alsoOnline ? { delegated_by: c.alsoOnline.delegator, keyids: c.alsoOnline.keyids } : null,
      warnings: c.warnings,
    });
  } else (ok ? out : err)(io, render(c));
  return code;
};
