/** `tuf-ceremony event status`: have / need for every threshold of a signing event, and who is missing. */
import { SigningEvent } from '../../../ceremony/events/index.js';
import type { Run } from '../../declaration.js';
import { eventStatusExitCode } from '../../exit-codes.js';
import { out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { renderStatus, statusJson } from '../../render-event.js';
import type { status as declaration } from './declarations.js';

export const run: Run<typeof declaration> = async ({ values, positionals }, io) => {
  const event = SigningEvent.load(positionals[0]!);
  const status = event.status();
  const code = eventStatusExitCode(status.complete);
  if (values.json) {
    const message = `signatures still missing; admins who can still sign: ${status.missingHolders.join(', ')}`;
    printJson(io, {
      ...outcome(code, 'E_EVENT_INCOMPLETE', message),
      event: event.dir,
      id: event.id,
      ...statusJson(status),
    });
  } else out(io, renderStatus(status));
  return code;
};
