/** `tuf-ceremony plan check`: review a plan without touching any token. */
import { holdersOf, loadPlan, OFFLINE_ROLES, ONLINE_ROLES } from '../../../ceremony/plan.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import type { check } from './declarations.js';

export const run: Run<typeof check> = async ({ values, positionals }, io) => {
  const loaded = loadPlan(positionals[0]!);
  const { plan } = loaded;
  const roles = OFFLINE_ROLES.map((role) => ({ role, threshold: plan.roles[role].threshold, expires: plan.roles[role].expires, holders: holdersOf(plan, role).map((a) => a.name) }));
  const online = ONLINE_ROLES.map((role) => ({ role, keyid: loaded.onlineKeys[role].keyid }));
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
      warnings: loaded.warnings,
    });
    return 0;
  }
  const lines = [`Plan ${positionals[0]} for ${plan.repository}: OK (SHA-256 ${loaded.sha256})`];
  for (const r of roles) lines.push(`  ${r.role.padEnd(8)} ${r.threshold} of ${r.holders.length} (${r.holders.join(', ')}), expires after ${r.expires}`);
  lines.push(`  claimed layout: ${plan.roles.claimed.bins ? `${2 ** plan.roles.claimed.bins.bitLength} succinct hash bins` : 'flat'}`);
  for (const o of online) lines.push(`  online ${o.role.padEnd(16)} keyid ${o.keyid}`);
  lines.push(`  project paths: ${plan.projectPaths.join(' ')}`);
  for (const w of loaded.warnings) lines.push(`warning: ${w}`);
  out(io, lines.join('\n'));
  return 0;
};
