/**
 * A token that lacks a mechanism, for real: SoftHSM configured without Ed25519 (slots.mechanisms).
 * The tool says so before asking for a PIN, naming the token and the mechanism.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKey, openHolderSession } from '../../src/keys/token-keys.js';
import { CeremonyError } from '../../src/tuf/base/errors.js';
import { pinSource } from '../../src/keys/pin.js';
import { freshTokens, type Fixture } from './softhsm-fixture.js';

let fx: Fixture;
let asked = 0;
const pins = pinSource({}, async () => {
  asked++;
  return '5678-ed';
});

beforeAll(() => {
  fx = freshTokens([{ label: 'no-eddsa', soPin: 'so-0000', userPin: '5678-ed' }], {
    disableMechanisms: ['CKM_EDDSA', 'CKM_EC_EDWARDS_KEY_PAIR_GEN'],
  });
});
afterAll(() => fx?.cleanup());

describe('a token without the mechanism a key type needs', () => {
  it('refuses to generate an Ed25519 key before any PIN is asked', async () => {
    const profile = fx.profile('p.json', {
      module: fx.module,
      holders: { dev: { token: { label: 'no-eddsa' }, keys: { developer: 'dev-key' } } },
    });
    const e = await generateTokenKey(profile, 'dev', 'developer', 'ed25519', 'dev-key', pins).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CeremonyError);
    expect((e as CeremonyError).code).toBe('E_MECHANISM_UNSUPPORTED');
    expect((e as CeremonyError).message).toBe(
      `token "no-eddsa" (serial ${fx.serialOf('no-eddsa')}) does not support CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EDDSA, needed for ed25519 keys`,
    );
    expect(asked).toBe(0);
  });

  it('still makes and signs with the key types it supports', async () => {
    const profile = fx.profile('p2.json', {
      module: fx.module,
      holders: { dev: { token: { label: 'no-eddsa' }, keys: { developer: 'dev-ec' } } },
    });
    const made = await generateTokenKey(profile, 'dev', 'developer', 'ecdsa-p256', 'dev-ec', pins);
    const session = await openHolderSession(profile, 'dev', pins);
    try {
      const signer = await session.signerFor('developer', made.key);
      const payload = Buffer.from('payload');
      expect(made.key.verify(payload, await signer.sign(payload))).toBe(true);
    } finally {
      await session.close();
    }
  });
});
