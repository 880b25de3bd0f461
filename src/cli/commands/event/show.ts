/** `tuf-ceremony event show`: what a signing event changes, and its digests as hex, words and QR codes. */
import { checkEventTrust, SigningEvent, summarizeEvent, untrustedRefusal } from '../../../ceremony/events/index.js';
import { Repository } from '../../../ceremony/state/index.js';
import { escapeLines, UsageError } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import {
  maintenanceJson,
  renderEventForPeople,
  renderRawDifferences,
  statusJson,
  summaryJson,
} from '../../render-event.js';
import type { show } from './declarations.js';

export const run: Run<typeof show> = async ({ values, positionals }, io) => {
  const event = SigningEvent.load(positionals[0]!);
  if (values.repo && values.root) throw new UsageError('give --repo or --root, not both');
  if (values.unverified && (values.repo || values.root))
    throw new UsageError('--unverified is the view without --repo or --root; give one or the other');
  const trust = values.repo
    ? { repo: Repository.open(values.repo) }
    : values.root
      ? { rootFile: values.root }
      : undefined;
  // The summary comes from trusted data only; the medium's own view only when asked for by name.
  if (!trust && !values.unverified)
    throw untrustedRefusal(
      'nothing is shown',
      "or --unverified to see what the medium's own base/ says, headed UNVERIFIED",
    );
  const check = trust ? checkEventTrust(event, trust) : undefined;
  const problems = check?.problems ?? [];
  const code = problems.length > 0 ? 3 : 0;
  if (values.json) {
    printJson(io, {
      ...outcome(
        code,
        'E_EVENT_DRIFT',
        `the event's base is not verified from ${check?.basis}: ${problems.join('; ')}`,
      ),
      event: event.dir,
      ...summaryJson(summarizeEvent(event)),
      ...maintenanceJson(event),
      status: statusJson(event.status()),
      repository_check: check === undefined ? null : { ok: problems.length === 0, basis: check.basis, problems },
    });
    return code;
  }
  if (problems.length > 0) {
    // A summary computed from a base that does not verify would show what the medium says changes.
    out(
      io,
      `The event's base is NOT verified from ${check!.basis}; no summary is shown:\n${escapeLines(problems.map((d) => `  ✗ ${d}`))}`,
    );
    return code;
  }
  if (values.raw) {
    if (!check) out(io, "UNVERIFIED: compared with the event's own base/; pass --repo or --root.");
    out(io, renderRawDifferences(event));
    return code;
  }
  out(
    io,
    check
      ? `Verified from ${check.basis}: the event builds on its current metadata.\n`
      : `UNVERIFIED: computed from the event's own base/, which anyone with the medium can ` +
          'forge; pass --repo <your repository copy> or --root <a root you trust>.\n',
  );
  out(
    io,
    await renderEventForPeople(event, {
      qr: !values['no-qr'] && io.interactive,
      limit: values.all ? Number.MAX_SAFE_INTEGER : 50,
      everyRole: values.all === true,
      // On a terminal it fits the screen; --all, a pipe or a file get every detail.
      screen: io.interactive && !values.all,
    }),
  );
  return code;
};
