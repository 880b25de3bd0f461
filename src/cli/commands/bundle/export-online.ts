/** `tuf-ceremony bundle export-online`: the online side's recently-claimed and current metadata for the offline machine. */
import { join } from 'node:path';
import { settleExportLog } from '../../bundle/export-log.js';
import { exportWithLog } from '../../bundle/export.js';
import { onlineBundleFiles } from '../../bundle/online-files.js';
import { fingerprintWords } from '../../tuf/fingerprint-words.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { TOOL_VERSION } from '../main.js';
import { printDigest } from './bundle-shared.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

export const ONLINE_LOG_NAME = '.tuf-ceremony-exports.json';

const usage = `tuf-ceremony bundle export-online --from <online metadata folder> --to <folder> [--log <file>] [--at <time>] [--json]

  Carries every N.root.json, the current targets and recently-claimed, the snapshot the timestamp
  names and timestamp.json. The sequence comes from the export log (default
  <from>/${ONLINE_LOG_NAME}). The offline side verifies it with \`bundle import --repo\`.`;

export const bundleExportOnlineCommand: Command = {
  name: ['bundle', 'export-online'],
  summary: 'on the online side: write recently-claimed and the current metadata to a bundle for the offline machine',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, log: { type: 'string' }, json: { type: 'boolean' }, at: { type: 'string' } }, usage);
    const from = required(values.from, '--from', usage);
    const to = required(values.to, '--to', usage);
    const logPath = values.log ?? join(from, ONLINE_LOG_NAME);
    const sel = onlineBundleFiles(from);
    const now = atOption(values.at);
    const res = await exportWithLog(logPath, to, () => ({ files: sel.files, baseRootVersion: sel.rootVersion, toolVersion: TOOL_VERSION, now, direction: 'online-to-offline' }), (line) => io.stderr.write(`${line}\n`));
    const sequence = res.sequence;
    settleExportLog(logPath, sequence, 'written');
    if (values.json) {
      printJson(io, { bundle: res.dir, sequence, manifest_sha256: res.manifestSha256, manifest_words: fingerprintWords(res.manifestSha256), files: sel.files.map((f) => f.name) });
      return 0;
    }
    out(io, `online bundle ${sequence} written to ${res.dir} and read back: ${sel.files.map((f) => f.name).join(', ')}`);
    await printDigest(io, 'manifest', res.manifestSha256, true);
    return 0;
  },
};
