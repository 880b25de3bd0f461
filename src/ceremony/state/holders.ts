/**
 * Who holds a key. Every admin key carries its holder as the custom field `x-ceremony-owner`, set
 * before its keyid is computed (TUF specification 1.0.x section 4.2), so every summary can name the person.
 */
import { groupedHex } from '../../tuf/model/fingerprint-words.js';
import { ownerOf, type Key } from '../../tuf/model/key.js';

export { OWNER_FIELD, ownerOf } from '../../tuf/model/key.js';

/** "admin-b (ecdsa 1a2b 3c4d …)", the whole keyid, for messages and summaries. */
export function describeKey(keyid: string, key: Key | undefined): string {
  const who = ownerOf(key) ?? 'no holder named';
  return `${who} (${key ? `${key.keytype} ` : ''}${groupedHex(keyid)})`;
}
