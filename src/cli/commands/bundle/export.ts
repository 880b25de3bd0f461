/** `tuf-ceremony bundle export`: the repository's signed metadata, roots and transcript to removable media. */
import { fingerprintLines, fingerprintWords } from '../../../tuf/model/index.js';
import { exportRepository, recordingFailure, Repository } from '../../../ceremony/state/index.js';
import { LIST_SHOWN, someOf } from '../../../tuf/base/index.js';
import { printDigest } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import { toolVersion } from '../../version.js';
import type { exportBundle } from './declarations.js';

export const run: Run<typeof exportBundle> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  // A refusal or failure (an unverified repository, a faulty medium) is recorded too
  // (docs/formats/transcript.md, "Refusals and failures").
  const res = await recordingFailure(repo.dir, { step: 'bundle-export', details: { to: values.to } }, () =>
    exportRepository(repo, { to: values.to, toolVersion: toolVersion(), now: atOption(values.at) }),
  );
  if (values.json) {
    printJson(io, {
      ok: true,
      bundle: res.dir,
      sequence: res.sequence,
      manifest_sha256: res.manifestSha256,
      manifest_words: fingerprintWords(res.manifestSha256),
      transcript_head: res.manifest.transcriptHead ?? null,
      files: [...res.manifest.files].map(([name, e]) => ({ name, length: e.length, sha256: e.sha256 })),
      new_since_last_export: res.newSinceLast,
    });
    return 0;
  }
  out(io, `bundle ${res.sequence} written to ${res.dir} and read back: ${res.manifest.files.size} files`);
  out(
    io,
    res.newSinceLast.length
      ? `new since export ${res.previousSequence ?? '(none)'}: ${someOf(res.newSinceLast)}` +
          (res.newSinceLast.length > LIST_SHOWN ? ' (--json lists every file)' : '')
      : `nothing new since export ${res.previousSequence}`,
  );
  // The head the people in the room initial on the printed transcript, in the form they compare.
  if (res.manifest.transcriptHead)
    out(io, ['transcript head:', ...fingerprintLines(res.manifest.transcriptHead)].join('\n'));
  await printDigest(io, 'manifest', res.manifestSha256, true);
  out(io, 'The operator on the online side runs `tuf-ceremony bundle verify` and compares these words.');
  return 0;
};
