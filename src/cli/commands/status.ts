/** `tuf-ceremony status`: the repository at a glance. */
import { repositoryStatus } from '../../ceremony/lifecycle/index.js';
import { Repository } from '../../ceremony/state/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { outcome } from '../json-output.js';
import { atOption } from '../options.js';
import { renderStatus, statusJson } from '../render-status.js';
import type { status } from './declarations.js';

export const run: Run<typeof status> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  const s = repositoryStatus(repo, { at: atOption(values.at) });
  const code = s.transcript.ok ? 0 : 3;
  if (values.json)
    printJson(io, {
      ...outcome(
        code,
        'E_TRANSCRIPT_BROKEN',
        `transcript BROKEN at record ${s.transcript.brokenAt}: ${s.transcript.reason}`,
      ),
      ...statusJson(s),
    });
  else out(io, renderStatus(s, values['all-keys'] === true));
  return code;
};
