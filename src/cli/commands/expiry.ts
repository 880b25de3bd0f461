/** `tuf-ceremony expiry`: what expires when, and who must sign the renewal; exit code for reminders. */
import { computeExpiry, EXPIRY_EXIT_CODES, renderExpiry } from '../../ceremony/expiry.js';
import { loadCurrentRoles } from '../../ceremony/expiry-signers.js';
import { Repository } from '../../ceremony/repository.js';
import { parseDuration, parseInstant } from '../../tuf/time.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony expiry --repo <state folder> [--within <30d>] [--at <time>] [--json]

  --within  the renewal window (default: the plan's expiry_warning)
  --at      the time to compute against (default: now), e.g. 2026-05-01 or 2026-05-01T12:00:00Z

Exit codes (for a reminder job):
  ${EXPIRY_EXIT_CODES.ok}   nothing expires within the window
  ${EXPIRY_EXIT_CODES.due}  a role expires within the window: prepare a re-sign (tuf-ceremony resign)
  ${EXPIRY_EXIT_CODES.expired}  a role has already expired: clients refuse it now
  2-5 and 1 as for every command (usage, verification, token, refused, internal)`;

/** Parse `--within`, or undefined to use the plan's margin. */
export function withinOption(text: string | undefined): { text: string; seconds: number } | undefined {
  return text === undefined ? undefined : { text, seconds: parseDuration(text, '--within') };
}

export function atOption(text: string | undefined): Date {
  return text === undefined ? new Date() : parseInstant(text, '--at');
}

export const expiryCommand: Command = {
  name: ['expiry'],
  summary: 'report every offline role with its expiry, days left and the signers a renewal needs (exit 10/11 when due)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { repo: { type: 'string' }, within: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const report = computeExpiry(loadCurrentRoles(repo), repo.plan(), { at: atOption(values.at), within: withinOption(values.within) });
    if (values.json) printJson(io, report);
    else out(io, renderExpiry(report));
    return report.exitCode;
  },
};
