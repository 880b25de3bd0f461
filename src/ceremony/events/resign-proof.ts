/**
 * Re-sign only: a new version of a role whose content is the previous one's, with only `version`
 * (exactly +1, TUF specification 1.0.x section 4.2) and `expires` changed. The proof compares the canonical
 * JSON (TUF specification 1.0.x section 4.1) of everything else, so a reviewer can rely on "no content change"
 * without reading the role, and names the first fields that differ when it is not so.
 */
import { canonicalize } from '../../tuf/json/index.js';
import { contentSha256, contentTree, type JsonObject, type Metadata } from '../../tuf/model/index.js';
import { formatExpires } from '../../tuf/base/index.js';

export interface ResignProof {
  /** True when everything but version and expires is equal and the version is exactly +1. */
  contentUnchanged: boolean;
  versionFrom: number;
  versionTo: number;
  expiresFrom: string;
  expiresTo: string;
  /** SHA-256 of the canonical JSON of `signed` without version and expires, before and after. */
  contentSha256From: string;
  contentSha256To: string;
  /** Paths of the first differing fields (at most 10), when the content changed. */
  differences: string[];
  versionOk: boolean;
}

function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 10) return;
  if (canonicalize(a).equals(canonicalize(b))) return;
  const isObj = (v: unknown) => typeof v === 'object' && v !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) {
    out.push(path || '(signed)');
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path} (${a.length} → ${b.length} entries)`);
      return;
    }
    a.forEach((v, i) => diffPaths(v, b[i], `${path}[${i}]`, out));
    return;
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in ao)) out.push(`${p} (added)`);
    else if (!(k in bo)) out.push(`${p} (removed)`);
    else diffPaths(ao[k], bo[k], p, out);
    if (out.length >= 10) return;
  }
}

/**
 * Prove (or refute) that `next` is `previous` re-signed: same content, version +1, new expiry.
 * The content is compared on the canonical payloads (role-content.ts); a JSON tree is made only
 * to name the fields of a content that differs.
 */
export function proveResign(previous: Metadata, next: Metadata): ResignProof {
  const contentSha256From = contentSha256(previous);
  const contentSha256To = contentSha256(next);
  const same = contentSha256From === contentSha256To;
  const differences: string[] = [];
  if (!same) diffPaths(contentTree(previous.signed), contentTree(next.signed), '', differences);
  const versionOk = next.signed.version === previous.signed.version + 1;
  return {
    contentUnchanged: same && versionOk,
    versionFrom: previous.signed.version,
    versionTo: next.signed.version,
    expiresFrom: formatExpires(previous.signed.expires),
    expiresTo: formatExpires(next.signed.expires),
    contentSha256From,
    contentSha256To,
    differences,
    versionOk,
  };
}

/** The lines `event show` prints for a role of a re-sign event. */
export function describeResignProof(role: string, p: ResignProof): string[] {
  if (p.contentUnchanged) {
    return [
      `${role}: re-sign only, no content change (v${p.versionFrom} → v${p.versionTo}, expires ${p.expiresFrom} → ${p.expiresTo})`,
      `  everything but version and expires is identical: content SHA-256 ${p.contentSha256To} in both`,
    ];
  }
  const lines = [`${role}: NOT a plain re-sign: the content differs from v${p.versionFrom}`];
  if (!p.versionOk) lines.push(`  version v${p.versionFrom} → v${p.versionTo} is not exactly +1`);
  for (const d of p.differences) lines.push(`  changed: ${d}`);
  lines.push(`  content SHA-256 ${p.contentSha256From} → ${p.contentSha256To}`);
  return lines;
}
