/** `tuf-ceremony transcript verify`: the hash chain of the ceremony's record (docs/formats/transcript.md). */
import { inspectTranscript } from '../../../ceremony/state/index.js';
import { fingerprintLines } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { transcriptCheckJson, transcriptPath } from '../../transcript-file.js';
import type { verify } from './declarations.js';

export const run: Run<typeof verify> = async ({ values, positionals }, io) => {
  const path = transcriptPath(values.repo, positionals);
  const { check } = inspectTranscript(path);
  const message = check.ok
    ? `OK: ${path} holds ${check.records} record(s) in an unbroken chain; head ${check.head}`
    : `BROKEN at record ${check.brokenAt} of ${path}: ${check.reason} (${check.records} record(s) before it hold)`;
  const code = check.ok ? 0 : 3;
  if (values.json)
    printJson(io, { ...outcome(code, 'E_TRANSCRIPT_BROKEN', message), path, ...transcriptCheckJson(check) });
  else {
    out(io, message);
    // The head as people compare it with the printout they initialled.
    if (check.ok && check.head) out(io, fingerprintLines(check.head).join('\n'));
  }
  return code;
};
