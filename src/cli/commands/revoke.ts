/** `tuf-ceremony revoke`: remove a compromised developer key, or a whole project, from claimed. */
import { createRevokeEvent, describeProposal, proposalJson } from '../../ceremony/claims/index.js';
import { recordingFailure, Repository } from '../../ceremony/state/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { atOption } from '../options.js';
import type { revoke } from './declarations.js';

export const run: Run<typeof revoke> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  const layout = repo.plan().roles.claimed.bins ? 'sharded' : 'flat';
  const details = {
    folder: values.event,
    project: values.project,
    keyid: values.key ?? null,
    reason: values.reason ?? null,
  };
  const r = await recordingFailure(repo.dir, { step: 'revoke', details }, () =>
    createRevokeEvent(repo, values.event, {
      project: values.project,
      keyid: values.key,
      reason: values.reason,
      at: atOption(values.at),
    }),
  );
  if (values.json) {
    printJson(io, {
      ok: true,
      project: r.revocation.project,
      keyid: r.revocation.keyid ?? null,
      event: { dir: r.event.dir, id: r.event.id },
      proposal: proposalJson(r.proposal, layout),
    });
    return 0;
  }
  out(
    io,
    [
      `Revoke: ${r.revocation.description}`,
      describeProposal(r.proposal, layout),
      `Signing event written to ${r.event.dir} (event id ${r.event.id}).`,
      `Next: tuf-ceremony event show ${values.event}; event sign; event finalize --repo ${values.repo}`,
    ].join('\n'),
  );
  return 0;
};
