/** `tuf-ceremony recover`: the PEP 480 recovery from a key compromise, as a plan and a signing event. */
import { parseCompromised, prepareRecovery, renderRecoveryPlan } from '../../ceremony/recover.js';
import { Repository } from '../../ceremony/repository.js';
import { readKeyArgument } from '../../ceremony/rotate-keys.js';
import { UsageError } from '../../tuf/errors.js';
import type { Key } from '../../tuf/key.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import { signingSteps } from './resign.js';
import type { Command } from './index.js';
import { parseThreshold } from './rotate.js';

const usage = `tuf-ceremony recover --repo <state folder> --compromised <role>[,<role>]... [--new-key <role>=[<holder>=]<public key file>]... [--threshold <role>=N]... [--event <new folder>] [--at <time>] [--json]

  <role>: timestamp, snapshot, recently-claimed, unclaimed (online keys), targets, claimed, root.
  Without --event: print the plan (which roles change, which keys are replaced, which new keys are
  needed, the steps left to the online service). With --event and every new key: write the event.`;

function roleAssignment(spec: string, flag: string): [string, string] {
  const i = spec.indexOf('=');
  if (i <= 0 || i === spec.length - 1) throw new UsageError(`${flag} ${spec}: expected <role>=<value>`);
  return [spec.slice(0, i), spec.slice(i + 1)];
}

export const recoverCommand: Command = {
  name: ['recover'],
  summary: 'plan the recovery from a compromised key (PEP 480) and prepare its signing event',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      {
        repo: { type: 'string' },
        compromised: { type: 'string', multiple: true },
        'new-key': { type: 'string', multiple: true },
        threshold: { type: 'string', multiple: true },
        event: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const compromised = parseCompromised(values.compromised ?? []);
    const newKeys = new Map<string, Key[]>();
    for (const spec of values['new-key'] ?? []) {
      const [role, file] = roleAssignment(spec, '--new-key');
      newKeys.set(role, [...(newKeys.get(role) ?? []), readKeyArgument(file, io.cwd, '--new-key')]);
    }
    const thresholds = new Map<string, number>();
    for (const spec of values.threshold ?? []) {
      const [role, n] = roleAssignment(spec, '--threshold');
      thresholds.set(role, parseThreshold(n, `--threshold ${role}=`)!);
    }
    const { plan, result } = prepareRecovery(repo, values.event, { compromised, newKeys, thresholds, at: atOption(values.at) });
    if (values.json) {
      printJson(io, {
        compromised: plan.compromised,
        replaced: plan.replaced.map((r) => ({ role: r.role, changedIn: r.changedIn, keyids: r.keyids, holders: r.holders, threshold: r.threshold, newKeysFrom: r.newKeysFrom, newKeyids: r.newKeys.map((k) => k.keyid) })),
        missingKeys: plan.missingKeys,
        offlineSteps: plan.offlineSteps,
        onlineSteps: plan.onlineSteps,
        event: result ? { dir: result.event.dir, id: result.event.id, kind: result.event.kind, roles: result.roles.map((r) => ({ role: r.role, version: r.metadata.signed.version, why: r.why })) } : null,
      });
      return 0;
    }
    const lines = [renderRecoveryPlan(plan)];
    if (result) {
      lines.push('', `Recovery event written to ${result.event.dir} (event id ${result.event.id}):`);
      for (const r of result.roles) lines.push(`  ${r.role} v${r.metadata.signed.version}: ${r.why}`);
      for (const w of result.warnings) lines.push(`warning: ${w}`);
      lines.push('', ...signingSteps(result.event.dir, values.repo!));
    } else if (plan.missingKeys.length) {
      lines.push('', `No event written. New keys still needed for: ${plan.missingKeys.join(', ')}.`);
    } else {
      lines.push('', 'No event written (give --event <new folder> to write it).');
    }
    out(io, lines.join('\n'));
    return 0;
  },
};
