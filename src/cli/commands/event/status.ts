/** `tuf-ceremony event status`: have / need for every threshold of a signing event, and who is missing. */
import type { EventStatus } from '../../ceremony/event.js';
import { SigningEvent } from '../../ceremony/event.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

/** Exit code of `event status` while some threshold is not met yet (docs/formats/event.md). */
export const EVENT_INCOMPLETE_EXIT = 6;

const usage = `tuf-ceremony event status <event> [--json]

  Exit code 0 when every threshold is met, ${EVENT_INCOMPLETE_EXIT} while signatures are still missing.`;

export function renderStatus(status: EventStatus): string {
  const lines: string[] = [];
  for (const r of status.roles) {
    lines.push(`${r.role} v${r.version} (${r.file}): ${r.complete ? 'complete' : 'incomplete'}`);
    for (const t of r.thresholds) {
      const names = (list: typeof t.signed) => list.map((s) => s.holder ?? `${s.keyid.slice(0, 12)}…`).join(', ') || 'nobody';
      lines.push(`  ${t.met ? '✓' : '✗'} ${t.have} of ${t.threshold} needed from ${t.label}${t.met ? '' : `, ${t.need} more`}; signed: ${names(t.signed)}${t.met ? '' : `; not yet: ${names(t.missing)}`}`);
      if (t.bad.length) lines.push(`    bad signatures from: ${names(t.bad)}`);
    }
  }
  lines.push(status.complete ? 'Every threshold is met: ready for event finalize.' : `Still missing signatures; admins who can still sign: ${status.missingHolders.join(', ')}`);
  return lines.join('\n');
}

export function eventArgument(positionals: string[], usageText: string): SigningEvent {
  if (positionals.length !== 1) throw new UsageError(`give exactly one event folder\nusage: ${usageText}`);
  return SigningEvent.load(positionals[0]!);
}

export const eventStatusCommand: Command = {
  name: ['event', 'status'],
  summary: 'show have/need for every threshold of a signing event and who is missing',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
    const event = eventArgument(positionals, usage);
    const status = event.status();
    if (values.json) printJson(io, { event: event.dir, id: event.id, ...status });
    else out(io, renderStatus(status));
    return status.complete ? 0 : EVENT_INCOMPLETE_EXIT;
  },
};
