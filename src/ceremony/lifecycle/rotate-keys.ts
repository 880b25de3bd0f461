/**
 * New keys for a rotation or a recovery: from TUF public key files (what `key export` writes, or
 * an online key file from the online service), or read from a holder's token through a profile.
 * `[holder=]file`: the holder is written into the key's `x-ceremony-owner` field before its keyid
 * is computed (TUF specification 1.0.x section 4.2); a key file that names another holder is refused rather
 * than silently renamed. `holder[:label]`: the public key on the holder's token, checked for what it allows.
 */
import { isAbsolute, resolve } from 'node:path';
import { RefusedError, UsageError } from '../../tuf/base/index.js';
import { Key } from '../../tuf/model/index.js';
import {
  keyLabel,
  type PinSource,
  readTokenPublicKey,
  type TokenOptions,
  type TokenProfile,
} from '../../keys/index.js';
import { OWNER_FIELD, ownerOf } from '../state/holders.js';
import { readPublicKeyFile } from '../state/plan.js';
import { beyondSigning, MORE_THAN_SIGNING, purposeForRole } from '../signers/signer-provider.js';

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

/** A key read from a token for `--add-token`, and the warning it gets, if any. */
export interface TokenKeyArgument {
  key: Key;
  warning?: string;
}

/**
 * `holder[:label]`: the public key the holder's token holds under `label`, by default the profile's
 * label for the role's purpose. It logs in (PIN from `pins`) to read what the private key allows,
 * as `event sign` does: a key that can also decrypt, unwrap or derive (made by another tool) gets a
 * warning, or is refused when the plan at `signOnlyPlan` requires sign-only keys for the role
 * (docs/formats/plan.md, "sign_only"; docs/tokens.md, "Keys made by other tools").
 */
export async function readTokenKeyArgument(
  profile: TokenProfile,
  spec: string,
  role: string,
  pins: PinSource,
  signOnlyPlan?: string,
  options: TokenOptions = {},
): Promise<TokenKeyArgument> {
  const m = /^([^:]+)(?::(.+))?$/.exec(spec);
  if (!m) throw new UsageError(`--add-token ${spec}: expected <holder>[:<key label>]`);
  const holder = m[1]!;
  const label = m[2] ?? keyLabel(profile, holder, purposeForRole(role));
  const info = await readTokenPublicKey(profile, holder, label, { ...options, pins });
  const extra = beyondSigning(info.capabilities ?? []);
  if (extra.length === 0) return { key: info.key };
  const what = `--add-token ${spec}: ${holder}'s key "${label}" (token serial ${info.tokenSerial}) can also ${extra.join(', ')}, not only sign`;
  if (signOnlyPlan !== undefined) {
    throw new RefusedError(
      `${what}; ${signOnlyPlan} requires sign-only ${role} keys (roles.${role}.sign_only): nothing was written`,
      'E_KEY_NOT_SIGN_ONLY',
    );
  }
  return { key: info.key, warning: `${what}: ${MORE_THAN_SIGNING}` };
}
