/**
 * A repository verification report (src/tuf/verify/repository-verifier.ts) for people (a table) and for
 * `--json` (snake_case). Used by verify, event finalize and rehearsal.
 */
import type { RepositoryReport, RoleReport, VerificationResult } from '../tuf/verify/index.js';

function signers(r: RoleReport): string {
  if (!r.signatures) return '-';
  const own = `${r.signatures.signed.length}/${r.signatures.threshold}`;
  return r.previousRootSignatures
    ? `${own} (previous root ${r.previousRootSignatures.signed.length}/${r.previousRootSignatures.threshold})`
    : own;
}

/** The widest of some strings (a loop: a report can hold a million rows, too many to spread). */
function widest(values: Iterable<string>, min: number): number {
  let w = min;
  for (const v of values) if (v.length > w) w = v.length;
  return w;
}

/**
 * Rows without remark a text report lists before it counts the rest (a sharded claimed role has
 * thousands of bins, docs/decisions/0003-claimed-sharding.md); a row with a remark is always
 * listed, and --json lists every row. verify, finalize, event status, expiry and the bundle
 * commands follow it.
 */
export const OK_ROWS_SHOWN = 40;

/**
 * The rows a text report lists: every one `always` keeps (problems, top-level roles), in order
 * among the first `limit` of the others; `hidden` is the rest, for the caller to count and
 * describe in one line.
 */
export function boundedRows<T>(
  rows: Iterable<T>,
  always: (row: T) => boolean,
  limit = OK_ROWS_SHOWN,
): { shown: T[]; hidden: T[] } {
  const shown: T[] = [];
  const hidden: T[] = [];
  let plain = 0;
  for (const row of rows) {
    if (always(row) || plain++ < limit) shown.push(row);
    else hidden.push(row);
  }
  return { shown, hidden };
}

const remarkable = (r: RoleReport): boolean =>
  r.status !== 'ok' || r.problems.length > 0 || (r.warnings?.length ?? 0) > 0;

export function renderReport(report: RepositoryReport): string {
  const lines: string[] = [];
  // Every role with a problem or warning; of the rest, the first OK_ROWS_SHOWN.
  const { shown, hidden } = boundedRows(report.roles, remarkable);
  const w = widest(
    shown.map((r) => r.role),
    4,
  );
  const fw = widest(
    shown.map((r) => r.file ?? ''),
    4,
  );
  lines.push(`${'role'.padEnd(w)}  ${'file'.padEnd(fw)}  version  expires               signed  status`);
  for (const r of shown) {
    lines.push(
      `${r.role.padEnd(w)}  ${(r.file ?? '-').padEnd(fw)}  ` +
        `${String(r.version ?? '-').padEnd(7)}  ${(r.expires ?? '-').padEnd(20)}  ` +
        `${signers(r).padEnd(6)}  ${r.status}`,
    );
    for (const p of r.problems) lines.push(`    ✗ ${p}`);
    for (const w of r.warnings ?? []) lines.push(`    ! ${w}`);
  }
  if (hidden.length) lines.push(`… and ${hidden.length} more roles verified without remark (--json lists every role)`);
  for (const p of report.folderProblems) lines.push(`✗ ${p}`);
  if (report.absentCount > 0)
    lines.push(
      `${report.absentCount} delegated role(s) have no file here (not published, or not part of this folder); --json lists them`,
    );
  for (const n of report.notes) lines.push(`note: ${n}`);
  lines.push(
    report.ok
      ? `OK: verified from trusted root v${report.trustedRootVersion} to root v${report.rootVersion} at ${report.at}`
      : `FAILED: verification from trusted root v${report.trustedRootVersion} at ${report.at}`,
  );
  return lines.join('\n');
}

/** Signatures over a role against the keys that authorize it (python-tuf's VerificationResult). */
export function verificationJson(v: VerificationResult) {
  return {
    role: v.role,
    threshold: v.threshold,
    verified: v.verified,
    signed: v.signed,
    missing: v.missing,
    bad: v.bad,
    unknown: v.unknown,
    duplicate_material: v.duplicateMaterial,
    unsupported: v.unsupported,
  };
}

function roleJson(r: RoleReport) {
  return {
    role: r.role,
    file: r.file ?? null,
    delegated_by: r.delegatedBy ?? null,
    delegators: r.delegators ?? null,
    version: r.version ?? null,
    expires: r.expires ?? null,
    status: r.status,
    signatures: r.signatures ? verificationJson(r.signatures) : null,
    previous_root_signatures: r.previousRootSignatures ? verificationJson(r.previousRootSignatures) : null,
    problems: r.problems,
    warnings: r.warnings ?? [],
  };
}

/** The report's fields; `absent` lists every delegated role with no file when the report holds them. */
export function reportJson(report: RepositoryReport) {
  return {
    ok: report.ok,
    at: report.at,
    trusted_root_version: report.trustedRootVersion,
    root_version: report.rootVersion,
    freshness: report.freshness,
    roles: report.roles.map(roleJson),
    absent_count: report.absentCount,
    absent: report.absent ? report.absent.map((a) => ({ role: a.role, delegated_by: a.delegatedBy })) : null,
    folder_problems: report.folderProblems,
    notes: report.notes,
  };
}
