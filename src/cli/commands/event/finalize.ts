/** `tuf-ceremony event finalize`: verify a fully signed event as a client would, then write it. */
import { finalizeEvent } from '../../ceremony/event-finalize.js';
import { Repository } from '../../ceremony/repository.js';
import { parseInstant } from '../../tuf/time.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { eventArgument } from './event-status.js';
import type { Command } from './index.js';
import { renderReport } from './verify.js';

const usage = `tuf-ceremony event finalize <event> --repo <state folder> [--at <time>] [--json]

  Only when every threshold is met; verifies against the repository's own metadata and from its
  first root as a client would; writes N.<role>.json and never overwrites a version.`;

export const eventFinalizeCommand: Command = {
  name: ['event', 'finalize'],
  summary: 'verify a fully signed event as a client would and write it into the repository state',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { repo: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const event = eventArgument(positionals, usage);
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const result = finalizeEvent(repo, event, { at: values.at ? parseInstant(values.at) : undefined });
    if (values.json) printJson(io, { event: event.dir, id: event.id, written: result.written, report: result.report });
    else out(io, `${result.written.map((w) => `wrote ${w.path} (SHA-256 ${w.sha256})`).join('\n')}\n\nVerified as a client would:\n${renderReport(result.report)}`);
    return 0;
  },
};
