/** `tuf-ceremony recover`: the PEP 480 recovery from a key compromise, as a plan and a signing event. */
import {
  parseCompromised,
  prepareRecovery,
  readKeyArgument,
  renderRecoveryPlan,
} from '../../ceremony/lifecycle/index.js';
import { recordingFailure, Repository } from '../../ceremony/state/index.js';
import type { Key } from '../../tuf/model/index.js';
import type { Args, Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { atOption, parseThreshold, roleAssignment } from '../options.js';
import { signingSteps } from '../render-event.js';
import type { recover } from './declarations.js';

function recovery(repo: Repository, values: Args<typeof recover>['values'], cwd: string) {
  const compromised = parseCompromised(values.compromised ?? []);
  const newKeys = new Map<string, Key[]>();
  for (const spec of values['new-key'] ?? []) {
    const [role, file] = roleAssignment(spec, '--new-key');
    newKeys.set(role, [...(newKeys.get(role) ?? []), readKeyArgument(file, cwd, '--new-key')]);
  }
  const thresholds = new Map<string, number>();
  for (const spec of values.threshold ?? []) {
    const [role, n] = roleAssignment(spec, '--threshold');
    thresholds.set(role, parseThreshold(n, `--threshold ${role}=`)!);
  }
  return prepareRecovery(repo, values.event, {
    compromised,
    newKeys,
    thresholds,
    at: atOption(values.at),
  });
}

export const run: Run<typeof recover> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal or failure is recorded too (docs/formats/transcript.md, "Refusals and failures").
  const details = { folder: values.event ?? null, compromised: values.compromised ?? [] };
  const { plan, result } = await recordingFailure(repo.dir, { step: 'recover', details }, () =>
    recovery(repo, values, io.cwd),
  );
  if (values.json) {
    printJson(io, {
      ok: true,
      compromised: plan.compromised,
      replaced: plan.replaced.map((r) => ({
        role: r.role,
        changed_in: r.changedIn,
        keyids: r.keyids,
        holders: r.holders,
        threshold: r.threshold,
        new_keys_from: r.newKeysFrom,
        new_keyids: r.newKeys.map((k) => k.keyid),
      })),
      missing_keys: plan.missingKeys,
      offline_steps: plan.offlineSteps,
      online_steps: plan.onlineSteps,
      event: result
        ? {
            dir: result.event.dir,
            id: result.event.id,
            kind: result.event.kind,
            roles: result.roles.map((r) => ({ role: r.role, version: r.metadata.signed.version, why: r.why })),
          }
        : null,
    });
    return 0;
  }
  const lines = [renderRecoveryPlan(plan)];
  if (result) {
    lines.push('', `Recovery event written to ${result.event.dir} (event id ${result.event.id}):`);
    for (const r of result.roles) lines.push(`  ${r.role} v${r.metadata.signed.version}: ${r.why}`);
    for (const w of result.warnings) lines.push(`warning: ${w}`);
    lines.push('', ...signingSteps(result.event.dir, values.repo));
  } else if (plan.missingKeys.length) {
    lines.push('', `No event written. New keys still needed for: ${plan.missingKeys.join(', ')}.`);
  } else {
    lines.push('', 'No event written (give --event <new folder> to write it).');
  }
  out(io, lines.join('\n'));
  return 0;
};
