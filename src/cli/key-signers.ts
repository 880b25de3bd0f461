/**
 * Signers from `--key` arguments, for `dev request`, `dev sign` and `online publish`: each is an
 * encrypted key file (its passphrase asked without echo, or read from the next --passphrase-file)
 * or `token:<holder>`, that holder's developer key on the token the profile names.
 */
import { type HolderSession, loadProfile, openEncryptedKeyFile, openHolderSession } from '../keys/index.js';
import { UsageError } from '../tuf/base/index.js';
import type { Signer } from '../tuf/model/index.js';
import type { CliIO } from './io.js';
import { cliPinSource, passphrase } from './prompter.js';

const TOKEN_PREFIX = 'token:';

/** A `--key` naming a holder's key on a token rather than a key file. */
export const isTokenKey = (k: string): boolean => k.startsWith(TOKEN_PREFIX);

export interface KeySigners {
  signers: Signer[];
  /** Log out of every token session (call in `finally`). */
  close: () => Promise<void>;
}

/** Check the --key arguments before any passphrase or PIN is asked. */
export function checkKeyArguments(keys: readonly string[], profile: string | undefined): void {
  for (const k of keys)
    if (isTokenKey(k) && profile === undefined)
      throw new UsageError(
        `--key ${k} needs --profile (the token profile that names ${k.slice(TOKEN_PREFIX.length)}'s token)`,
      );
}

export async function openKeySigners(
  keys: readonly string[],
  options: { profile?: string; passphraseFiles?: readonly string[] },
  io: CliIO,
): Promise<KeySigners> {
  checkKeyArguments(keys, options.profile);
  const passFiles = [...(options.passphraseFiles ?? [])];
  const sessions: HolderSession[] = [];
  const close = async () => {
    for (const s of sessions) await s.close();
  };
  try {
    const signers: Signer[] = [];
    for (const k of keys) {
      if (isTokenKey(k)) {
        const session = await openHolderSession(
          loadProfile(options.profile!),
          k.slice(TOKEN_PREFIX.length),
          cliPinSource(io),
        );
        sessions.push(session);
        signers.push(await session.signerFor('developer', await session.publicKey('developer')));
      } else {
        const pass = await passphrase(io, passFiles.shift(), `Passphrase for key file ${k}:`, false);
        signers.push(openEncryptedKeyFile(k, pass));
      }
    }
    if (passFiles.length > 0) throw new UsageError(`${passFiles.length} --passphrase-file more than key files`);
    return { signers, close };
  } catch (e) {
    await close();
    throw e;
  }
}
