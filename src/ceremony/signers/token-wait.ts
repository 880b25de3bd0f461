/**
 * "Insert the token of admin-b": at a terminal the tool waits until the holder's token is in a slot
 * (by the label or serial the profile names) instead of failing at once. Without a terminal it
 * does not wait: a script fails fast, with one line, before anything is recorded for that holder.
 */
import { TokenError } from '../../tuf/base/index.js';
import type { CeremonyPrompter } from './prompts.js';
import type { KeyPurpose, SignerProvider } from './signer-provider.js';

/** How long a person has to insert a token before the tool gives up on that holder. */
export const TOKEN_WAIT_MS = 10 * 60 * 1000;

export interface TokenWait {
  provider: SignerProvider;
  holder: string;
  /** The purposes whose keys are needed now (only the tokens holding them are waited for). */
  purposes?: readonly KeyPurpose[];
  prompter?: CeremonyPrompter;
  log: (text: string) => void;
}

export async function waitForToken(w: TokenWait): Promise<void> {
  const absent = () => w.provider.absent?.(w.holder, w.purposes) ?? Promise.resolve([]);
  const missing = await absent();
  if (missing.length === 0) return;
  const what = `${missing.join(' and ')} of ${w.holder}`;
  if (!w.prompter)
    throw new TokenError(
      'E_TOKEN_NOT_FOUND',
      `${what} is not inserted, and without a terminal nothing waits for it: insert it and run the command again`,
    );
  const found = await w.prompter.waitUntil(
    `  waiting for ${what} (nothing typed now is shown or kept; Ctrl-C to stop)`,
    async () => (await absent()).length === 0,
    TOKEN_WAIT_MS,
  );
  if (!found)
    throw new TokenError('E_TOKEN_NOT_FOUND', `${what} was not inserted within ${TOKEN_WAIT_MS / 60_000} minutes`);
  w.log(`  ${what}: found`);
}
