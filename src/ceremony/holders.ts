/**
 * Who holds a key. Every admin key carries its holder as the custom field `x-ceremony-owner`, set
 * before its keyid is computed (REFERENCE.md section 3), so every summary can name the person.
 */
import type { Key } from '../tuf/key.js';

export const OWNER_FIELD = 'x-ceremony-owner';

export function ownerOf(key: Key | undefined): string | undefined {
  const v = key?.unrecognized[OWNER_FIELD];
  return typeof v === 'string' ? v : undefined;
}

/** "admin-b (ecdsa 1a2b3c4d…)" for messages and summaries. */
export function describeKey(keyid: string, key: Key | undefined): string {
  const who = ownerOf(key) ?? 'no holder named';
  return `${who} (${key ? `${key.keytype} ` : ''}${keyid.slice(0, 12)}…)`;
}
