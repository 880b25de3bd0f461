/** `tuf-ceremony event merge`: take the signatures from copies of the same event signed elsewhere. */
import { type MergedSignature, mergeEvents, SigningEvent } from '../../../ceremony/events/index.js';
import { escapeLines } from '../../../tuf/base/index.js';
import { recordingFailure, Repository } from '../../../ceremony/state/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { renderStatus, statusJson } from '../../render-event.js';
import type { merge } from './declarations.js';

const mergedJson = (a: MergedSignature) => ({
  from: a.from,
  role: a.role,
  version: a.version,
  keyid: a.keyid,
  holder: a.holder ?? null,
});

export const run: Run<typeof merge> = async ({ values, positionals }, io) => {
  const repo = values.repo ? Repository.open(values.repo) : undefined;
  const merge = () => {
    const event = SigningEvent.load(positionals[0]!);
    return { event, result: mergeEvents(event, positionals.slice(1), repo) };
  };
  // With --repo, a refused copy is recorded too (docs/formats/transcript.md, "Refusals and failures").
  const { event, result } = repo
    ? await recordingFailure(repo.dir, { step: 'event-merge', details: { folder: positionals[0]! } }, merge)
    : merge();
  const status = event.status();
  if (values.json) {
    printJson(io, {
      ok: true,
      event: event.dir,
      id: event.id,
      added: result.added.map(mergedJson),
      already_present: result.alreadyPresent.map(mergedJson),
      status: statusJson(status),
    });
    return 0;
  }
  const lines = result.added.map(
    (a) => `added ${a.role} v${a.version} signature of ${a.holder ?? a.keyid} from ${a.from}`,
  );
  for (const a of result.alreadyPresent)
    lines.push(`already here: ${a.role} v${a.version} signature of ${a.holder ?? a.keyid} (in ${a.from})`);
  if (result.added.length === 0) lines.push('no new signatures in the copies');
  out(io, `${escapeLines(lines)}\n\n${renderStatus(status)}`);
  return 0;
};
