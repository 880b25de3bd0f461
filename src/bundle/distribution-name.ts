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

/**
 * Every archive suffix pip 23 installs from (`pip._internal.utils.filetypes`, compared as written):
 * the sdist specification allows `.tar.gz` only and PEP 527 `.zip`, but pip takes a file of
 * project X from any of these, so each must name its project here too (else the URL would).
 */
const SDIST_SUFFIXES = [
  '.tar.gz',
  '.zip',
  '.tgz',
  '.tar',
  '.tar.bz2',
  '.tbz',
  '.tar.xz',
  '.txz',
  '.tlz',
  '.tar.lz',
  '.tar.lzma',
];

export interface DistributionName {
  kind: 'wheel' | 'sdist';
  /**
   * Every PEP 503 normal project name pip may read the file name as: one for a well-formed name,
   * more for a legacy sdist, none when pip installs from the name but no project is safely read.
   */
  projects: string[];
}

/**
 * The project of a wheel or sdist file name, or undefined when pip would not install from the name.
 *
 * Wheel (binary distribution format; PEP 427): `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
 * `-` in the name escaped as `_`: the name is the part before the first `-`.
 * Sdist (source distribution format): `{name}-{version}.tar.gz`. Current tools write the name
 * with `_`, but legacy files may hold `-` in the name (`foo-bar-1.0.tar.gz`): every split whose
 * right side is a PEP 440 version is a reading, and the caller refuses a name with more than one.
 * (pip 23 also reads `foo` at LegacyVersion `bar-1.0`, but drops such a version unless the
 * requirement names that very string, `foo==bar-1.0`.)
 * A non-ASCII name reads as nothing: pip lowercases with Python's `str.lower`, which maps some
 * non-ASCII letters to ASCII ones (U+212A KELVIN SIGN to `k`), so `\u212Aeras` is `keras` to pip.
 */
export function distributionProject(fileName: string): DistributionName | undefined {
  // No file system keeps a longer name (one from a URL would cost a scan per "-"): it reads as nothing.
  const ascii = fileName.length <= MAX_FILE_NAME && /^[\x21-\x7e]*$/.test(fileName);
  if (fileName.endsWith('.whl')) {
    const parts = fileName.slice(0, -'.whl'.length).split('-');
    const [name, version] = parts as [string, string | undefined];
    const ok =
      ascii &&
      (parts.length === 5 || parts.length === 6) &&
      isValidProjectName(name) &&
      PEP440_VERSION.test(version ?? '');
    return { kind: 'wheel', projects: ok ? [normalizeProjectName(name)] : [] };
  }
  const suffix = SDIST_SUFFIXES.find((s) => fileName.endsWith(s));
  if (suffix === undefined) return undefined;
  const stem = fileName.slice(0, -suffix.length);
  // pip needs a `-` after the name and a version after it; without one it installs nothing from the name.
  if (!/^[^-]+-.+$/s.test(stem)) return undefined;
  const projects = new Set<string>();
  for (let i = stem.indexOf('-'); ascii && i > 0 && i < stem.length - 1; i = stem.indexOf('-', i + 1)) {
    const name = stem.slice(0, i);
    if (isValidProjectName(name) && PEP440_VERSION.test(stem.slice(i + 1))) projects.add(normalizeProjectName(name));
  }
  return { kind: 'sdist', projects: [...projects] };
}
