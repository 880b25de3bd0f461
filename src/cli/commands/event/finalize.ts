/** `tuf-ceremony event finalize`: verify a fully signed event as a client would, then write it. */
import { finalizeEvent } from '../../../ceremony/event-finalize.js';
import { SigningEvent } from '../../../ceremony/event.js';
import { Repository } from '../../../ceremony/repository.js';
import { parseInstant } from '../../../tuf/time.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { renderReport, reportJson } from '../../render-report.js';
import type { finalize } from './declarations.js';

export const run: Run<typeof finalize> = async ({ values, positionals }, io) => {
  const event = SigningEvent.load(positionals[0]!);
  const repo = Repository.open(values.repo);
  const result = finalizeEvent(repo, event, { at: values.at ? parseInstant(values.at, '--at') : undefined });
  if (values.json) {
    const written = result.written.map((w) => ({ role: w.role, version: w.version, path: w.path, sha256: w.sha256 }));
    printJson(io, { ok: true, event: event.dir, id: event.id, written, report: reportJson(result.report) });
  } else out(io, `${result.written.map((w) => `wrote ${w.path} (SHA-256 ${w.sha256})`).join('\n')}\n\nVerified as a client would:\n${renderReport(result.report)}`);
  return 0;
};
