/**
 * New keys for a rotation or a recovery: from TUF public key files (what `key export` writes, or
 * an online key file from the online service), or read from a holder's token through a profile.
 * `[holder=]file`: the holder is written into the key's `x-ceremony-owner` field before its keyid
 * is computed (TUF specification 1.0.x section 4.2); a key file that names another holder is refused rather
 * than silently renamed. `holder[:label]`: the public key on the holder's token (no PIN needed).
 */
import { isAbsolute, resolve } from 'node:path';
import { RefusedError, UsageError } from '../../tuf/model/errors.js';
import { Key } from '../../tuf/model/key.js';
import { keyLabel, type TokenProfile } from '../../keys/profile.js';
import { readTokenPublicKey, type TokenOptions } from '../../keys/token-keys.js';
import { OWNER_FIELD, ownerOf } from '../state/holders.js';
import { readPublicKeyFile } from '../state/plan.js';
import { purposeForRole } from '../signers/signer-provider.js';

/** `[holder=]file`, relative to `cwd`. */
export function readKeyArgument(spec: string, cwd: string, flag = '--add'): Key {
  const m = /^([a-z0-9][a-z0-9._-]*)=(.+)$/.exec(spec);
  const holder = m?.[1];
  const file = m ? m[2]! : spec;
  if (file === '') throw new UsageError(`${flag} ${spec}: no key file given`);
  const key = readPublicKeyFile(isAbsolute(file) ? file : resolve(cwd, file));
  const owner = ownerOf(key);
  if (holder === undefined) return key;
  if (owner !== undefined && owner !== holder)
    throw new RefusedError(
      `${flag} ${spec}: the key file says it belongs to "${owner}", not "${holder}"`,
      'E_GUARD_RAIL',
    );
  return owner === undefined ? key.withCustomFields({ [OWNER_FIELD]: holder }) : key;
}

/**
 * `holder[:label]`: the public key the holder's token holds under `label`, by default the profile's
 * label for the role's purpose. Public key objects are read without a PIN (docs/formats/token-profile.md).
 */
export async function readTokenKeyArgument(
  profile: TokenProfile,
  spec: string,
  role: string,
  options: TokenOptions = {},
): Promise<Key> {
  const m = /^([^:]+)(?::(.+))?$/.exec(spec);
  if (!m) throw new UsageError(`--add-token ${spec}: expected <holder>[:<key label>]`);
  const holder = m[1]!;
  const label = m[2] ?? keyLabel(profile, holder, purposeForRole(role));
  return (await readTokenPublicKey(profile, holder, label, options)).key;
}
