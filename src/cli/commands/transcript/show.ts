/** `tuf-ceremony transcript show`: the transcript for people to read, print and initial. */
import { inspectTranscript, renderTranscript } from '../../../ceremony/state/index.js';
import { fingerprintWords } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { transcriptCheckJson, transcriptSource } from '../../transcript-file.js';
import type { show } from './declarations.js';

export const run: Run<typeof show> = async ({ values, positionals }, io) => {
  const { path, plan } = transcriptSource(values.repo, positionals);
  const { check, records } = inspectTranscript(path);
  const code = check.ok ? 0 : 3;
  if (values.json) {
    // The records are the file's own lines (docs/formats/transcript.md), already in their wire form.
    printJson(io, {
      ...outcome(code, 'E_TRANSCRIPT_BROKEN', `BROKEN at record ${check.brokenAt}: ${check.reason}`),
      path,
      check: transcriptCheckJson(check),
      head_words: check.head === undefined ? null : fingerprintWords(check.head),
      records,
    });
  } else {
    out(io, renderTranscript(records, check.head ?? '(chain broken)', plan));
    if (!check.ok) out(io, `BROKEN at record ${check.brokenAt}: ${check.reason}`);
  }
  return code;
};
