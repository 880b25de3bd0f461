/** `tuf-ceremony self-check`: the installed release against its MANIFEST (docs/release.md). */
import { checkRelease, installRoot, releaseCheckError } from '../../ceremony/release-check.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { renderFingerprint } from '../render-fingerprint.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony self-check [--root <unpacked release>] [--json]

  Checks every file of the installed release (default: the one this command runs from) against
  its MANIFEST, loads the PKCS#11 addon, and prints the MANIFEST's SHA-256 (the release digest)
  for two people to compare with the published SHA256SUMS. Exit 0 when everything matches, 3
  naming the first file that differs.`;

export const selfCheckCommand: Command = {
  name: ['self-check'],
  summary: 'check the installed release against its MANIFEST and print its digest to compare with SHA256SUMS',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const check = checkRelease(values.root ?? installRoot());
    const failure = releaseCheckError(check);
    if (values.json) printJson(io, check);
    else {
      const lines = [
        `tuf-ceremony ${check.tool.version} installed in ${check.root}`,
        await renderFingerprint('release digest (SHA-256 of MANIFEST; compare with SHA256SUMS):', check.manifestSha256, { qr: false }),
        `Node.js ${check.runtime.node} (N-API ${check.runtime.napi}, ${check.runtime.platform}-${check.runtime.arch}), OpenSSL ${check.runtime.openssl}`,
        `addon ${check.addon.name} ${check.addon.version}: ${check.addon.loads ? 'loads' : `does not load (${check.addon.error})`}`,
        `${check.files} file(s) in the MANIFEST; ${check.differences.length === 0 ? 'every one matches, and no other file is present' : `${check.differences.length} difference(s)`}`,
      ];
      out(io, lines.join('\n'));
    }
    if (failure) throw failure;
    return 0;
  },
};
