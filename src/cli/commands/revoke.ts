/** `tuf-ceremony revoke`: remove a compromised developer key, or a whole project, from claimed. */
import { Repository } from '../../ceremony/repository.js';
import { createRevokeEvent } from '../../ceremony/revoke.js';
import { proposalJson, describeProposal } from '../../ceremony/intake-report.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony revoke --repo <state folder> --project <name> [--key <keyid>] --event <new folder> [--reason <text>] [--at <time>] [--json]

  PEP 480 "In the Event of a Key Compromise": a signing event for claimed N+1 (or the project's
  bin) without the developer key --key (a full keyid, or 8 or more of its first hex digits), or
  without the project's delegation at all when --key is not given. Refused when the project would
  keep fewer keys than its threshold: revoke the whole project, or take a re-key request instead.`;

export const revokeCommand: Command = {
  name: ['revoke'],
  summary: 'revoke a compromised developer key or a project delegation from claimed (PEP 480)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      { repo: { type: 'string' }, project: { type: 'string' }, key: { type: 'string' }, event: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const eventDir = required(values.event, '--event', usage);
    const layout = repo.plan().roles.claimed.bins ? 'sharded' : 'flat';
    const r = createRevokeEvent(repo, eventDir, { project: required(values.project, '--project', usage), keyid: values.key, reason: values.reason, at: atOption(values.at) });
    if (values.json) {
      printJson(io, { project: r.revocation.project, keyid: r.revocation.keyid ?? null, event: { dir: r.event.dir, id: r.event.id }, proposal: proposalJson(r.proposal, layout) });
      return 0;
    }
    out(io, [`Revoke: ${r.revocation.description}`, describeProposal(r.proposal, layout), `Signing event written to ${r.event.dir} (event id ${r.event.id}).`, `Next: tuf-ceremony event show ${eventDir}; event sign; event finalize --repo ${values.repo}`].join('\n'));
    return 0;
  },
};
