/** `tuf-ceremony event merge`: take the signatures from copies of the same event signed elsewhere. */
import { type MergedSignature, mergeEvents, SigningEvent } from '../../../ceremony/events/index.js';
import { countOf, escapeLines, someOf } from '../../../tuf/base/index.js';
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

/**
 * One line per copy and signer: a copy signed by one admin holds a signature on every role of the
 * event (thousands with a sharded claimed role), and --json lists each of them. A copy that is
 * not this event is refused whole before anything is taken (event-merge.ts).
 */
function bySigner(list: MergedSignature[]): Array<{ from: string; what: string }> {
  const groups = new Map<string, { from: string; who: string; roles: string[] }>();
  for (const a of list) {
    const who = a.holder ?? a.keyid;
    const key = JSON.stringify([a.from, who]);
    const g = groups.get(key) ?? { from: a.from, who, roles: [] };
    g.roles.push(`${a.role} v${a.version}`);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    from: g.from,
    what: `${countOf(g.roles.length)} signature${g.roles.length === 1 ? '' : 's'} of ${g.who} (${someOf(g.roles, 3)})`,
  }));
}

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
  const lines = [
    ...bySigner(result.added).map((g) => `added ${g.what} from ${g.from}`),
    ...bySigner(result.alreadyPresent).map((g) => `already here: ${g.what} (in ${g.from})`),
  ];
  if (result.added.length === 0) lines.push('no new signatures in the copies');
  out(io, `${escapeLines(lines)}\n\n${renderStatus(status)}`);
  return 0;
};
