/** `tuf-ceremony event show`: what a signing event changes, and its digests as hex, words and QR codes. */
import { summarizeEvent } from '../../../ceremony/event-summary.js';
import { SigningEvent } from '../../../ceremony/event.js';
import { Repository } from '../../../ceremony/repository.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { maintenanceJson, renderEventForPeople, statusJson, summaryJson } from '../../render-event.js';
import type { show } from './declarations.js';

export const run: Run<typeof show> = async ({ values, positionals }, io) => {
  const event = SigningEvent.load(positionals[0]!);
  const drift = values.repo ? event.driftFrom(Repository.open(values.repo)) : undefined;
  const code = drift && drift.length > 0 ? 3 : 0;
  if (values.json) {
    printJson(io, {
      ...outcome(code, 'E_EVENT_DRIFT', `the event does not build on ${values.repo} as it is now: ${drift?.join('; ')}`),
      event: event.dir,
      ...summaryJson(summarizeEvent(event)),
      ...maintenanceJson(event),
      status: statusJson(event.status()),
      repository_check: drift === undefined ? null : { ok: drift.length === 0, problems: drift },
    });
  } else {
    out(io, await renderEventForPeople(event, { qr: !values['no-qr'] && io.interactive, limit: values.all ? Number.MAX_SAFE_INTEGER : 50 }));
    if (drift) {
      out(io, drift.length === 0 ? `\nChecked against ${values.repo}: the event builds on its current metadata.` : `\nWARNING: the event does not build on ${values.repo} as it is now:\n${drift.map((d) => `  ✗ ${d}`).join('\n')}`);
    }
  }
  return code;
};
