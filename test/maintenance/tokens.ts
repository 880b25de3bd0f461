/** Throwaway SoftHSM tokens, one per holder, and a token profile naming their keys. */
import { pinSource } from '../../src/keys/pin.js';
import { generateTokenKey } from '../../src/keys/token-keys.js';
import type { Key } from '../../src/tuf/model/key.js';
import type { TokenProfile } from '../../src/keys/profile.js';
import { TokenProvider } from '../../src/ceremony/signers/token-provider.js';
import { freshTokens, type Fixture } from '../keys/softhsm-fixture.js';

export interface HolderTokens {
  fx: Fixture;
  /** A profile where each holder's root, targets and claimed keys are labelled `<purpose>-<holder>`. */
  profile: TokenProfile;
  profilePath: string;
  provider: TokenProvider;
  /** Another profile file with some labels changed (a holder's next key). */
  variant(
    name: string,
    labels: Record<string, Record<string, string>>,
  ): { profile: TokenProfile; path: string; provider: TokenProvider };
}

export function holderTokens(holders: string[]): HolderTokens {
  const fx = freshTokens(
    holders.map((h) => ({ label: `token-${h}`, soPin: `so-${h}-0000`, userPin: `pin-${h}-1234` })),
  );
  const entries = (labels: Record<string, Record<string, string>> = {}) =>
    Object.fromEntries(
      holders.map((h) => [
        h,
        {
          token: { label: `token-${h}` },
          keys: { root: `root-${h}`, targets: `targets-${h}`, claimed: `claimed-${h}`, ...(labels[h] ?? {}) },
          pin: { file: fx.pinFileOf(`token-${h}`) },
        },
      ]),
    );
  const make = (name: string, labels?: Record<string, Record<string, string>>) => {
    const profile = fx.profile(name, { module: fx.module, holders: entries(labels) });
    return { profile, path: profile.path, provider: new TokenProvider(profile, pinSource({})) };
  };
  const base = make('profile.json');
  return { fx, profile: base.profile, profilePath: base.path, provider: base.provider, variant: make };
}

/** A new key generated on the holder's token under `label`; the public key names the holder. */
export async function tokenKey(t: HolderTokens, holder: string, label: string): Promise<Key> {
  return (await generateTokenKey(t.profile, holder, '', 'ed25519', label, pinSource({}))).key;
}
