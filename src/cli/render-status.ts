/**
 * `status` for people (about 50 lines on a terminal) and for `--json`
 * (docs/formats/json-output.md). Names, paths and messages come from files: escaped.
 */
import type { RepositoryStatus, StatusKey, StatusRole } from '../ceremony/lifecycle/index.js';
import { countOf, escapeLines } from '../tuf/base/index.js';
import { fingerprintLines, fingerprintWords } from '../tuf/model/index.js';
import { transcriptCheckJson } from './transcript-file.js';

/** Keys listed per role without --all-keys: a plan has 3 to 7 admins. */
export const KEYS_SHOWN = 7;
/** Thresholds of pending events listed; the rest are counted. */
const THRESHOLDS_SHOWN = 4;

function keyLine(k: StatusKey, width: number): string {
  const serial = k.serials.length ? `token ${k.serials.join(', ')}` : '';
  return `    ${(k.holder ?? '(online)').padEnd(width)}  ${k.keytype.padEnd(7)}  ${k.keyid}  ${serial}`.trimEnd();
}

function roleLine(r: StatusRole, width: number): string {
  const when = r.online
    ? 'signed online'.padEnd(36)
    : `v${r.version}`.padEnd(6) + `${r.expires}  ${r.expired ? 'EXPIRED' : `${r.daysLeft} days left`}`.padEnd(30);
  return `  ${r.role.padEnd(width)}  ${when}  ${r.threshold} of ${r.keys.length}${r.delegatedBy === 'root' ? '' : ` (delegated by ${r.delegatedBy})`}`;
}

export function renderStatus(s: RepositoryStatus, allKeys: boolean): string {
  const lines = [`${s.repository}: repository ${s.dir}, at ${s.at}`];
  if (s.planSha256) lines.push(`plan.json SHA-256 ${s.planSha256}`);
  lines.push('', 'Roles (version, expiry, threshold; keys: holder, type, keyid, token serial):');
  const width = s.roles.reduce((w, r) => Math.max(w, r.role.length), 0);
  const holderWidth = s.roles.reduce(
    (w, r) => r.keys.reduce((v, k) => Math.max(v, (k.holder ?? '(online)').length), w),
    8,
  );
  for (const r of s.roles) {
    lines.push(roleLine(r, width));
    const shown = allKeys ? r.keys : r.keys.slice(0, KEYS_SHOWN);
    for (const k of shown) lines.push(keyLine(k, holderWidth));
    if (shown.length < r.keys.length) lines.push(`    … and ${r.keys.length - shown.length} more keys (--all-keys)`);
  }
  const c = s.claimed;
  lines.push('', `Claimed: ${countOf(c.projects)} project${c.projects === 1 ? '' : 's'}, ${c.layout}`);
  if (c.bins) {
    const b = c.bins;
    lines.push(
      `  ${countOf(b.count)} bins ${b.first} … ${b.last}, versions ` +
        `${b.versions.min === b.versions.max ? b.versions.min : `${b.versions.min} to ${b.versions.max}`}, signed by claimed's keys`,
      `  earliest expiry ${b.earliest.expires} (${b.earliest.role}, ${b.earliest.daysLeft} days left)${b.expired ? `; ${b.expired} EXPIRED` : ''}`,
    );
  }
  lines.push('', `Signing events made and not finalized: ${s.pending.length || 'none'}`);
  for (const p of s.pending) {
    lines.push(`  ${p.kind} ${p.id.slice(0, 16)}… (record #${p.seq}, ${p.created}) in ${p.folder ?? '?'}`);
    if (p.problem) {
      lines.push(`    ${p.problem}`);
      continue;
    }
    const t = p.thresholds ?? [];
    const open = t.filter((x) => !x.met);
    lines.push(
      `    ${p.roles} role(s); ` +
        (p.complete
          ? 'every threshold met: ready for event finalize'
          : `${t.length - open.length} of ${t.length} thresholds met; missing: ${(p.missingHolders ?? []).join(', ') || '?'}`),
    );
    for (const x of open.slice(0, THRESHOLDS_SHOWN))
      lines.push(`    ${x.role} v${x.version}: have ${x.have}, need ${x.need} (${x.label})`);
    if (open.length > THRESHOLDS_SHOWN)
      lines.push(`    … and ${open.length - THRESHOLDS_SHOWN} more thresholds not met`);
  }
  const bundle = (what: string, b: RepositoryStatus['lastExport']) =>
    b
      ? `  last ${what}: bundle ${b.sequence ?? '?'} at ${b.time} (record #${b.seq}), ${b.bundle ?? '?'}` +
        (b.manifestSha256 ? `, manifest ${b.manifestSha256}` : '')
      : `  last ${what}: none`;
  lines.push('', 'Bundles:', bundle('export', s.lastExport), bundle('import', s.lastImport));
  lines.push('', `Token deviations accepted at init: ${s.deviations.length || 'none'}`);
  for (const d of s.deviations)
    lines.push(
      `  ${d.holder} ${d.purpose} key ${d.keyid} on token ${d.serial} (${d.module}): ${d.accepted.join(', ')}`,
    );
  const t = s.transcript;
  lines.push('');
  if (t.ok) {
    lines.push(`Transcript: ${t.records} records, the chain holds; head`);
    for (const l of fingerprintLines(t.head!)) lines.push(l);
  } else lines.push(`Transcript: BROKEN at record ${t.brokenAt}: ${t.reason}`);
  return escapeLines(lines);
}

const keyJson = (k: StatusKey) => ({
  keyid: k.keyid,
  holder: k.holder ?? null,
  keytype: k.keytype,
  scheme: k.scheme,
  serials: k.serials,
});

export function statusJson(s: RepositoryStatus) {
  const c = s.claimed;
  return {
    repository: s.repository,
    repo: s.dir,
    plan_sha256: s.planSha256 ?? null,
    at: s.at,
    roles: s.roles.map((r) => ({
      role: r.role,
      online: r.online,
      version: r.version ?? null,
      expires: r.expires ?? null,
      days_left: r.daysLeft ?? null,
      expired: r.expired ?? null,
      delegated_by: r.delegatedBy,
      threshold: r.threshold,
      keys: r.keys.map(keyJson),
    })),
    claimed: {
      layout: c.layout,
      projects: c.projects,
      bins: c.bins
        ? {
            count: c.bins.count,
            first: c.bins.first,
            last: c.bins.last,
            versions: c.bins.versions,
            earliest: {
              role: c.bins.earliest.role,
              expires: c.bins.earliest.expires,
              days_left: c.bins.earliest.daysLeft,
            },
            expired: c.bins.expired,
          }
        : null,
    },
    pending_events: s.pending.map((p) => ({
      id: p.id,
      kind: p.kind,
      seq: p.seq,
      created: p.created,
      folder: p.folder ?? null,
      problem: p.problem ?? null,
      roles: p.roles ?? null,
      complete: p.complete ?? null,
      missing_holders: p.missingHolders ?? null,
      thresholds: (p.thresholds ?? []).map((t) => ({
        role: t.role,
        version: t.version,
        label: t.label,
        have: t.have,
        need: t.need,
        met: t.met,
        missing: t.missing,
      })),
    })),
    last_export: bundleJson(s.lastExport),
    last_import: bundleJson(s.lastImport),
    accepted_deviations: s.deviations,
    transcript: {
      ...transcriptCheckJson(s.transcript),
      head_words: s.transcript.head === undefined ? null : fingerprintWords(s.transcript.head),
    },
  };
}

function bundleJson(b: RepositoryStatus['lastExport']) {
  return b
    ? {
        seq: b.seq,
        time: b.time,
        sequence: b.sequence ?? null,
        bundle: b.bundle ?? null,
        manifest_sha256: b.manifestSha256 ?? null,
      }
    : null;
}
