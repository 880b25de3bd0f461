/** `tuf-ceremony event show`: what a signing event changes, and its digests as hex, words and QR codes. */
import { renderSummary, summarizeEvent } from '../../ceremony/event-summary.js';
import { Repository } from '../../ceremony/repository.js';
import { maintenanceDetails, maintenanceNotes } from '../../ceremony/resign-rotate-notes.js';
import type { SigningEvent } from '../../ceremony/event.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { renderFingerprint } from '../render-fingerprint.js';
import { eventArgument } from './event-status.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony event show <event> [--repo <state folder>] [--no-qr] [--all] [--json]

  --repo also checks that the event builds on the repository's current metadata.
  --all lists every delegation instead of the first 50 of each kind.`;

/** The summary with a QR code of each payload digest, for people comparing at different machines. */
export async function renderEventForPeople(event: SigningEvent, options: { qr: boolean; limit?: number }): Promise<string> {
  const summary = summarizeEvent(event);
  const parts = [renderSummary(summary, { limit: options.limit, digests: false }), ...maintenanceNotes(event), ''];
  for (const r of summary.roles) parts.push(await renderFingerprint(`${r.role} v${r.version} payload SHA-256 (${r.file}):`, r.payloadSha256, { qr: options.qr }));
  return parts.join('\n');
}

export const eventShowCommand: Command = {
  name: ['event', 'show'],
  summary: 'show what a signing event changes, who must sign, and the payload digests (hex, words, QR)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { repo: { type: 'string' }, 'no-qr': { type: 'boolean' }, all: { type: 'boolean' }, json: { type: 'boolean' } }, usage);
    const event = eventArgument(positionals, usage);
    const drift = values.repo ? event.driftFrom(Repository.open(values.repo)) : undefined;
    if (values.json) {
      printJson(io, { event: event.dir, ...summarizeEvent(event), ...maintenanceDetails(event), status: event.status(), repositoryCheck: drift === undefined ? null : { ok: drift.length === 0, problems: drift } });
    } else {
      out(io, await renderEventForPeople(event, { qr: !values['no-qr'] && io.interactive, limit: values.all ? Number.MAX_SAFE_INTEGER : 50 }));
      if (drift) out(io, drift.length === 0 ? `\nChecked against ${values.repo}: the event builds on its current metadata.` : `\nWARNING: the event does not build on ${values.repo} as it is now:\n${drift.map((d) => `  ✗ ${d}`).join('\n')}`);
    }
    return drift && drift.length > 0 ? 3 : 0;
  },
};
