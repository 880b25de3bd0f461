/** `tuf-ceremony event finalize`: verify a fully signed event as a client would, then write it. */
import { finalizeEvent, SigningEvent } from '../../../ceremony/events/index.js';
import { recordingFailure, Repository } from '../../../ceremony/state/index.js';
import { countOf, LIST_SHOWN, parseInstant } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { renderReport, reportJson } from '../../render-report.js';
import type { finalize } from './declarations.js';

export const run: Run<typeof finalize> = async ({ values, positionals }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal (a threshold not met, a result that does not verify) is recorded too
  // (docs/formats/transcript.md, "Refusals and failures").
  const { event, result } = await recordingFailure(
    repo.dir,
    { step: 'event-finalize', details: { folder: positionals[0]! } },
    () => {
      const event = SigningEvent.load(positionals[0]!);
      return {
        event,
        result: finalizeEvent(repo, event, { at: values.at ? parseInstant(values.at, '--at') : undefined }),
      };
    },
  );
  if (values.json) {
    const written = result.written.map((w) => ({ role: w.role, version: w.version, path: w.path, sha256: w.sha256 }));
    printJson(io, { ok: true, event: event.dir, id: event.id, written, report: reportJson(result.report) });
  } else {
    // A 10k claim into 2^10 bins writes a thousand files: the first few by name, all with --json.
    const shown = result.written.slice(0, LIST_SHOWN).map((w) => `wrote ${w.path} (SHA-256 ${w.sha256})`);
    if (result.written.length > LIST_SHOWN)
      shown.push(`… and ${countOf(result.written.length - LIST_SHOWN)} more files written (--json lists every one)`);
    out(io, `${shown.join('\n')}\n\nVerified as a client would:\n${renderReport(result.report)}`);
  }
  return 0;
};
