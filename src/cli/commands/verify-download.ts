/**
 * `tuf-ceremony verify-download`: the interface asked of pip's download hook. In: a downloaded
 * file and the URL it came from. Out: exit 0 to accept; non-zero to reject, the reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { checkDownload, targetPathComponents, targetPathOfUrl, VerifiedFolder } from '../../bundle/index.js';
import { UsageError } from '../../tuf/base/index.js';
import type { Run } from '../declaration.js';
import { err, out, printJson } from '../io.js';
import { outcome } from '../json-output.js';
import { atOption } from '../options.js';
import type { verifyDownload } from './declarations.js';

export const run: Run<typeof verifyDownload> = async ({ values, positionals }, io) => {
  const [file, url] = positionals as [string, string];
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const folder = VerifiedFolder.open(values.metadata, values.root, atOption(values.at), { state: values.state });
  let targetPath = values['target-path'];
  if (targetPath === undefined) {
    const n = targetPathComponents(folder);
    if (n === undefined)
      throw new UsageError(
        "the repository's target path patterns do not say how many URL components form a target path; give --target-path",
      );
    targetPath = targetPathOfUrl(url, n);
  }
  const res = checkDownload(folder, bytes, targetPath);
  const code = res.ok ? 0 : 3;
  if (values.json) {
    printJson(io, {
      ...outcome(code, 'E_DOWNLOAD_REJECTED', `rejected ${file}: ${res.reason}`),
      file,
      url,
      target_path: res.targetPath,
      role: res.role ?? null,
      chain: res.chain,
      length: res.length ?? null,
      hashes: res.hashes ?? null,
      reason: res.reason ?? null,
    });
  }
  if (!res.ok) {
    err(io, `tuf-ceremony verify-download: rejected ${file}: ${res.reason}`);
    return code;
  }
  if (!values.json)
    out(
      io,
      `OK: ${file} is ${res.targetPath} as listed by ${res.role} (${res.chain.join(' → ')}), ${res.length} bytes, ${Object.keys(res.hashes!).join(', ')} match`,
    );
  return 0;
};
