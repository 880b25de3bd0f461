/** `tuf-ceremony verify`: check a metadata folder as a TUF client would, from a trusted root. */
import { auditFolder } from '../../bundle/verified-folder.js';
import { UsageError } from '../../tuf/errors.js';
import type { RepositoryReport, RoleReport } from '../../tuf/repository-verifier.js';
import { parseInstant } from '../../tuf/time.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const usage = 'tuf-ceremony verify --root <trusted N.root.json> [--at <time>] [--json] <metadata folder>';

function signers(r: RoleReport): string {
  if (!r.signatures) return '-';
  const own = `${r.signatures.signed.length}/${r.signatures.threshold}`;
  return r.previousRootSignatures ? `${own} (previous root ${r.previousRootSignatures.signed.length}/${r.previousRootSignatures.threshold})` : own;
}

/** The widest of some strings (a loop: a report can hold a million rows, too many to spread). */
function widest(values: Iterable<string>, min: number): number {
  let w = min;
  for (const v of values) if (v.length > w) w = v.length;
  return w;
}

export function renderReport(report: RepositoryReport): string {
  const lines: string[] = [];
  const w = widest(report.roles.map((r) => r.role), 4);
  const fw = widest(report.roles.map((r) => r.file ?? ''), 4);
  lines.push(`${'role'.padEnd(w)}  ${'file'.padEnd(fw)}  version  expires               signed  status`);
  for (const r of report.roles) {
    lines.push(`${r.role.padEnd(w)}  ${(r.file ?? '-').padEnd(fw)}  ${String(r.version ?? '-').padEnd(7)}  ${(r.expires ?? '-').padEnd(20)}  ${signers(r).padEnd(6)}  ${r.status}`);
    for (const p of r.problems) lines.push(`    ✗ ${p}`);
  }
  for (const p of report.folderProblems) lines.push(`✗ ${p}`);
  if (report.absentCount > 0) lines.push(`${report.absentCount} delegated role(s) have no file here (not published, or not part of this folder); --json lists them`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  lines.push(report.ok ? `OK: verified from trusted root v${report.trustedRootVersion} to root v${report.rootVersion} at ${report.at}` : `FAILED: verification from trusted root v${report.trustedRootVersion} at ${report.at}`);
  return lines.join('\n');
}

export const verifyCommand: Command = {
  name: ['verify'],
  summary: 'verify a metadata folder from a trusted root, as a TUF client would (no network)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { root: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const rootPath = required(values.root, '--root', usage);
    if (positionals.length !== 1) throw new UsageError(`give exactly one metadata folder\nusage: ${usage}`);
    const at = values.at ? parseInstant(values.at) : new Date();
    const report = auditFolder(positionals[0]!, rootPath, at, { listAbsent: values.json === true });
    if (values.json) printJson(io, report);
    else out(io, renderReport(report));
    return report.ok ? 0 : 3;
  },
};
