/** `tuf-ceremony resign`: a signing event that renews every offline role expiring within the window. */
import { authorityFor, createResignEvent, describeAuthority } from '../../ceremony/lifecycle/index.js';
import { recordingFailure, Repository } from '../../ceremony/state/index.js';
import { countOf, someOf } from '../../tuf/base/index.js';
import { describeResignProof } from '../../ceremony/events/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { atOption, withinOption } from '../options.js';
import { resignProofJson, signingSteps } from '../render-event.js';
import { boundedRows } from '../render-report.js';
import type { resign } from './declarations.js';

export const run: Run<typeof resign> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal or failure is recorded too (docs/formats/transcript.md, "Refusals and failures").
  const result = await recordingFailure(repo.dir, { step: 'resign', details: { folder: values.event } }, () =>
    createResignEvent(repo, values.event, {
      at: atOption(values.at),
      within: withinOption(values.within),
      only: values.role,
    }),
  );
  const signers = (role: string): string | null => {
    const auth = authorityFor(result.current, role);
    return auth ? describeAuthority(auth) : null;
  };
  if (values.json) {
    printJson(io, {
      ok: true,
      event: result.event ? { dir: result.event.dir, id: result.event.id, kind: result.event.kind } : null,
      at: result.report.at,
      within: result.report.within,
      roles: result.roles.map((r) => ({
        role: r.role,
        proof: resignProofJson({ role: r.role, ...r.proof }),
        signers: signers(r.role),
      })),
      shortened: result.shortened,
    });
    return 0;
  }
  if (!result.event) {
    out(io, `Nothing expires within ${result.report.within} of ${result.report.at}; no event written.`);
    return 0;
  }
  const lines = [`Re-sign event written to ${result.event.dir} (event id ${result.event.id})`, ''];
  // Root, targets, claimed and any role whose content changed in full; the bins of a sharded
  // claimed role up to OK_ROWS_SHOWN, then one line for the rest (--json lists every role).
  const bin = (role: string) => authorityFor(result.current, role)?.delegator === 'claimed';
  const { shown, hidden } = boundedRows(result.roles, (r) => !r.proof.contentUnchanged || !bin(r.role));
  for (const r of shown) {
    lines.push(...describeResignProof(r.role, r.proof));
    const who = signers(r.role);
    if (who) lines.push(`  to be signed by ${who}`);
  }
  if (hidden.length) {
    const expires = new Set(hidden.map((r) => r.proof.expiresTo));
    const who = new Set(hidden.map((r) => signers(r.role) ?? '(no role delegates to it)'));
    lines.push(
      `… and ${countOf(hidden.length)} more roles: re-sign only, no content change, version +1, ` +
        `${expires.size === 1 ? 'each' : 'among them'} expiring ${someOf([...expires].sort(), 3)}; ` +
        `to be signed by ${someOf([...who], 3)} (--json lists every role)`,
    );
  }
  // One line however many roles: a shorter period in the plan shortens every bin of claimed.
  if (result.shortened.length)
    lines.push(
      `warning: the new expiry of ${someOf(result.shortened)} is earlier than the current one ` +
        "(the plan's period is shorter than what is left)",
    );
  lines.push('', ...signingSteps(values.event, values.repo));
  lines.push(
    'After importing the bundle, the online service publishes the new versions with a new snapshot and timestamp.',
  );
  out(io, lines.join('\n'));
  return 0;
};
