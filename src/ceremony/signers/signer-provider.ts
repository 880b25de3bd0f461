/**
 * How the ceremony reaches an admin's keys, whatever holds them: a PKCS#11 token (token-provider.ts)
 * or, for developers and unit tests, software keys. Small on purpose, like boulder's PKCS#11
 * interface: the ceremony logic never sees a module, a slot or a PIN.
 */
import { groupedHex, type Key, type Signer } from '../../tuf/model/index.js';
import { TokenError } from '../../tuf/base/index.js';
import type { KeyType, OfflineRole } from '../state/plan.js';

/** What an admin's key is for; a token holds at most one key per purpose. */
export type KeyPurpose = OfflineRole;

export interface HolderKeys {
  readonly holder: string;
  /** The serial number of the first token opened (recorded in the transcript), or "software". */
  readonly serial: string;
  /** The serial of the token that holds the key for `purpose` (a holder's keys may be on several tokens). */
  serialFor(purpose: KeyPurpose): Promise<string>;
  /** The public key the token holds for a purpose, or undefined when it holds none. */
  publicKey(purpose: KeyPurpose): Promise<Key | undefined>;
  /** A signer whose public key must equal `expected` (TokenError otherwise). Logs in when needed. */
  signerFor(purpose: KeyPurpose, expected: Key): Promise<Signer>;
  /**
   * The label of the key for `purpose` and what the token reports it allows ("sign", "decrypt",
   * "unwrap", "derive"); undefined when the holder has no such key, or the keys are not on a token.
   */
  capabilities?(purpose: KeyPurpose): Promise<{ label: string; capabilities: string[] } | undefined>;
  close(): Promise<void>;
}

export interface GeneratedKey {
  /** The TUF public key, without the owner field. */
  key: Key;
  serial: string;
  label?: string;
  /** The key's CKA_ID as hex, when it is on a token. */
  id?: string;
  /** Attribute deviations the profile accepted for the token's module ("CKA_LOCAL=false"). */
  accepted?: string[];
  /** The profile's module that holds the key (name and library), when it is on a token. */
  module?: { name: string; path: string };
  /** What the new private key allows, as the token reports it. */
  capabilities?: string[];
}

export interface SignerProvider {
  /**
   * Open the holder's token (or key store); with `purposes`, at once only the tokens that hold
   * keys for them (others when first used).
   */
  open(holder: string, purposes?: readonly KeyPurpose[]): Promise<HolderKeys>;
  /** Generate a non-extractable key for `purpose` on the holder's token. */
  generate(holder: string, purpose: KeyPurpose, type: KeyType, attempt?: KeyAttempt): Promise<GeneratedKey>;
  /**
   * The holder's tokens for `purposes` that are not inserted now, described for a person; empty
   * when all are (or the keys are not on tokens). Asks for no PIN.
   */
  absent?(holder: string, purposes?: readonly KeyPurpose[]): Promise<string[]>;
  /**
   * Several keys for one holder in one go (one PIN entry); falls back to `generate` when absent.
   * `made` is called after each key, before the next is begun.
   */
  generateKeys?(
    holder: string,
    wanted: Array<{ purpose: KeyPurpose; type: KeyType; attempt?: KeyAttempt }>,
    made?: (index: number, key: GeneratedKey) => void,
  ): Promise<GeneratedKey[]>;
  /**
   * The holder's key for `purpose` as it is now, read back without a PIN (the public key, its
   * token serial and CKA_ID): for taking up a key an interrupted run made. Absent when keys
   * cannot be read back (software keys live only as long as the process).
   */
  readBack?(holder: string, purpose: KeyPurpose): Promise<GeneratedKey>;
}

/** A key generation a caller recorded beforehand (init's journal), so that a cut run can be told apart. */
export interface KeyAttempt {
  /** The CKA_ID to give the key, as hex. */
  id: string;
  /** An earlier run recorded this attempt and was cut before the key was recorded as made. */
  leftover: boolean;
}

/**
 * The capabilities a signing key should not have (CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE; PKCS#11
 * v2.40 sections 4.7 and 4.9): those of `caps`, for a warning or, under the plan's
 * `roles.<role>.sign_only`, a refusal.
 */
export function beyondSigning(caps: readonly string[]): string[] {
  return caps.filter((c) => c === 'decrypt' || c === 'unwrap' || c === 'derive');
}

/** What a warning about such a key adds (the same words in `event sign`, `token list` and `rotate`). */
export const MORE_THAN_SIGNING =
  'it was made for more than TUF signatures (docs/tokens.md, "Keys made by other tools")';

/** The purpose of a key that signs `role`: root keys, targets keys, and claimed keys for the rest. */
export function purposeForRole(role: string): KeyPurpose {
  return role === 'root' ? 'root' : role === 'targets' ? 'targets' : 'claimed';
}

/** Software keys by holder and purpose, for tests of the ceremony logic and developer tooling. */
export class SoftwareProvider implements SignerProvider {
  private readonly keys = new Map<string, Signer>();
  constructor(private readonly make: (holder: string, purpose: KeyPurpose, type: KeyType) => Signer) {}

  add(holder: string, purpose: KeyPurpose, signer: Signer): void {
    this.keys.set(`${holder}/${purpose}`, signer);
  }

  async generate(holder: string, purpose: KeyPurpose, type: KeyType): Promise<GeneratedKey> {
    const signer = this.make(holder, purpose, type);
    this.add(holder, purpose, signer);
    return { key: signer.key, serial: 'software' };
  }

  async open(holder: string): Promise<HolderKeys> {
    const keys = this.keys;
    return {
      holder,
      serial: 'software',
      async serialFor() {
        return 'software';
      },
      async publicKey(purpose) {
        return keys.get(`${holder}/${purpose}`)?.key;
      },
      async signerFor(purpose, expected) {
        const s = keys.get(`${holder}/${purpose}`);
        if (!s || !s.key.sameMaterial(expected))
          throw new TokenError('E_WRONG_KEY', `${holder} has no ${purpose} key ${groupedHex(expected.keyid)}`);
        return { key: expected, description: `${holder}'s software ${purpose} key`, sign: (p) => s.sign(p) };
      },
      async close() {},
    };
  }
}
