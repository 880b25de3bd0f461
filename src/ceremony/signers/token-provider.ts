/**
 * The ceremony's SignerProvider on PKCS#11 tokens, per a token profile (src/keys): which token is
 * each holder's, which key label serves each purpose, where scripted runs read PINs.
 */
import { TokenError } from '../../tuf/base/index.js';
import {
  absentTokens,
  generateTokenKey,
  type HolderToken,
  keyLabel,
  openHolderSession,
  type PinSource,
  readTokenPublicKey,
  tokenForPurpose,
  type TokenKeyInfo,
  type TokenOptions,
  type TokenProfile,
} from '../../keys/index.js';
import type { KeyType } from '../state/plan.js';
import type { GeneratedKey, HolderKeys, KeyAttempt, KeyPurpose, SignerProvider } from './signer-provider.js';

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
  const out: GeneratedKey = { key: info.key, serial: info.tokenSerial, label: info.label, id: info.id };
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

  async generate(holder: string, purpose: KeyPurpose, type: KeyType, attempt?: KeyAttempt): Promise<GeneratedKey> {
    return this.generateWith(this.pins, holder, purpose, type, attempt);
  }

  private async generateWith(
    pins: PinSource,
    holder: string,
    purpose: KeyPurpose,
    type: KeyType,
    attempt?: KeyAttempt,
  ): Promise<GeneratedKey> {
    const label = keyLabel(this.profile, holder, purpose);
    const options = attempt ? { ...this.options, ckaId: attempt.id, leftover: attempt.leftover } : this.options;
    return generated(await generateTokenKey(this.profile, holder, purpose, type, label, pins, options));
  }

  async readBack(holder: string, purpose: KeyPurpose): Promise<GeneratedKey> {
    const label = keyLabel(this.profile, holder, purpose);
    const info = await readTokenPublicKey(this.profile, holder, label, this.options);
    const entry = tokenForPurpose(this.profile, holder, purpose);
    return { ...generated(info), module: { name: entry.module.name, path: entry.module.path } };
  }

  /** All of one admin's keys with one PIN entry per token: the PINs are kept only for this call. */
  async generateKeys(
    holder: string,
    wanted: Array<{ purpose: KeyPurpose; type: KeyType; attempt?: KeyAttempt }>,
    made?: (index: number, key: GeneratedKey) => void,
  ): Promise<GeneratedKey[]> {
    const pins = new Map<string, Promise<string>>();
    const once: PinSource = {
      pinFor: (entry, tokenLabel, note) => {
        // One entry per token of the holder: the PIN source entry is the profile's token entry.
        const key = JSON.stringify([(entry as HolderToken).module?.path ?? '', tokenLabel]);
        let pin = pins.get(key);
        // Asked again after a wrong PIN: the new answer replaces the one kept.
        if (!pin || note !== undefined) pins.set(key, (pin = this.pins.pinFor(entry, tokenLabel, note)));
        return pin;
      },
      asks: (entry) => this.pins.asks?.(entry) ?? false,
    };
    const out: GeneratedKey[] = [];
    for (const [i, w] of wanted.entries()) {
      const g = await this.generateWith(once, holder, w.purpose, w.type, w.attempt);
      out.push(g);
      made?.(i, g);
    }
    return out;
  }

  async absent(holder: string, purposes?: readonly KeyPurpose[]): Promise<string[]> {
    return absentTokens(this.profile, holder, purposes, this.options);
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
