/**
 * The project a distribution file belongs to, from its file name alone, so that a download from
 * a URL that does not carry the project (PyPI's `packages/3a/7b/<hash>/<file>`) still finds its
 * target. Pure; no I/O.
 */
import { isValidProjectName, normalizeProjectName } from '../tuf/model/index.js';

/** PEP 440 version, as `packaging.version.VERSION_PATTERN` accepts it (public part, then local). */
const PEP440_VERSION = new RegExp(
  '^v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*' +
    '(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?' +
    '(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?' +
    '(?:[-_.]?dev[-_.]?[0-9]*)?' +
    '(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$',
  'i',
);

const MAX_FILE_NAME = 255;

/** Source distribution suffixes: `.tar.gz` (the sdist specification), `.zip` (PEP 527 still accepts it). */
const SDIST_SUFFIXES = ['.tar.gz', '.zip'];

export interface DistributionName {
  kind: 'wheel' | 'sdist';
  /** Every PEP 503 normal project name the file name can be read as; more than one only for a legacy sdist. */
  projects: string[];
}

/**
 * The project of a wheel or sdist file name, or undefined when the name is neither.
 *
 * Wheel (binary distribution format; PEP 427): `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
 * `-` in the name escaped as `_`: the name is the part before the first `-`.
 * Sdist (source distribution format): `{name}-{version}.tar.gz`. Current tools write the name
 * with `_`, but legacy files may hold `-` in the name (`foo-bar-1.0.tar.gz`): every split whose
 * right side is a PEP 440 version is a reading, and the caller refuses a name with more than one.
 */
export function distributionProject(fileName: string): DistributionName | undefined {
  // No file system keeps a longer name; a longer one (from a URL) would cost a scan per "-".
  if (fileName.length > MAX_FILE_NAME) return undefined;
  if (fileName.endsWith('.whl')) {
    const parts = fileName.slice(0, -'.whl'.length).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    const [name, version] = parts as [string, string];
    if (!isValidProjectName(name) || !PEP440_VERSION.test(version)) return undefined;
    return { kind: 'wheel', projects: [normalizeProjectName(name)] };
  }
  const suffix = SDIST_SUFFIXES.find((s) => fileName.endsWith(s));
  if (suffix === undefined) return undefined;
  const stem = fileName.slice(0, -suffix.length);
  const projects = new Set<string>();
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const name = stem.slice(0, i);
    if (isValidProjectName(name) && PEP440_VERSION.test(stem.slice(i + 1))) projects.add(normalizeProjectName(name));
  }
  return projects.size ? { kind: 'sdist', projects: [...projects] } : undefined;
}
