/** `tuf-ceremony bundle export-online`: the online side's recently-claimed and current metadata for the offline machine. */
import { exportWithLog, onlineBundleFiles, onlineExportLog, settleExportLog } from '../../../bundle/index.js';
import { fingerprintWords } from '../../../tuf/model/index.js';
import { printDigest } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import { toolVersion } from '../../version.js';
import type { exportOnline } from './declarations.js';

export const run: Run<typeof exportOnline> = async ({ values }, io) => {
  const sel = onlineBundleFiles(values.from);
  const logPath = onlineExportLog(values.from, values.log, (line) => io.stderr.write(`${line}\n`));
  const now = atOption(values.at);
  const version = toolVersion();
  const plan = () => ({
    files: sel.files,
    baseRootVersion: sel.rootVersion,
    toolVersion: version,
    now,
    direction: 'online-to-offline' as const,
  });
  const res = await exportWithLog(logPath, values.to, plan, (line) => io.stderr.write(`${line}\n`));
  const sequence = res.sequence;
  settleExportLog(logPath, sequence, 'written');
  if (values.json) {
    printJson(io, {
      ok: true,
      bundle: res.dir,
      sequence,
      manifest_sha256: res.manifestSha256,
      manifest_words: fingerprintWords(res.manifestSha256),
      files: sel.files.map((f) => f.name),
    });
    return 0;
  }
  out(io, `online bundle ${sequence} written to ${res.dir} and read back: ${sel.files.map((f) => f.name).join(', ')}`);
  await printDigest(io, 'manifest', res.manifestSha256, true);
  return 0;
};
