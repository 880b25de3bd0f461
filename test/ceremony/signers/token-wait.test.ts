/**
 * Waiting for a holder's token (src/ceremony/signers/token-wait.ts), with a provider that reports
 * the token absent: at a terminal the wait gives up with one line after its time; without one it
 * does not wait at all. The waiting itself, on SoftHSM at a real terminal, is in
 * test/ceremony/events/signer-mistakes.test.ts and test/ceremony/lifecycle/init-resume.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SoftwareProvider } from '../../../src/ceremony/signers/signer-provider.js';
import { TOKEN_WAIT_MS, waitForToken } from '../../../src/ceremony/signers/token-wait.js';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { rejection } from '../../helpers/failure.js';

/** A provider whose holder's token is never inserted. */
function neverInserted(): SoftwareProvider {
  const p = new SoftwareProvider(() => Ed25519Signer.generate());
  return Object.assign(p, { absent: async () => ['the token with label "admin-b"'] });
}

describe('waiting for a token', () => {
  it('at a terminal, gives up after its time with one line naming the token and the holder', async () => {
    let waitedFor = 0;
    const prompter = {
      confirmExact: async () => false,
      waitUntil: async (_m: string, _ready: () => Promise<boolean>, timeoutMs: number) => {
        waitedFor = timeoutMs;
        return false;
      },
    };
    const e = await rejection(waitForToken({ provider: neverInserted(), holder: 'admin-b', prompter, log: () => {} }));
    expect(waitedFor).toBe(TOKEN_WAIT_MS);
    expect(e.code).toBe('E_TOKEN_NOT_FOUND');
    expect(e.message).toBe('the token with label "admin-b" of admin-b was not inserted within 10 minutes');
  });

  it('without a terminal, fails at once', async () => {
    const e = await rejection(waitForToken({ provider: neverInserted(), holder: 'admin-b', log: () => {} }));
    expect(e.message).toMatch(/is not inserted, and without a terminal nothing waits for it/);
  });

  it('keys that are not on tokens are never waited for', async () => {
    const p = new SoftwareProvider(() => Ed25519Signer.generate());
    await expect(waitForToken({ provider: p, holder: 'admin-b', log: () => {} })).resolves.toBeUndefined();
  });
});
