/**
 * `tuf-ceremony key generate`: a key pair on a holder's token, named by a token profile. Prints the
 * TUF public key and its keyid as hex, as words to read aloud and as a QR code, for the holder and
 * witnesses to compare with what later appears in metadata.
 */
import { generateTokenKey, loadProfile, TOKEN_KEY_TYPES, type TokenKeyType } from '../../../keys/index.js';
import { UsageError } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { cliPinSource } from '../../prompter.js';
import { renderKey, tokenKeyJson } from '../../render-key.js';
import type { generate } from './declarations.js';

export const run: Run<typeof generate> = async ({ values }, io) => {
  const profile = loadProfile(values.profile);
  const { holder, type, label } = values;
  if (!(TOKEN_KEY_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type must be one of ${TOKEN_KEY_TYPES.join(', ')}, got "${type}"`);
  const purpose = values.purpose ?? '';
  const info = await generateTokenKey(profile, holder, purpose, type as TokenKeyType, label, cliPinSource(io));
  if (values.json)
    printJson(io, { ok: true, ...tokenKeyJson(info, holder), purpose: purpose || null, accepted: info.accepted ?? [] });
  else out(io, await renderKey(`generated ${type} key on the token of ${holder}`, info, holder, io));
  if (info.accepted?.length) {
    err(
      io,
      `note: the token reported ${info.accepted.join(', ')} for the new key; kept because ${profile.path} accepts it for this module ("accept")`,
    );
  }
  if (purpose && profile.holders[holder]?.keys[purpose] === undefined) {
    err(io, `note: ${profile.path} does not list this key yet; add "${purpose}": "${label}" to holders.${holder}.keys`);
  }
  return 0;
};
