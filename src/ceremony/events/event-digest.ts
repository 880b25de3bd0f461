/**
 * The event digest: one SHA-256 that covers the payload digest of every role in a signing event,
 * so that each admin confirms an event once, whatever its number of roles (a claim in the sharded
 * layout changes up to 16,384 bins). Its exact form, and how a witness recomputes it with other
 * tools, is in docs/formats/event.md ("The event digest").
 */
import { sha256Hex } from '../../tuf/model/index.js';

export interface DigestedRole {
  /** The file name event.json gives the role: `N.<role>.json`. */
  file: string;
  /** SHA-256 of the canonical `signed` part (what every signature covers). */
  payloadSha256: string;
}

/** The text hashed: one line `<payload_sha256> <file>\n` per role, in the order of event.json's `roles`. */
export function eventDigestText(roles: readonly DigestedRole[]): string {
  return roles.map((r) => `${r.payloadSha256} ${r.file}\n`).join('');
}

/** SHA-256 of eventDigestText, lowercase hex. */
export function eventDigest(roles: readonly DigestedRole[]): string {
  return sha256Hex(Buffer.from(eventDigestText(roles), 'utf8'));
}
