/** `tuf-ceremony claim`: take in developer delegation requests and propose the next claimed version. */
import { claimFromRequests, intakeReportJson, renderIntakeReport } from '../../ceremony/claims/index.js';
import { recordingFailure, Repository } from '../../ceremony/state/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { atOption } from '../options.js';
import { progressBar } from '../progress.js';
import type { claim } from './declarations.js';

export const run: Run<typeof claim> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal or failure is recorded too (docs/formats/transcript.md, "Refusals and failures").
  const result = await recordingFailure(repo.dir, { step: 'claim', details: { folder: values.event } }, () =>
    claimFromRequests(repo, {
      requestsDir: values.requests,
      recentlyClaimedPath: values['recently-claimed'],
      noOnlineCheck: values['no-online-check'],
      allowRekey: values['allow-rekey'] === true,
      at: atOption(values.at),
      eventDir: values.event,
      onProgress: progressBar(io, 'reading requests'),
    }),
  );
  if (values.json) {
    const event = result.event ? { dir: result.event.dir, id: result.event.id } : null;
    printJson(io, { ok: true, ...intakeReportJson(result.intake, { requests_sha256: result.requestsSha256, event }) });
    return 0;
  }
  const lines = [renderIntakeReport(result.intake), ''];
  if (result.event) {
    lines.push(`Signing event written to ${result.event.dir} (event id ${result.event.id}).`);
    lines.push(
      `Next: tuf-ceremony event show ${values.event}; each claimed key holder runs ` +
        `tuf-ceremony event sign ${values.event}; then tuf-ceremony event finalize ` +
        `${values.event} --repo ${values.repo}`,
    );
  } else lines.push('No signing event written.');
  out(io, lines.join('\n'));
  return 0;
};
