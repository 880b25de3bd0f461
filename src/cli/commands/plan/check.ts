/** `tuf-ceremony plan check`: review a plan without touching any token. */
import { holdersOf, loadPlan, OFFLINE_ROLES, ONLINE_ROLES } from '../../ceremony/plan.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const usage = 'tuf-ceremony plan check <plan.json> [--json]';

export const planCheckCommand: Command = {
  name: ['plan', 'check'],
  summary: 'check a ceremony plan and its key files (guard rails, field paths); touches no token',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`give exactly one plan\nusage: ${usage}`);
    const loaded = loadPlan(positionals[0]!);
    const { plan } = loaded;
    const roles = OFFLINE_ROLES.map((role) => ({ role, threshold: plan.roles[role].threshold, expires: plan.roles[role].expires, holders: holdersOf(plan, role).map((a) => a.name) }));
    const online = ONLINE_ROLES.map((role) => ({ role, keyid: loaded.onlineKeys[role].keyid }));
    if (values.json) {
      printJson(io, { ok: true, sha256: loaded.sha256, repository: plan.repository, roles, online, claimedBins: plan.roles.claimed.bins ?? null, unclaimedBins: plan.unclaimedBins ?? null, projectPaths: plan.projectPaths, warnings: loaded.warnings });
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
  },
};
