/** `tuf-ceremony transcript note`: the scribe's note, chained into the transcript. */
import { appendNote, Repository } from '../../../ceremony/state/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import type { note } from './declarations.js';

export const run: Run<typeof note> = async ({ values, positionals }, io) => {
  const repo = Repository.open(values.repo);
  const record = appendNote(repo.dir, {
    text: positionals[0]!,
    by: values.by,
    at: values.at === undefined ? undefined : atOption(values.at),
  });
  if (values.json) printJson(io, { ok: true, seq: record.seq, time: record.time, hash: record.hash });
  else out(io, `Note recorded as record #${record.seq} (${record.time}).`);
  return 0;
};
