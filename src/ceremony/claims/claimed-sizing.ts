/**
 * What a client downloads to find one project under each claimed layout, from the figures of
 * docs/decisions/0003-claimed-sharding.md: about 410 bytes per project delegation with one Ed25519
 * key, about 300 bytes per bin listed by a sharded claimed role. A client that looks up one file
 * downloads every role on its path (TUF specification 5.6.7), so flat is the whole claimed role;
 * sharded is claimed (the list of bins) plus one bin.
 */
import { MAX_CLAIMED_BIT_LENGTH } from '../state/plan.js';

export const BYTES_PER_PROJECT = 410;
export const BYTES_PER_BIN = 300;
/**
 * Past this many projects a flat claimed role is reported as too large for clients: every client
 * downloads all of it (4 MB here) on every change, and the tuf-js model had not loaded a flat role
 * of 50,000 delegations after three minutes (decision 0003).
 */
export const FLAT_CLIENT_LIMIT = 10_000;

export interface LayoutSize {
  /** undefined: flat. */
  bitLength: number | undefined;
  /** Bytes of the claimed role a client downloads. */
  claimedBytes: number;
  /** Bytes of one bin (0 when flat). */
  binBytes: number;
  /** What a client downloads to reach one project's delegation. */
  clientBytes: number;
}

export function layoutSize(projects: number, bitLength: number | undefined): LayoutSize {
  if (bitLength === undefined) {
    const claimedBytes = projects * BYTES_PER_PROJECT;
    return { bitLength, claimedBytes, binBytes: 0, clientBytes: claimedBytes };
  }
  const bins = 2 ** bitLength;
  const claimedBytes = Math.min(bins, Math.max(projects, 1)) * BYTES_PER_BIN;
  const binBytes = Math.ceil(projects / bins) * BYTES_PER_PROJECT;
  return { bitLength, claimedBytes, binBytes, clientBytes: claimedBytes + binBytes };
}

/** The bit length (1 to 16) that makes claimed plus one bin smallest for `projects`. */
export function recommendedBitLength(projects: number): number {
  let best = 1;
  for (let k = 2; k <= MAX_CLAIMED_BIT_LENGTH; k++)
    if (layoutSize(projects, k).clientBytes < layoutSize(projects, best).clientBytes) best = k;
  return best;
}

export interface SizingAdvice {
  projects: number;
  chosen: LayoutSize;
  recommended: LayoutSize;
  /** Set when the chosen layout is a flat role past FLAT_CLIENT_LIMIT projects. */
  tooLarge?: string;
}

export const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

/**
 * How the plan's claimed layout serves `projects` projects, and the bit length to use.
 * `exactPaths`: whether the plan's project_paths have no wildcard, as sharding needs.
 */
export function adviseClaimedLayout(
  projects: number,
  bitLength: number | undefined,
  exactPaths: boolean,
): SizingAdvice {
  const chosen = layoutSize(projects, bitLength);
  const recommended = layoutSize(projects, recommendedBitLength(projects));
  const advice: SizingAdvice = { projects, chosen, recommended };
  if (bitLength === undefined && projects > FLAT_CLIENT_LIMIT) {
    advice.tooLarge =
      `a flat claimed role of ${projects} projects is about ${megabytes(chosen.claimedBytes)}, which every client downloads whole on every change ` +
      `(docs/decisions/0003-claimed-sharding.md); use roles.claimed.bins with bit_length ${recommended.bitLength}: ` +
      `${megabytes(recommended.claimedBytes)} of claimed plus one bin of ${megabytes(recommended.binBytes)}` +
      (exactPaths ? '' : ', with project_paths that have no wildcard (a bin is chosen by the hash of an exact path)');
  }
  return advice;
}
