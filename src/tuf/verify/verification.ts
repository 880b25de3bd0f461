/**
 * Signature verification that reports, not just answers: which authorized keys signed validly,
 * which are missing, which signatures are bad, which come from keys not authorized for the role
 * (the shape of python-tuf's get_verification_result).
 */
import { escapeControls } from '../base/display-text.js';
import type { Key } from '../model/key.js';
import type { Metadata, Root } from '../model/metadata.js';
import type { RoleKeys } from '../model/roles.js';

export interface VerificationResult {
  role: string;
  threshold: number;
  /** Authorized keyids with a valid signature, each distinct key material counted once. */
  signed: string[];
  /** Authorized keyids without any signature. */
  missing: string[];
  /** Authorized keyids whose signature does not verify. */
  bad: string[];
  /** Signatures from keyids that are not authorized for this role. */
  unknown: string[];
  /** Authorized keyids not counted because another counted keyid has the same key material. */
  duplicateMaterial: string[];
  /**
   * Authorized keys with a signature whose keytype/scheme this tool does not verify
   * (docs/decisions/0009-signature-schemes.md): counted as no valid signature, not as bad.
   */
  unsupported: UnsupportedSignature[];
  verified: boolean;
}

/** A signature by a key of a scheme this tool does not verify. */
export interface UnsupportedSignature {
  keyid: string;
  keytype: string;
  scheme: string;
}

/**
 * Verify `md` against the keys and threshold that authorize `role`
 * (TUF spec 5.3.x/5.4.x/5.6.x: "a threshold of keys" — distinct keys, so one key listed under two
 * keyids counts once, whatever its encoding: docs/decisions/0004, "Key identity").
 */
export function verifyRole(
  md: Metadata,
  role: string,
  authorization: RoleKeys,
  lookup: (keyid: string) => Key | undefined,
): VerificationResult {
  const result: VerificationResult = {
    role,
    threshold: authorization.threshold,
    signed: [],
    missing: [],
    bad: [],
    unknown: [],
    duplicateMaterial: [],
    unsupported: [],
    verified: false,
  };
  const authorized = new Set(authorization.keyids);
  const payload = md.payload();
  // Material ids of the keys counted so far (Key.materialId): a key listed under two keyids, or
  // written two ways, counts once; a Set keeps this linear in the number of signers.
  const counted = new Set<string>();
  for (const keyid of authorization.keyids) {
    const sig = md.signatures.get(keyid);
    const key = lookup(keyid);
    if (!sig) {
      result.missing.push(keyid);
      continue;
    }
    // TUF specification 5.3.4 (and 5.4.2, 5.5.3, 5.6.3): only a signature that verifies counts;
    // one of a scheme not verified here is named as such, not called bad.
    if (key && !key.verifiable) {
      result.unsupported.push({ keyid, keytype: key.keytype, scheme: key.scheme });
      continue;
    }
    if (!key || !key.verify(payload, Buffer.from(sig.sig, 'hex'))) {
      result.bad.push(keyid);
      continue;
    }
    if (counted.has(key.materialId)) {
      result.duplicateMaterial.push(keyid);
      continue;
    }
    counted.add(key.materialId);
    result.signed.push(keyid);
  }
  for (const keyid of md.signatures.keys()) if (!authorized.has(keyid)) result.unknown.push(keyid);
  result.verified = result.signed.length >= authorization.threshold;
  return result;
}

/** Verify a role delegated by a root's top-level role list. */
export function verifyWithRoot(
  root: Root,
  role: 'root' | 'targets' | 'snapshot' | 'timestamp',
  md: Metadata,
): VerificationResult {
  return verifyRole(md, role, root.roles[role], (k) => root.keys.get(k));
}

export interface RootUpdateResult {
  /** The new root checked against the previous root's root role. */
  previous: VerificationResult;
  /** The new root checked against its own root role. */
  current: VerificationResult;
  versionOk: boolean;
  verified: boolean;
}

/**
 * A new root must be version N+1 and signed by a threshold of the previous root's root keys AND a
 * threshold of its own (TUF specification 1.0.x sections 5.3.4 and 5.3.5).
 */
export function verifyRootUpdate(previous: Root, next: Metadata<Root>): RootUpdateResult {
  const prev = verifyWithRoot(previous, 'root', next);
  const cur = verifyWithRoot(next.signed, 'root', next);
  const versionOk = next.signed.version === previous.version + 1;
  return { previous: prev, current: cur, versionOk, verified: prev.verified && cur.verified && versionOk };
}

export function describeResult(r: VerificationResult): string {
  const parts = [`${r.signed.length}/${r.threshold} signatures`];
  if (r.bad.length) parts.push(`${r.bad.length} bad`);
  if (r.unknown.length) parts.push(`${r.unknown.length} from unauthorized keys`);
  if (r.duplicateMaterial.length) parts.push(`${r.duplicateMaterial.length} duplicate key`);
  if (r.unsupported.length) parts.push(unsupportedText(r.unsupported));
  return parts.join(', ');
}

/** Longest scheme name or keyid shown: a hostile file may carry one of any length. */
const TEXT_SHOWN = 80;

/**
 * "unsupported signature scheme X for key K" for each, joined. Both are the file's text: control
 * characters escaped, so that it cannot write the screen (docs/threat-model.md section 7,
 * "Escapes"), and cut at TEXT_SHOWN characters.
 */
export function unsupportedText(list: readonly UnsupportedSignature[]): string {
  const shown = (text: string) => escapeControls(text.length > TEXT_SHOWN ? `${text.slice(0, TEXT_SHOWN)}…` : text);
  return list.map((u) => `unsupported signature scheme ${shown(u.scheme)} for key ${shown(u.keyid)}`).join(', ');
}
