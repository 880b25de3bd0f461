/**
 * Which target a downloaded file is, when the caller does not say (`verify-download` without
 * `--target-path`). The convention of this tool's repositories (docs/pip.md, "Target paths"):
 * a project's files are `<project>/<file name>`, the project in PEP 503 normal form (the plan's
 * `project_paths: ["{project}/*"]`, `dev sign`'s layout). The project is read from the file name
 * (wheel and sdist naming rules), since PyPI's file URLs (`/packages/3a/7b/<hash>/<file>`) do not
 * carry it. A repository whose top-level patterns are the bare project name lists one target per
 * project: its simple page (PEP 480's test vector, Warehouse), checked with `--simple-page`.
 */
import { UsageError } from '../tuf/base/index.js';
import { isValidProjectName, normalizeProjectName } from '../tuf/model/index.js';
import { distributionProject } from './distribution-name.js';
import { targetPathComponents, targetPathOfUrl } from './downstream-checks.js';
import { isPlainFileName } from './simple-page.js';
import type { VerifiedFolder } from './verified-folder.js';

/**
 * The file name a download is known by: the URL's last path component, percent-decoded (pip's
 * `Link.filename`, the name pip download saves it under), or else the file's own name. A local
 * name pip would install from must be that name: pip install --find-links reads the project and
 * version from the local name, so a check made under another name vouches for nothing pip uses.
 */
export function downloadFileName(url: string | undefined, localName: string): string {
  const name = url === undefined ? localName : targetPathOfUrl(url, 1);
  if (!isPlainFileName(name)) throw new UsageError(`"${name}" is not a plain file name`);
  if (name !== localName && distributionProject(localName) !== undefined)
    throw new UsageError(`the file is named ${localName} but the URL names ${name}: pip installs it by its own name`);
  return name;
}

/**
 * The one project a distribution file name belongs to. A legacy sdist name that reads as two
 * projects (`foo-1.0-1.tar.gz`: `foo` 1.0-1, or `foo-1-0` 1) is refused: accepting whichever project's role lists the file would let the owner of one project
 * vouch for another's file. So is a name pip installs from but whose project cannot be read: the
 * target path would then come from the URL, which the download's host chooses.
 */
export function projectOfFile(fileName: string): string | undefined {
  const dist = distributionProject(fileName);
  if (!dist) return undefined;
  if (dist.projects.length === 0)
    throw new UsageError(
      `${fileName}: pip installs from a name like this, but not a well-formed ${dist.kind} name ` +
        '(ASCII, a valid project name, a PEP 440 version); give --target-path',
    );
  if (dist.projects.length > 1)
    throw new UsageError(
      `${fileName}: the name reads as a file of ${dist.projects.join(' or ')} (a legacy sdist name); give --target-path`,
    );
  return dist.projects[0];
}

/**
 * The target path of a downloaded file by the repository's convention (see above); `project`:
 * what projectOfFile read from the file name.
 */
export function defaultTargetPath(
  folder: VerifiedFolder,
  fileName: string,
  project: string | undefined,
  url: string | undefined,
): string {
  const n = targetPathComponents(folder);
  if (project !== undefined) {
    if (n === 1)
      throw new UsageError(
        `the repository lists each project as one target, its simple page: give --simple-page with the page of ${project}`,
      );
    // No patterns (hash bins, succinct bins: TAP 15, PEP 458) or `{project}/*`.
    if (n === undefined || n === 2) return `${project}/${fileName}`;
    throw new UsageError(
      `the repository's target paths have ${n} components, not <project>/<file>; give --target-path`,
    );
  }
  if (n === undefined || url === undefined)
    throw new UsageError(
      `${fileName} is not a wheel or sdist name, and the repository's path patterns do not say how many URL components form a target path; give --target-path`,
    );
  // Not a distribution (a simple page, another file): the URL's last components, the first being
  // the project (`{project}` or `{project}/*`), which is delegated under its normal name.
  const [first, ...rest] = targetPathOfUrl(url, n).split('/') as [string, ...string[]];
  return [isValidProjectName(first) ? normalizeProjectName(first) : first, ...rest].join('/');
}
