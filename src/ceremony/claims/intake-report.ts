/**
 * The intake report for the admins: counts per decision, one line per rejected or re-keyed
 * request file and the first few of the others, re-keys shown loudly, and what will have to be
 * signed. Text for a person; JSON (snake_case, one document, every file) for scripts.
 */
import { fingerprintWords, type JsonObject } from '../../tuf/model/index.js';
import { formatExpires } from '../../tuf/base/index.js';
import type { ClaimedProposal } from './claimed-build.js';
import { shortKeyid, type FileOutcome } from './intake-decide.js';
import type { IntakeResult } from './intake.js';

export function proposalJson(p: ClaimedProposal, layout: string): JsonObject {
  return {
    layout,
    roles: p.roles.map((r) => ({
      role: r.role,
      version: r.metadata.signed.version,
      replaces: r.replaces ?? null,
      expires: formatExpires(r.metadata.signed.expires),
    })),
    threshold: p.threshold,
    signatures_needed: p.signaturesNeeded,
    added: p.change.added,
    rekeyed: p.change.rekeyed,
    removed: p.change.removed,
  };
}

function fileJson(o: FileOutcome): JsonObject {
  return {
    file: o.file,
    sha256: o.sha256 ?? null,
    sha256_words: o.sha256 ? fingerprintWords(o.sha256) : null,
    project: o.project ?? null,
    project_as_written: o.projectAsWritten ?? null,
    decision: o.decision,
    reason_code: o.reason ?? null,
    reason: o.message ?? null,
    keyids: o.keyids ?? null,
    threshold: o.threshold ?? null,
    contact: o.contact ?? null,
    previous_keyids: o.previousKeyids ?? null,
    previous_threshold: o.previousThreshold ?? null,
  };
}

export function intakeReportJson(r: IntakeResult, extra: JsonObject = {}): JsonObject {
  return {
    at: formatExpires(r.at),
    claimed_role: r.settings.roleName,
    counts: { ...r.decisions.counts, files: r.decisions.files.length },
    recently_claimed: r.online
      ? {
          file: r.online.source,
          version: r.online.version,
          expires: r.online.expires,
          without_request: r.decisions.onlineWithoutRequest.map((x) => ({
            project: x.project,
            already_claimed: x.alreadyClaimed,
          })),
        }
      : null,
    online_check: { checked: r.onlineCheckSkipped === undefined, reason: r.onlineCheckSkipped ?? null },
    requests: r.decisions.files.map(fileJson),
    proposal: proposalJson(r.proposal, r.settings.layout.kind),
    ...extra,
  };
}

const keys = (ids: string[] | undefined): string => (ids ?? []).map(shortKeyid).join(',');

function detail(o: FileOutcome): string {
  switch (o.decision) {
    case 'rejected':
      return `${o.reason}: ${o.message}`;
    case 'rekey':
      return `keys ${keys(o.previousKeyids)} (threshold ${o.previousThreshold}) → ${keys(o.keyids)} (threshold ${o.threshold}), contact ${o.contact}`;
    default:
      return `keys ${keys(o.keyids)} (threshold ${o.threshold}), contact ${o.contact}`;
  }
}

/** Strip terminal control characters from anything a file could have put in a name. */
const safe = (s: string): string => s.replace(/[\p{Cc}\p{Cf}]/gu, '?');

export function describeProposal(p: ClaimedProposal, layout: string): string {
  if (p.roles.length === 0) return 'Nothing to sign: the claimed role already delegates exactly these projects.';
  const roles = p.roles.map((r) => `${r.role} v${r.metadata.signed.version}`);
  const shown = roles.length > 6 ? `${roles.slice(0, 6).join(', ')} and ${roles.length - 6} more` : roles.join(', ');
  return (
    `Proposed (${layout}): ${shown}; ${p.roles.length} ` +
    `role${p.roles.length === 1 ? '' : 's'} × threshold ${p.threshold} = ` +
    `${p.signaturesNeeded} signatures needed. Projects: ${p.change.added.length} added, ` +
    `${p.change.rekeyed.length} re-keyed, ${p.change.removed.length} removed.`
  );
}

/** Added or unchanged requests listed in the text report; rejections and re-keys are all listed. */
export const ROUTINE_SHOWN = 20;

export function renderIntakeReport(r: IntakeResult): string {
  const c = r.decisions.counts;
  const lines = [
    `Intake of ${r.decisions.files.length} request files at ${formatExpires(r.at)}`,
    `  add ${c.add}   re-key ${c.rekey}   unchanged ${c.unchanged}   rejected ${c.rejected}`,
    '',
  ];
  if (r.onlineCheckSkipped !== undefined)
    lines.push(
      `!!! THE ONLINE REGISTRATION WAS NOT CHECKED (--no-online-check: ${safe(r.onlineCheckSkipped)}).`,
      '!!! Nothing shows that a new project was registered on the index with these keys: confirm each with its developer out of band.',
      '',
    );
  const rekeys = r.decisions.files.filter((o) => o.decision === 'rekey');
  if (rekeys.length > 0) {
    lines.push(
      `!!! RE-KEY: ${rekeys.length} claimed project${rekeys.length === 1 ? ' gets' : 's get'} ` +
        'NEW developer keys. Confirm each with its developer out of band before signing. !!!',
    );
    for (const o of rekeys) lines.push(`!!!   ${o.project}: ${detail(o)}`);
    lines.push('');
  }
  // Every rejection and re-key in full; of the rest, the first few: a batch can hold hundreds of
  // thousands of files (docs/performance.md), and --json lists every one.
  const shown: FileOutcome[] = [];
  let routine = 0;
  for (const o of r.decisions.files) {
    if (o.decision === 'rejected' || o.decision === 'rekey') shown.push(o);
    else if (routine++ < ROUTINE_SHOWN) shown.push(o);
  }
  let fw = 4;
  let pw = 7;
  for (const o of shown) {
    fw = Math.max(fw, Math.min(40, o.file.length));
    pw = Math.max(pw, Math.min(40, (o.project ?? '-').length));
  }
  lines.push(`${'file'.padEnd(fw)}  ${'project'.padEnd(pw)}  ${'decision'.padEnd(9)}  details`);
  for (const o of shown) {
    const decision = o.decision === 'rekey' ? 'RE-KEY' : o.decision;
    lines.push(
      `${safe(o.file).padEnd(fw)}  ${(o.project ?? '-').padEnd(pw)}  ${decision.padEnd(9)}  ${safe(detail(o))}`,
    );
    // The developer sent this digest by another channel (docs/developer-guide.md, step 3): compare.
    if (o.sha256) lines.push(`    sha256 ${o.sha256}`, `    words  ${fingerprintWords(o.sha256).join(' ')}`);
  }
  if (routine > ROUTINE_SHOWN)
    lines.push(`… and ${routine - ROUTINE_SHOWN} more added or unchanged (every request file is listed with --json)`);
  if (r.online) {
    const missing = r.decisions.onlineWithoutRequest;
    lines.push(
      '',
      `recently-claimed v${r.online.version} (${r.online.source}, expires ${r.online.expires}) ` +
        `verified: ${r.online.projects.size} projects, ${missing.length} with no ` +
        `request${missing.length ? ':' : ''}`,
    );
    for (const m of missing.slice(0, ROUTINE_SHOWN))
      lines.push(`  ${m.project}${m.alreadyClaimed ? ' (already claimed)' : ''}`);
    if (missing.length > ROUTINE_SHOWN)
      lines.push(`  … and ${missing.length - ROUTINE_SHOWN} more (--json lists them)`);
  }
  lines.push('', describeProposal(r.proposal, r.settings.layout.kind));
  return lines.join('\n');
}
