/** `tuf-ceremony resign`: a signing event that renews every offline role expiring within the window. */
import { authorityFor, describeAuthority } from '../../ceremony/expiry-signers.js';
import { Repository } from '../../ceremony/repository.js';
import { describeResignProof } from '../../ceremony/resign-proof.js';
import { createResignEvent } from '../../ceremony/resign.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption, withinOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony resign --repo <state folder> --event <new folder> [--within <30d>] [--role <role>]... [--at <time>] [--json]

  Every offline role expiring within the window (default: the plan's expiry_warning) gets version
  N+1 and expiry = --at + its period from the plan, content otherwise unchanged. --role picks roles
  explicitly instead. Then: tuf-ceremony event show / event sign / event finalize on the event.`;

/** What the people do with a maintenance event once it is written. */
export function signingSteps(eventDir: string, repoDir: string): string[] {
  return [
    `Next: tuf-ceremony event show ${eventDir} --repo ${repoDir}`,
    `      each signer: tuf-ceremony event sign ${eventDir} --profile <token profile> --holder <name> --repo ${repoDir}`,
    `      then: tuf-ceremony event finalize ${eventDir} --repo ${repoDir}, and tuf-ceremony bundle export`,
  ];
}

export const resignCommand: Command = {
  name: ['resign'],
  summary: 'prepare a re-sign event: new version and expiry, no content change, for roles expiring soon',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      { repo: { type: 'string' }, event: { type: 'string' }, within: { type: 'string' }, role: { type: 'string', multiple: true }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const eventDir = required(values.event, '--event', usage);
    const at = atOption(values.at);
    const result = createResignEvent(repo, eventDir, { at, within: withinOption(values.within), only: values.role });
    const signers = (role: string): string | null => {
      const auth = authorityFor(result.current, role);
      return auth ? describeAuthority(auth) : null;
    };
    if (values.json) {
      printJson(io, {
        event: result.event ? { dir: result.event.dir, id: result.event.id, kind: result.event.kind } : null,
        at: result.report.at,
        within: result.report.within,
        roles: result.roles.map((r) => ({ role: r.role, proof: r.proof, signers: signers(r.role) })),
        shortened: result.shortened,
      });
      return 0;
    }
    if (!result.event) {
      out(io, `Nothing expires within ${result.report.within} of ${result.report.at}; no event written.`);
      return 0;
    }
    const lines = [`Re-sign event written to ${result.event.dir} (event id ${result.event.id})`, ''];
    for (const r of result.roles) {
      lines.push(...describeResignProof(r.role, r.proof));
      const who = signers(r.role);
      if (who) lines.push(`  to be signed by ${who}`);
    }
    for (const s of result.shortened) lines.push(`warning: ${s}'s new expiry is earlier than its current one (the plan's period is shorter than what is left)`);
    lines.push('', ...signingSteps(eventDir, values.repo!));
    lines.push('After importing the bundle, the online service publishes the new versions with a new snapshot and timestamp.');
    out(io, lines.join('\n'));
    return 0;
  },
};
