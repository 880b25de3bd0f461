/**
 * The online service's recently-claimed role (PEP 480: new projects registered at upload, signed
 * by the online key). Before intake trusts it, it must verify with the key and threshold that the
 * current targets role delegates recently-claimed to (TUF spec 5.6), and must not have expired.
 */
import { formatExpires, VerificationError } from '../../tuf/base/index.js';
import { Metadata, normalizeProjectName, type Targets } from '../../tuf/model/index.js';
import { describeResult, verifyRole } from '../../tuf/verify/index.js';
import { projectDelegationsOf } from './claimed-projects.js';
import type { OnlineProject } from './intake-decide.js';

export const RECENTLY_CLAIMED = 'recently-claimed';

export interface OnlineList {
  /** The file it was read from, for the report. */
  source: string;
  version: number;
  expires: string;
  projects: Map<string, OnlineProject>;
}

export function readRecentlyClaimed(
  bytes: Uint8Array,
  source: string,
  targets: Targets,
  now: Date,
  roleName = RECENTLY_CLAIMED,
): OnlineList {
  const md = Metadata.fromBytes<Targets>(bytes, source, 'targets');
  const delegations = targets.delegations;
  const auth = delegations?.roleKeys(roleName);
  if (!delegations || !auth)
    throw new VerificationError(
      `targets v${targets.version} does not delegate to ${roleName}, so ${source} cannot be checked`,
    );
  const result = verifyRole(md, roleName, auth, (k) => delegations.keys.get(k));
  if (!result.verified) {
    throw new VerificationError(
      `${source}: not signed by the online key targets delegates ${roleName} to (${describeResult(result)})`,
      'E_ONLINE_UNVERIFIED',
    );
  }
  if (md.signed.isExpired(now))
    throw new VerificationError(
      `${source}: expired at ${formatExpires(md.signed.expires)}; bring a fresh copy from the online service`,
      'E_EXPIRED',
    );
  const projects = new Map<string, OnlineProject>();
  for (const p of projectDelegationsOf(md.signed, source)) {
    const name = normalizeProjectName(p.name);
    projects.set(name, { name, keys: p.keys, threshold: p.threshold });
  }
  return { source, version: md.signed.version, expires: formatExpires(md.signed.expires), projects };
}
