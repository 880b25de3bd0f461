/** `tuf-ceremony bundle export`: the repository's signed metadata, roots and transcript to removable media. */
import { exportRepository } from '../../ceremony/repository-export.js';
import { Repository } from '../../ceremony/repository.js';
import { fingerprintWords } from '../../tuf/fingerprint-words.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { TOOL_VERSION } from '../main.js';
import { printDigest } from './bundle-shared.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony bundle export --repo <state folder> --to <folder> [--at <time>] [--json]

  --to  an existing folder (the medium: the bundle goes to <folder>/bundle-NNNNNN) or a new folder.
  Carries every N.root.json, the current version of every offline role and the transcript, with a
  manifest (bundle.json) whose SHA-256 is printed as hex, words and a QR code (also bundle.png).
  Never overwrites; on a full or read-only medium nothing is left under the bundle's name.
  --at  the time the metadata is verified at and the bundle is dated (default: now).`;

export const bundleExportCommand: Command = {
  name: ['bundle', 'export'],
  summary: 'write the signed metadata, every root and the transcript to a new bundle folder on removable media',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { repo: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, at: { type: 'string' } }, usage);
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const res = await exportRepository(repo, { to: required(values.to, '--to', usage), toolVersion: TOOL_VERSION, now: atOption(values.at) });
    if (values.json) {
      printJson(io, {
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
    out(io, res.newSinceLast.length ? `new since export ${res.previousSequence ?? '(none)'}: ${res.newSinceLast.join(', ')}` : `nothing new since export ${res.previousSequence}`);
    if (res.manifest.transcriptHead) out(io, `transcript head: ${res.manifest.transcriptHead}`);
    await printDigest(io, 'manifest', res.manifestSha256, true);
    out(io, 'The operator on the online side runs `tuf-ceremony bundle verify` and compares these words.');
    return 0;
  },
};
