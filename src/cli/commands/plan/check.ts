/** `tuf-ceremony plan check`: review a plan without touching any token. */
import { adviseClaimedLayout, isExactPath, megabytes, type SizingAdvice } from '../../../ceremony/claims/index.js';
import { holdersOf, loadPlan, OFFLINE_ROLES, ONLINE_ROLES } from '../../../ceremony/state/index.js';
import { parseThreshold } from '../../options.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import type { check } from './declarations.js';

export const run: Run<typeof check> = async ({ values, positionals }, io) => {
  const loaded = loadPlan(positionals[0]!);
  const { plan } = loaded;
  const roles = OFFLINE_ROLES.map((role) => ({
    role,
    threshold: plan.roles[role].threshold,
    expires: plan.roles[role].expires,
    holders: holdersOf(plan, role).map((a) => a.name),
  }));
  const online = ONLINE_ROLES.map((role) => ({ role, keyid: loaded.onlineKeys[role].keyid }));
  const projects = parseThreshold(values.projects, '--projects');
  const sizing =
    projects === undefined
      ? undefined
      : adviseClaimedLayout(projects, plan.roles.claimed.bins?.bitLength, plan.projectPaths.every(isExactPath));
  const warnings = sizing?.tooLarge ? [...loaded.warnings, sizing.tooLarge] : loaded.warnings;
  if (values.json) {
    const bins = plan.roles.claimed.bins;
    const unclaimed = plan.unclaimedBins;
    printJson(io, {
      ok: true,
      sha256: loaded.sha256,
      repository: plan.repository,
      roles,
      online,
      claimed_bins: bins ? { bit_length: bins.bitLength, name_prefix: bins.namePrefix } : null,
      unclaimed_bins: unclaimed ? { bit_length: unclaimed.bitLength } : null,
      project_paths: plan.projectPaths,
      attendees: plan.attendees.map((a) => ({ name: a.name, parts: a.parts, contact: a.contact ?? null })),
      sizing: sizing ? sizingJson(sizing) : null,
      warnings,
    });
    return 0;
  }
  const lines = [`Plan ${positionals[0]} for ${plan.repository}: OK (SHA-256 ${loaded.sha256})`];
  for (const r of roles)
    lines.push(
      `  ${r.role.padEnd(8)} ${r.threshold} of ${r.holders.length} (${r.holders.join(', ')}), expires after ${r.expires}`,
    );
  lines.push(
    `  claimed layout: ${plan.roles.claimed.bins ? `${2 ** plan.roles.claimed.bins.bitLength} succinct hash bins` : 'flat'}`,
  );
  for (const o of online) lines.push(`  online ${o.role.padEnd(16)} keyid ${o.keyid}`);
  lines.push(`  project paths: ${plan.projectPaths.join(' ')}`);
  for (const a of plan.attendees) lines.push(`  in the room: ${a.name} (${a.parts.join(', ')})`);
  for (const line of sizing ? describeSizing(sizing) : []) lines.push(line);
  for (const w of warnings) lines.push(`warning: ${w}`);
  out(io, lines.join('\n'));
  return 0;
};

const layoutName = (bitLength: number | undefined): string =>
  bitLength === undefined ? 'flat' : `bit_length ${bitLength} (${2 ** bitLength} bins)`;

/** What a client downloads to find one project, for the plan's layout and the recommended one. */
function describeSizing(s: SizingAdvice): string[] {
  const download = (l: SizingAdvice['chosen']): string =>
    l.bitLength === undefined
      ? `${megabytes(l.claimedBytes)} (the whole claimed role)`
      : `${megabytes(l.claimedBytes)} of claimed + ${megabytes(l.binBytes)} of one bin`;
  return [
    `  at ${s.projects} projects a client downloads ${download(s.chosen)} with this plan's layout (${layoutName(s.chosen.bitLength)})`,
    `  recommended for ${s.projects} projects: ${layoutName(s.recommended.bitLength)}, ${download(s.recommended)} (docs/decisions/0003-claimed-sharding.md)`,
  ];
}

function sizingJson(s: SizingAdvice) {
  const layout = (l: SizingAdvice['chosen']) => ({
    bit_length: l.bitLength ?? null,
    claimed_bytes: l.claimedBytes,
    bin_bytes: l.binBytes,
    client_bytes: l.clientBytes,
  });
  return {
    projects: s.projects,
    chosen: layout(s.chosen),
    recommended: layout(s.recommended),
    too_large: s.tooLarge ?? null,
  };
}
