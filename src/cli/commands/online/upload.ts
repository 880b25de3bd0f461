/** `tuf-ceremony online upload`: a developer's upload, checked as upload check does, taken in for the next publish. */
import { OnlineState, takeUpload } from '../../../online/index.js';
import { checkProjectName } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { atOption } from '../../options.js';
import type { upload } from './declarations.js';

export const run: Run<typeof upload> = async ({ values, positionals }, io) => {
  const state = OnlineState.open(values.state);
  const project = values.project === undefined ? undefined : checkProjectName(values.project, '--project');
  const { verdict, written } = takeUpload(state, positionals[0]!, { at: atOption(values.at), project });
  const code = verdict.ok ? 0 : 3;
  if (values.json) {
    printJson(io, {
      ...outcome(code, 'E_UPLOAD_REFUSED', verdict.problems[0] ?? ''),
      project: verdict.project ?? null,
      chain: verdict.delegation?.chain ?? [],
      written,
      problems: verdict.problems,
    });
    return code;
  }
  if (!verdict.ok) {
    err(
      io,
      [`REFUSE: ${positionals[0]}; nothing was taken in`, ...verdict.problems.map((p) => `  refused: ${p}`)].join('\n'),
    );
    return code;
  }
  out(
    io,
    [
      `ACCEPT: ${positionals[0]} for ${verdict.project} (${verdict.delegation!.chain.join(' → ')})`,
      ...written.map((w) => `  added ${w}`),
      `Next: tuf-ceremony online publish --state ${values.state} --key <online key file> ...`,
    ].join('\n'),
  );
  return 0;
};
