/**
 * `tuf-ceremony verify-download`: the interface asked of pip's download hook. In: a downloaded
 * file and the URL it came from. Out: exit 0 to accept; non-zero to reject, the reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { checkDownload, targetPathComponents, targetPathOfUrl } from '../../bundle/downstream-checks.js';
import { VerifiedFolder } from '../../bundle/verified-folder.js';
import { UsageError } from '../../tuf/errors.js';
import { parse, required } from '../args.js';
import { err, out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony verify-download <file> <url> --metadata <folder> --root <trusted N.root.json> [--target-path <path>] [--at <time>] [--json]

  The target path is the URL path's last components, as many as the repository's target path
  patterns have (the plan's project_paths, as published in targets), or --target-path.
  The role trusted for it is found through the delegation chain (terminating delegations end the
  search), and the file's length and every listed hash must match. Exit 0: accept; 3: reject.`;

export const verifyDownloadCommand: Command = {
  name: ['verify-download'],
  summary: "for pip's download hook: accept (exit 0) or reject (exit 3, reason on stderr) a downloaded file by the trusted metadata",
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { metadata: { type: 'string' }, root: { type: 'string' }, 'target-path': { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 2) throw new UsageError(`give the downloaded file and its URL\nusage: ${usage}`);
    const [file, url] = positionals as [string, string];
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
    }
    const folder = VerifiedFolder.open(required(values.metadata, '--metadata', usage), required(values.root, '--root', usage), atOption(values.at));
    let targetPath = values['target-path'];
    if (targetPath === undefined) {
      const n = targetPathComponents(folder);
      if (n === undefined) throw new UsageError('the repository\'s target path patterns do not say how many URL components form a target path; give --target-path');
      targetPath = targetPathOfUrl(url, n);
    }
    const res = checkDownload(folder, bytes, targetPath);
    if (values.json) printJson(io, { ok: res.ok, file, url, target_path: res.targetPath, role: res.role ?? null, chain: res.chain, length: res.length ?? null, hashes: res.hashes ?? null, reason: res.reason ?? null });
    if (!res.ok) {
      err(io, `tuf-ceremony verify-download: rejected ${file}: ${res.reason}`);
      return 3;
    }
    if (!values.json) out(io, `OK: ${file} is ${res.targetPath} as listed by ${res.role} (${res.chain.join(' → ')}), ${res.length} bytes, ${Object.keys(res.hashes!).join(', ')} match`);
    return 0;
  },
};
