/**
 * Who holds a key. Every admin key carries its holder as the custom field `x-ceremony-owner`, set
 * before its keyid is computed (TUF specification 1.0.x section 4.2), so every summary can name the person.
 */
import { groupedHex, type Key, ownerOf } from '../../tuf/model/index.js';

export { OWNER_FIELD, ownerOf } from '../../tuf/model/index.js';

/** "admin-b (ecdsa 1a2b 3c4d …)", the whole keyid, for messages and summaries. */
export function describeKey(keyid: string, key: Key | undefined): string {
  const who = ownerOf(key) ?? 'no holder named';
  return `${who} (${key ? `${key.keytype} ` : ''}${groupedHex(keyid)})`;
}
