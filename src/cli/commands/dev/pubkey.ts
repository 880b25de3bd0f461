/** `tuf-ceremony dev pubkey`: the public key of a developer's encrypted key file. */
import { writeNewFile } from '../../../bundle/index.js';
import { readKeyFilePublicKey } from '../../../keys/index.js';
import { serializeJson } from '../../../tuf/json/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import type { pubkey } from './declarations.js';

export const run: Run<typeof pubkey> = async ({ values, positionals }, io) => {
  const key = readKeyFilePublicKey(positionals[0]!);
  const bytes = serializeJson(key.toJSON());
  if (values.out !== undefined) writeNewFile(values.out, bytes);
  if (values.json) printJson(io, { ok: true, keyid: key.keyid, key: key.toJSON(), out: values.out ?? null });
  else if (values.out !== undefined) out(io, `Public key ${key.keyid} written to ${values.out}`);
  else io.stdout.write(bytes);
  return 0;
};
