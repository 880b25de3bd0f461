/**
 * New keys for a rotation or a recovery, from TUF public key files (what `key export` writes, or
 * an online key file from the online service). `[holder=]file`: the holder is written into the
 * key's `x-ceremony-owner` field before its keyid is computed (REFERENCE.md section 3); a key file
 * that names another holder is refused rather than silently renamed.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RefusedError, UsageError, withContext } from '../tuf/errors.js';
import { Key } from '../tuf/key.js';
import { parseStrictJson } from '../tuf/strict-json.js';
import { OWNER_FIELD, ownerOf } from './holders.js';

/** Read one TUF public key file; errors name the file and the field. */
export function readPublicKeyFile(path: string): Key {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_KEY_FILE');
  }
  const key = withContext(path, () => Key.fromJSON(parseStrictJson(bytes, path), 'key'));
  withContext(path, () => key.assertUsable());
  return key;
}

/** `[holder=]file`, relative to `cwd`. */
export function readKeyArgument(spec: string, cwd: string, flag = '--add'): Key {
  const m = /^([a-z0-9][a-z0-9._-]*)=(.+)$/.exec(spec);
  const holder = m?.[1];
  const file = m ? m[2]! : spec;
  if (file === '') throw new UsageError(`${flag} ${spec}: no key file given`);
  const key = readPublicKeyFile(isAbsolute(file) ? file : resolve(cwd, file));
  const owner = ownerOf(key);
  if (holder === undefined) return key;
  if (owner !== undefined && owner !== holder) throw new RefusedError(`${flag} ${spec}: the key file says it belongs to "${owner}", not "${holder}"`, 'E_GUARD_RAIL');
  return owner === undefined ? key.withCustomFields({ [OWNER_FIELD]: holder }) : key;
}
