/**
 * The ceremony's SignerProvider on PKCS#11 tokens, per a token profile (src/keys): which token is
 * each holder's, which key label serves each purpose, where scripted runs read PINs.
 */
import { TokenError } from '../tuf/errors.js';
import type { PinSource } from '../keys/pin.js';
import { keyLabel, type TokenProfile } from '../keys/profile.js';
import { generateTokenKey, openHolderSession, type TokenOptions } from '../keys/token-keys.js';
import type { KeyType } from './plan.js';
import type { GeneratedKey, HolderKeys, KeyPurpose, SignerProvider } from './signer-provider.js';

export class TokenProvider implements SignerProvider {
  constructor(
    readonly profile: TokenProfile,
    private readonly pins: PinSource,
    private readonly options: TokenOptions = {},
  ) {}

  async generate(holder: string, purpose: KeyPurpose, type: KeyType): Promise<GeneratedKey> {
    const label = keyLabel(this.profile, holder, purpose);
    const info = await generateTokenKey(this.profile, holder, purpose, type, label, this.pins, this.options);
    return { key: info.key, serial: info.tokenSerial, label };
  }

  /** All of one admin's keys with one PIN entry: the PIN is kept only for this call. */
  async generateKeys(holder: string, wanted: Array<{ purpose: KeyPurpose; type: KeyType }>): Promise<GeneratedKey[]> {
    let pin: Promise<string> | undefined;
    const once: PinSource = { pinFor: (entry, tokenLabel) => (pin ??= this.pins.pinFor(entry, tokenLabel)) };
    const out: GeneratedKey[] = [];
    for (const w of wanted) {
      const label = keyLabel(this.profile, holder, w.purpose);
      const info = await generateTokenKey(this.profile, holder, w.purpose, w.type, label, once, this.options);
      out.push({ key: info.key, serial: info.tokenSerial, label });
    }
    return out;
  }

  async open(holder: string): Promise<HolderKeys> {
    const session = await openHolderSession(this.profile, holder, this.pins, this.options);
    return {
      holder,
      serial: session.tokenSerial,
      async publicKey(purpose) {
        try {
          return await session.publicKey(purpose);
        } catch (e) {
          if (e instanceof TokenError && e.code === 'E_KEY_NOT_FOUND') return undefined;
          throw e;
        }
      },
      signerFor: (purpose, expected) => session.signerFor(purpose, expected),
      close: () => session.close(),
    };
  }
}
