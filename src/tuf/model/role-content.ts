/**
 * The content of a role: everything its signatures cover but `version` and `expires`, the two
 * fields a re-sign changes (TUF specification 1.0.x section 4.2). Two versions with the same
 * content are the same role signed again. Worked out on the canonical payload (section 4.1) as
 * slices, not as a JSON tree: a flat claimed role of 600k projects is 246 MB, and its tree took
 * gigabytes (docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../json/canonical-json.js';
import { sameBytes, withoutTopLevelMembers } from '../json/canonical-bytes.js';
import type { AnySigned, Metadata } from './metadata.js';
import type { JsonObject } from './fields.js';

/** The fields a re-sign may change; everything else must be byte-identical. */
const RESIGN_FIELDS = ['version', 'expires'] as const;

/**
 * The canonical JSON of `signed` without version and expires, as slices of the payload; made from
 * the tree only when a top-level name is not plain ASCII (a custom field), which the walk declines.
 */
function contentSlices(md: Metadata): Buffer[] {
  return withoutTopLevelMembers(md.payload(), RESIGN_FIELDS) ?? [canonicalize(contentTree(md.signed))];
}

/** The signed part without version and expires, as a JSON tree: to name what differs. */
export function contentTree(signed: AnySigned): JsonObject {
  const tree = signed.toJSON();
  for (const f of RESIGN_FIELDS) delete tree[f];
  return tree;
}

/** SHA-256 of the canonical JSON of `signed` without version and expires. */
export function contentSha256(md: Metadata): string {
  const h = createHash('sha256');
  for (const s of contentSlices(md)) h.update(s);
  return h.digest('hex');
}

/**
 * The largest difference in payload length that a change of version and expires alone can make
 * (the digits of version; expires is written at a fixed width, TUF specification 1.0.x section 4.2).
 */
const RESIGN_LENGTH_SLACK = 64;

/**
 * Whether two versions of a role differ in nothing but version and expires. Payloads whose
 * lengths differ by more than a version's digits cannot, which is known without looking inside
 * (a claim changes a thousand bins).
 */
export function sameContent(a: Metadata, b: Metadata): boolean {
  if (Math.abs(a.payload().length - b.payload().length) > RESIGN_LENGTH_SLACK) return false;
  return sameBytes(contentSlices(a), contentSlices(b));
}
