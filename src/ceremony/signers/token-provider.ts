/**
 * The ceremony's SignerProvider on PKCS#11 tokens, per a token profile (src/keys): which token is
 * each holder's, which key label serves each purpose, where scripted runs read PINs.
 */
import { TokenError } from '../../tuf/model/errors.js';
import type { PinSource } from '../../keys/pin.js';
import { keyLabel, type HolderToken, type TokenProfile } from '../../keys/profile.js';
import { generateTokenKey, openHolderSession, type TokenKeyInfo, type TokenOptions } from '../../keys/token-keys.js';
import type { KeyType } from '../state/plan.js';
import type { GeneratedKey, HolderKeys, KeyPurpose, SignerProvider } from './signer-provider.js';

/** The result, or undefined when the holder's token has no key for the purpose. */
async function unlessNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TokenError && e.code === 'E_KEY_NOT_FOUND') return undefined;
    throw e;
  }
}

function generated(info: TokenKeyInfo): GeneratedKey {
  const out: GeneratedKey = { key: info.key, serial: info.tokenSerial, label: info.label };
  if (info.accepted) out.accepted = info.accepted;
  if (info.module) out.module = info.module;
  if (info.capabilities) out.capabilities = info.capabilities;
  return out;
}

export class TokenProvider implements SignerProvider {
  constructor(
    readonly profile: TokenProfile,
    private readonly pins: PinSource,
    private readonly options: TokenOptions = {},
  ) {}

  async generate(holder: string, purpose: KeyPurpose, type: KeyType): Promise<GeneratedKey> {
    const label = keyLabel(this.profile, holder, purpose);
    return generated(await generateTokenKey(this.profile, holder, purpose, type, label, this.pins, this.options));
  }

  /** All of one admin's keys with one PIN entry per token: the PINs are kept only for this call. */
  async generateKeys(holder: string, wanted: Array<{ purpose: KeyPurpose; type: KeyType }>): Promise<GeneratedKey[]> {
    const pins = new Map<string, Promise<string>>();
    const once: PinSource = {
      pinFor: (entry, tokenLabel) => {
        // One entry per token of the holder: the PIN source entry is the profile's token entry.
        const key = JSON.stringify([(entry as HolderToken).module?.path ?? '', tokenLabel]);
        let pin = pins.get(key);
        if (!pin) pins.set(key, (pin = this.pins.pinFor(entry, tokenLabel)));
        return pin;
      },
    };
    const out: GeneratedKey[] = [];
    for (const w of wanted) {
      const label = keyLabel(this.profile, holder, w.purpose);
      out.push(generated(await generateTokenKey(this.profile, holder, w.purpose, w.type, label, once, this.options)));
    }
    return out;
  }

  async open(holder: string, purposes?: readonly KeyPurpose[]): Promise<HolderKeys> {
    const session = await openHolderSession(this.profile, holder, this.pins, this.options, purposes);
    return {
      holder,
      serial: session.tokenSerial,
      serialFor: (purpose) => session.serialFor(purpose),
      publicKey: (purpose) => unlessNotFound(session.publicKey(purpose)),
      signerFor: (purpose, expected) => session.signerFor(purpose, expected),
      capabilities: (purpose) => unlessNotFound(session.capabilities(purpose)),
      close: () => session.close(),
    };
  }
}
