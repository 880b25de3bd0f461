/** `tuf-ceremony event merge`: take the signatures from copies of the same event signed elsewhere. */
import { mergeEvents } from '../../ceremony/event-merge.js';
import { SigningEvent } from '../../ceremony/event.js';
import { Repository } from '../../ceremony/repository.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { renderStatus } from './event-status.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony event merge <event> <copy of the event>... [--repo <state folder>] [--json]

  Copies whose payload differs from <event> are refused; every signature taken is verified.`;

export const eventMergeCommand: Command = {
  name: ['event', 'merge'],
  summary: 'add the signatures from copies of a signing event carried back from other machines',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { repo: { type: 'string' }, json: { type: 'boolean' } }, usage);
    if (positionals.length < 2) throw new UsageError(`give the event and at least one copy\nusage: ${usage}`);
    const event = SigningEvent.load(positionals[0]!);
    const repo = values.repo ? Repository.open(values.repo) : undefined;
    const result = mergeEvents(event, positionals.slice(1), repo);
    const status = event.status();
    if (values.json) {
      printJson(io, { event: event.dir, id: event.id, ...result, status });
      return 0;
    }
    const lines = result.added.map((a) => `added ${a.role} v${a.version} signature of ${a.holder ?? a.keyid} from ${a.from}`);
    for (const a of result.alreadyPresent) lines.push(`already here: ${a.role} v${a.version} signature of ${a.holder ?? a.keyid} (in ${a.from})`);
    if (result.added.length === 0) lines.push('no new signatures in the copies');
    out(io, `${lines.join('\n')}\n\n${renderStatus(status)}`);
    return 0;
  },
};
