/** `tuf-ceremony rehearsal`: the whole ceremony on fresh SoftHSM tokens, in a new folder. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRehearsal } from '../../ceremony/lifecycle/index.js';
import { UsageError } from '../../tuf/base/index.js';
import { logTo } from '../ceremony-io.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { outcome } from '../json-output.js';
import { renderReport, reportJson } from '../render-report.js';
import { transcriptCheckJson } from '../transcript-file.js';
import { runTool } from '../tool-process.js';
import { toolVersion } from '../version.js';
import type { rehearsal } from './declarations.js';

/** ceremony-scripts/<name>, found from this module in src/cli/commands or dist/src/cli/commands. */
function scriptFile(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'ceremony-scripts', name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir)
      throw new UsageError(
        `ceremony-scripts/${name} not found next to the installed tool; give it with --plan / --profile`,
      );
    dir = up;
  }
}

export const run: Run<typeof rehearsal> = async ({ values }, io) => {
  const result = await runRehearsal({
    out: values.out,
    planPath: values.plan ?? scriptFile('rehearsal-plan.json'),
    profilePath: values.profile ?? scriptFile('rehearsal-profile.json'),
    toolVersion: toolVersion(),
    log: logTo(io),
    runbook: {
      path: scriptFile('runbooks/resign.json'),
      // The rehearsal points SOFTHSM2_CONF at its own tokens while it runs: the steps see them.
      execute: (argv) => runTool(argv, io, { terminal: false, stdoutToStderr: true, env: process.env }),
    },
  });
  const code = result.ok ? 0 : 3;
  if (values.json) {
    const failed = result.steps.filter((s) => !s.ok).map((s) => s.step);
    printJson(io, {
      ...outcome(code, 'E_REHEARSAL_FAILED', `rehearsal failed${failed.length ? `: ${failed.join(', ')}` : ''}`),
      out: result.out,
      repo: result.repo,
      steps: result.steps.map((s) => ({ step: s.step, ok: s.ok, detail: s.detail })),
      bundle: result.bundle
        ? { dir: result.bundle.dir, manifest_sha256: result.bundle.manifestSha256, sequence: result.bundle.sequence }
        : null,
      verify: reportJson(result.verify),
      transcript: transcriptCheckJson(result.transcript),
      online: {
        ok: result.online.ok,
        repository: result.online.repository,
        target_path: result.online.targetPath,
        downloaded: result.online.downloaded ?? null,
      },
    });
  } else {
    const lines = [
      '',
      'Rehearsal finished.',
      ...result.steps.map((s) => `  ${s.ok ? '✓' : '✗'} ${s.step}: ${s.detail.split('\n')[0]}`),
    ];
    lines.push(
      '',
      `Everything is in ${result.out}:`,
      `  repository state   ${result.repo}`,
      `  signing events     ${join(result.out, 'events')}`,
      `  bundle             ${result.bundle?.dir ?? '(none)'}`,
      `  transcript         ${join(result.repo, 'transcript.jsonl')}`,
      `  online repository  ${result.online.repository} (metadata/ and targets/, as served)`,
    );
    lines.push('', `verify from ${join(result.repo, 'metadata', '1.root.json')}:`, renderReport(result.verify));
    lines.push(
      '',
      `Check it yourself: tuf-ceremony verify --root ${join(result.repo, 'metadata', '1.root.json')} ${join(result.repo, 'metadata')}`,
      `                   tuf-ceremony transcript verify --repo ${result.repo}`,
    );
    out(io, lines.join('\n'));
  }
  return code;
};
