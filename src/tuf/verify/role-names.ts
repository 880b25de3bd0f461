/**
 * The names of metadata: in snapshot's `meta` and on disk (TUF specification 1.0.x sections 4.4
 * and 5.6).
 *
 * - A snapshot `meta` key is `<role>.json` with the role name as it is (python-tuf writes
 *   `f"{role}.json"`): never encoded, never decoded.
 * - A file name is `N.<role>.json` (consistent snapshots) or `<role>.json`, with the role name
 *   percent-encoded as python-tuf's `urllib.parse.quote(role, "")` does: every byte of its UTF-8
 *   form but `A-Z a-z 0-9 _ . - ~` as `%XX` with upper-case hex.
 *
 * A file name whose role part is not that exact encoding of some name (a malformed escape, a
 * lower-case or needless escape) is not the file any client would fetch: decodeRoleName gives
 * undefined for it rather than throwing, so that callers can refuse it by name.
 */

/** `role` as python-tuf's `quote(role, "")` writes it; undefined for a name that is not valid text (a lone surrogate). */
export function quoteRoleName(role: string): string | undefined {
  try {
    return encodeURIComponent(role).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined;
  }
}

/**
 * File-name form of a role name. Throws only for a name that is not valid text, which the strict
 * JSON reader never yields.
 */
export function roleFileName(role: string, version?: number): string {
  const quoted = quoteRoleName(role);
  if (quoted === undefined) throw new RangeError(`role name ${JSON.stringify(role)} is not valid Unicode text`);
  return version === undefined ? `${quoted}.json` : `${version}.${quoted}.json`;
}

/** Snapshot's `meta` key for a role (python-tuf: `f"{role}.json"`). */
export function snapshotMetaName(role: string): string {
  return `${role}.json`;
}

/** The role a snapshot `meta` key names, or undefined when the key does not end in `.json`. */
export function roleOfMetaName(name: string): string | undefined {
  return name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
}

const ROLE_FILE = /^(?:([1-9]\d{0,15})\.)?(.+)\.json$/s;

/**
 * The parts of a metadata file name, `N.<role>.json` or `<role>.json` (undefined for any other
 * name): the role part as written (percent-encoded, see roleFileName) and the version. A version
 * with a leading zero or beyond 2^53 is no version a writer makes; such a name is read whole as
 * an (unversioned) role part, which then does not decode.
 */
export function parseRoleFileName(name: string): { quoted: string; version: number | undefined } | undefined {
  const m = ROLE_FILE.exec(name);
  if (!m) return undefined;
  const version = m[1] === undefined ? undefined : Number(m[1]);
  if (version !== undefined && !Number.isSafeInteger(version))
    return { quoted: name.slice(0, -'.json'.length), version: undefined };
  return { quoted: m[2]!, version };
}

/** The role name a file name's role part encodes, or undefined when it is not exactly roleFileName's encoding of any name. */
export function decodeRoleName(quoted: string): string | undefined {
  let role: string;
  try {
    role = decodeURIComponent(quoted);
  } catch {
    return undefined;
  }
  return quoteRoleName(role) === quoted ? role : undefined;
}
