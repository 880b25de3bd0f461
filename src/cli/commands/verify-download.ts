/**
 * `tuf-ceremony verify-download`: pip has no hook for a TUF check, so a file is checked after it is
 * downloaded (docs/pip.md: `pip download`, this command on every file, then `pip install
 * --no-index`). In: a downloaded file, and the URL it came from or the project's simple page.
 * Out: exit 0 to accept; 3 to reject, the reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  checkAgainstSimplePage,
  checkDownload,
  defaultTargetPath,
  downloadFileName,
  projectOfFile,
  VerifiedFolder,
} from '../../bundle/index.js';
import { UsageError } from '../../tuf/base/index.js';
import type { Run } from '../declaration.js';
import { err, out, printJson } from '../io.js';
import { outcome } from '../json-output.js';
import { atOption } from '../options.js';
import type { verifyDownload } from './declarations.js';

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
}

export const run: Run<typeof verifyDownload> = async ({ values, positionals }, io) => {
  const [file, url] = positionals as [string, string | undefined];
  const bytes = readInput(file);
  const pagePath = values['simple-page'];
  const page = pagePath === undefined ? undefined : readInput(pagePath);
  const fileName = downloadFileName(url, basename(file));
  // Warehouse's model needs the project; the file name is the only trustworthy place for it. An
  // explicit --target-path without a page needs none (a legacy name with two readings included).
  const targetGiven = values['target-path'];
  const project = page || targetGiven === undefined ? projectOfFile(fileName) : undefined;
  if (page && project === undefined)
    throw new UsageError(`${fileName} is not a wheel or sdist name: no project to take the simple page of`);
  const folder = VerifiedFolder.open(values.metadata, values.root, atOption(values.at), { state: values.state });
  const targetPath = targetGiven ?? (page ? project! : defaultTargetPath(folder, fileName, project, url));
  // With a page, the TUF target is the page (PEP 458 as Warehouse runs it), and the file is checked against it.
  const res = checkDownload(folder, page ?? bytes, targetPath);
  const listed =
    page && res.ok
      ? checkAgainstSimplePage(page, project!, fileName, bytes, {
          allowYanked: values['allow-yanked'] === true,
        })
      : undefined;
  const ok = res.ok && (listed?.ok ?? true);
  let reason: string | undefined;
  if (!res.ok) reason = page ? `the simple page ${pagePath}: ${res.reason}` : res.reason;
  else if (listed && !listed.ok) reason = listed.reason;
  const code = ok ? 0 : 3;
  if (values.json) {
    printJson(io, {
      ...outcome(code, 'E_DOWNLOAD_REJECTED', `rejected ${file}: ${reason}`),
      file,
      url: url ?? null,
      file_name: fileName,
      project: project ?? null,
      simple_page: pagePath ?? null,
      target_path: res.targetPath,
      role: res.role ?? null,
      chain: res.chain,
      length: res.length ?? null,
      hashes: res.hashes ?? null,
      file_hashes: listed?.hashes ?? null,
      reason: reason ?? null,
    });
  }
  if (!ok) {
    err(io, `tuf-ceremony verify-download: rejected ${file}: ${reason}`);
    return code;
  }
  if (!values.json) {
    const target = `${res.targetPath} as listed by ${res.role} (${res.chain.join(' → ')}), ${res.length} bytes, ${Object.keys(res.hashes!).join(', ')} match`;
    out(
      io,
      listed?.ok
        ? `OK: ${file} is ${fileName} with the ${Object.keys(listed.hashes).join(', ')} listed by the simple page of ${project}, which is ${target}`
        : `OK: ${file} is ${target}`,
    );
  }
  return 0;
};
