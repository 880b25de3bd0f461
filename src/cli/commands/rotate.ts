/** `tuf-ceremony rotate`: a signing event that changes the keys of root, targets or claimed. */
import { type OfflineRole, recordingFailure, Repository } from '../../ceremony/state/index.js';
import {
  createKeyChangeEvent,
  describeEventKeyChanges,
  readKeyArgument,
  readTokenKeyArgument,
  ROTATE_KIND,
} from '../../ceremony/lifecycle/index.js';
import { loadProfile } from '../../keys/index.js';
import { countOf, someOf, UsageError } from '../../tuf/base/index.js';
import type { Args, Run } from '../declaration.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption, parseThreshold } from '../options.js';
import { cliPinSource } from '../prompter.js';
import { signingSteps } from '../render-event.js';
import { boundedRows } from '../render-report.js';
import type { rotate } from './declarations.js';

const ROLES = ['root', 'targets', 'claimed'];

async function rotation(repo: Repository, values: Args<typeof rotate>['values'], io: CliIO) {
  const role = values.role;
  if (!ROLES.includes(role))
    throw new UsageError(
      `--role ${role}: rotate changes the keys of ${ROLES.join(', ')} (online keys: tuf-ceremony recover)`,
    );
  const add = (values.add ?? []).map((spec) => readKeyArgument(spec, io.cwd));
  const fromTokens = values['add-token'] ?? [];
  const keyWarnings: string[] = [];
  if (fromTokens.length) {
    if (values.profile === undefined) throw new UsageError('missing --profile (for --add-token)');
    const profile = loadProfile(values.profile);
    // The repository's plan may require sign-only keys for the role (docs/formats/plan.md, "sign_only").
    const signOnlyPlan = repo.plan().roles[role as OfflineRole].signOnly ? repo.planPath : undefined;
    for (const spec of fromTokens) {
      const got = await readTokenKeyArgument(profile, spec, role, cliPinSource(io), signOnlyPlan);
      add.push(got.key);
      if (got.warning) keyWarnings.push(got.warning);
    }
  }
  const remove = values.remove ?? [];
  const threshold = parseThreshold(values.threshold, '--threshold');
  if (add.length === 0 && remove.length === 0 && threshold === undefined)
    throw new UsageError('nothing to change: give --add, --remove or --threshold');
  return createKeyChangeEvent(repo, values.event, {
    kind: ROTATE_KIND,
    description: `Rotate ${role} keys: ${add.length} added, ${remove.length} removed${threshold !== undefined ? `, threshold ${threshold}` : ''}`,
    changes: [{ role, add, remove, threshold }],
    at: atOption(values.at),
    warnings: keyWarnings,
  });
}

export const run: Run<typeof rotate> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal or failure is recorded too (docs/formats/transcript.md, "Refusals and failures").
  const result = await recordingFailure(
    repo.dir,
    { step: ROTATE_KIND, details: { folder: values.event, role: values.role } },
    () => rotation(repo, values, io),
  );
  if (values.json) {
    printJson(io, {
      ok: true,
      event: { dir: result.event.dir, id: result.event.id, kind: result.event.kind },
      // The event's own details, in their wire form (docs/formats/event.md).
      details: result.event.details ?? null,
      roles: result.roles.map((r) => ({ role: r.role, version: r.metadata.signed.version, why: r.why })),
    });
    return 0;
  }
  const lines = [`Rotation event written to ${result.event.dir} (event id ${result.event.id})`, ''];
  lines.push(...describeEventKeyChanges(result.event));
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  // Rotating the claimed keys re-signs every bin of a sharded claimed role: the roles delegated
  // by claimed up to OK_ROWS_SHOWN, then one line for the rest (--json lists every role).
  const binPrefix = repo.plan().roles.claimed.bins?.namePrefix;
  const isBin = (role: string) => binPrefix !== undefined && role.startsWith(`${binPrefix}-`);
  // What a hidden bin needs, without its own name (each label ends "→ <role>"): the same for all.
  const needs = (r: { role: string; thresholds: Array<{ threshold: number; label: string }> }) =>
    r.thresholds.map((t) => `${t.threshold} of ${t.label.replace(` → ${r.role}`, '')}'s keys for it`).join(' and ');
  const { shown, hidden } = boundedRows(result.event.roles(), (r) => !isBin(r.role));
  for (const r of shown)
    for (const t of r.thresholds) lines.push(`${r.role} v${r.version} needs ${t.threshold} of ${t.label}`);
  if (hidden.length)
    lines.push(
      `… and ${countOf(hidden.length)} more roles, each needing ` +
        `${someOf([...new Set(hidden.map(needs))], 3)} (--json lists every role)`,
    );
  lines.push('', ...signingSteps(values.event, values.repo));
  out(io, lines.join('\n'));
  return 0;
};
