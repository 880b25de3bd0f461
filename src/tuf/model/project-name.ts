/**
 * Python package (project) names. PEP 480 names each project's delegated role after the project,
 * so two spellings of one project must map to one role: names are compared in the normal form of
 * PEP 503 ("lowercase, runs of `-`, `_` and `.` become one `-`"). Pure; no I/O.
 */
import { FormatError } from '../base/errors.js';

/** Core metadata's valid name (PEP 508 "Names"): ASCII letters and digits, `.`, `_`, `-` inside. */
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/**
 * Longest name accepted. PEP 508 sets no limit, but the role file `N.<name>.json` must fit in a
 * file name (255 bytes on common file systems) with room for a version number.
 */
export const MAX_PROJECT_NAME_LENGTH = 200;

/** PEP 503 normalization: `re.sub(r"[-_.]+", "-", name).lower()`. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Whether `name` is a valid PEP 508 name (of any length). */
export function isValidProjectName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** Whether `name` is already in PEP 503 normal form. */
export function isNormalizedProjectName(name: string): boolean {
  return normalizeProjectName(name) === name;
}

/**
 * Check a project name as written and return its normal form. Refuses (FormatError naming
 * `field`) anything that is not a valid PEP 508 name, so that a normalized name only holds
 * `a-z`, `0-9` and single inner `-`: no character that means something in a TUF path pattern.
 */
export function checkProjectName(name: string, field = 'project'): string {
  if (name.length === 0) throw new FormatError(field, 'the project name is empty');
  if (name.length > MAX_PROJECT_NAME_LENGTH)
    throw new FormatError(field, `the project name is longer than ${MAX_PROJECT_NAME_LENGTH} characters`);
  if (!VALID_NAME.test(name)) {
    throw new FormatError(
      field,
      `"${name}" is not a valid project name (PEP 508: ASCII letters, digits, ".", "_" and "-", starting and ending with a letter or digit)`,
    );
  }
  return normalizeProjectName(name);
}

/**
 * Role names of a PEP 458/480 repository. Every role file shares one folder (`N.<role>.json`) and a
 * project's role is named after the project, so a project may never take one of these names.
 */
export const RESERVED_ROLE_NAMES: readonly string[] = [
  'root',
  'targets',
  'snapshot',
  'timestamp',
  'claimed',
  'recently-claimed',
  'unclaimed',
];

/** Name prefixes of hash-bin roles whatever a plan says: claimed's, and unclaimed's as PEP 458 names them. */
export const RESERVED_BIN_PREFIXES: readonly string[] = ['claimed-bins', 'unclaimed-bins'];

/**
 * Why a project (in normal form) can never be delegated, or undefined. The one rule for names that
 * `dev request` refuses before a request is made and `claim` refuses at intake; intake adds the
 * names of its own repository (the roles its targets delegates to, its bins' prefixes).
 */
export function reservedProjectName(
  project: string,
  roleNames: Iterable<string> = [],
  binPrefixes: Iterable<string> = [],
): string | undefined {
  if (RESERVED_ROLE_NAMES.includes(project) || new Set(roleNames).has(project))
    return `"${project}" is the name of a role of the repository`;
  const prefixes = new Set([...RESERVED_BIN_PREFIXES, ...binPrefixes]);
  for (const p of prefixes) {
    if (project.startsWith(`${p}-`) && /^[0-9a-f]+$/.test(project.slice(p.length + 1)))
      return `"${project}" has the form of a ${p}-… hash bin role name`;
  }
  return undefined;
}
