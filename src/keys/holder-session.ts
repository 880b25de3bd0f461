/**
 * A holder's token, open and logged in for one signing batch (docs/threat-model.md section 2: one login
 * per batch; logout and session close in `finally`, which `close()` is for). Before anything is
 * signed, the public key the token holds must be the key the metadata expects; every signature is
 * verified in software before it is returned (docs/threat-model.md section 2).
 */
import { TokenError } from '../tuf/base/index.js';
import { groupedHex, type Key, ownerOf, type Signer } from '../tuf/model/index.js';
import { acquireModule, type ModuleLease } from './module-pool.js';
import type { Pkcs11Port, PortSession, PortSlot } from './pkcs11-port.js';
import type { PinSource } from './pin.js';
import { holderProfile, tokenForPurpose, type HolderToken, type TokenProfile } from './profile.js';
import {
  endSession,
  findKeyPair,
  logInAsking,
  readCapabilities,
  readPublicKey,
  requireMechanisms,
  selectToken,
  tokenPresent,
  describeWant,
  type Capability,
  type KeyPairObjects,
} from './token-access.js';
import { describeToken, removedError, REMOVAL_CODES, tokenError, type TokenContext } from './token-errors.js';
import { PortError } from './pkcs11-port.js';

export interface TokenOptions {
  /** The PKCS#11 port; graphene-pk11 unless a test gives a fake. */
  port?: Pkcs11Port;
}

export interface HolderSession {
  holder: string;
  /** The first token opened (for a holder with one token, their token). */
  tokenLabel: string;
  tokenSerial: string;
  /** The serial of the token that holds the key for a purpose (opening it when needed). */
  serialFor(purpose: string): Promise<string>;
  /**
   * A Signer for the holder's key of that purpose; throws TokenError 'E_WRONG_KEY' naming whose key
   * the token really holds when its public key differs from `expected` ("this is not admin B's key").
   * `known` keys (a root's keys, say) let the message name the real owner when it is someone else's key.
   */
  signerFor(purpose: string, expected: Key, known?: Iterable<Key>): Promise<Signer>;
  /** The TUF public key of the holder's key for that purpose (owner field set to the holder). */
  publicKey(purpose: string): Promise<Key>;
  /** The label of the private key for that purpose and what the token says it allows (read in the logged-in session). */
  capabilities(purpose: string): Promise<{ label: string; capabilities: Capability[] }>;
  /** Logout + close session + release the module; safe to call twice. */
  close(): Promise<void>;
}

/** Signs with a private key on a token; the public half was checked against `key` first. */
export class Pkcs11Signer implements Signer {
  constructor(
    readonly key: Key,
    readonly description: string,
    private readonly session: TokenHolderSession,
    private readonly pair: KeyPairObjects,
    private readonly label: string,
  ) {}

  async sign(payload: Uint8Array): Promise<Uint8Array> {
    const raw = this.session.signRaw(this.pair, this.label, this.pair.spec.toBeSigned(payload));
    const sig = this.pair.spec.toTufSignature(raw);
    // Verify at once in software (docs/threat-model.md section 2): a token that signs wrong never gets a signature out.
    if (!this.key.verifyMadeHere(payload, sig)) {
      throw new TokenError(
        'E_BAD_TOKEN_SIGNATURE',
        `${this.description}: the signature just made does not verify with the expected public key; it was not used`,
      );
    }
    return sig;
  }
}

/** One token of a holder, logged in. */
class TokenHolderSession {
  readonly holder: string;
  readonly tokenLabel: string;
  readonly tokenSerial: string;
  private closed = false;
  private readonly pairs = new Map<string, KeyPairObjects>();

  constructor(
    private readonly lease: ModuleLease,
    private readonly slot: PortSlot,
    private readonly session: PortSession,
    private readonly entry: HolderToken,
  ) {
    this.holder = entry.name;
    this.tokenLabel = slot.token.label;
    this.tokenSerial = slot.token.serial;
  }

  private ctx(key?: string, during?: string): TokenContext {
    return { module: this.entry.module.path, token: this.slot.token, key, during };
  }

  private open(): void {
    if (this.closed)
      throw new TokenError('E_SESSION_CLOSED', `the session with ${describeToken(this.slot.token)} is already closed`);
  }

  private pair(purpose: string): { label: string; pair: KeyPairObjects } {
    this.open();
    const label = this.entry.keys[purpose]!;
    let pair = this.pairs.get(label);
    if (!pair) {
      pair = findKeyPair(this.session, label, this.ctx(label));
      this.pairs.set(label, pair);
    }
    return { label, pair };
  }

  async publicKey(purpose: string): Promise<Key> {
    const { label, pair } = this.pair(purpose);
    return readPublicKey(this.session, pair.publicKey, this.holder, { ...this.ctx(label), key: label });
  }

  async capabilities(purpose: string): Promise<{ label: string; capabilities: Capability[] }> {
    const { label, pair } = this.pair(purpose);
    try {
      return { label, capabilities: readCapabilities(this.session, pair.privateKey, 'private') };
    } catch (e) {
      throw tokenError(e, this.ctx(label, `reading the attributes of key "${label}"`));
    }
  }

  async signerFor(purpose: string, expected: Key, known: Iterable<Key> = []): Promise<Signer> {
    const { label, pair } = this.pair(purpose);
    const actual = await this.publicKey(purpose);
    if (!actual.sameMaterial(expected)) {
      const whose = ownerOf(expected) ?? `keyid ${groupedHex(expected.keyid)}`;
      const real = [...known].find((k) => k.sameMaterial(actual));
      const realOwner = (real && ownerOf(real)) ?? this.holder;
      throw new TokenError(
        'E_WRONG_KEY',
        `this is not ${whose}'s key: ${describeToken(this.slot.token)}, key "${label}" holds ` +
          `${realOwner}'s ${purpose} key (keyid ${groupedHex((real ?? actual).keyid)}), but ` +
          `${groupedHex(expected.keyid)} is expected`,
      );
    }
    requireMechanisms(
      this.lease.module,
      this.slot,
      [pair.spec.sign.type],
      `signing with key "${label}"`,
      this.ctx(label),
    );
    const description = `${describeToken(this.slot.token)}, key "${label}" (${this.holder})`;
    return new Pkcs11Signer(expected, description, this, pair, label);
  }

  /**
   * One single-part C_Sign; a failure is checked against the token's presence first. Hardware
   * tokens report a pull as CKR_DEVICE_REMOVED or CKR_SESSION_HANDLE_INVALID; SoftHSM 2.6, whose
   * token folder vanished, answers CKR_OBJECT_HANDLE_INVALID and then fails C_GetTokenInfo.
   */
  signRaw(pair: KeyPairObjects, label: string, data: Uint8Array): Buffer {
    this.open();
    try {
      return this.session.sign(pair.spec.sign, pair.privateKey, data);
    } catch (e) {
      const ctx = this.ctx(label, `signing with key "${label}"`);
      if (e instanceof PortError && REMOVAL_CODES.has(e.ckr)) throw removedError(ctx, e.ckr);
      const gone = this.absence();
      if (gone) throw removedError(ctx, `${e instanceof PortError ? e.ckr : 'failure'}, then ${gone}`);
      throw tokenError(e, ctx);
    }
  }

  /** Why the token is no longer there, or undefined when it still answers with the same serial. */
  private absence(): string | undefined {
    try {
      const info = this.lease.module.tokenInfo(this.slot.id);
      return info.serial === this.slot.token.serial ? undefined : `the slot now holds serial ${info.serial}`;
    } catch (e) {
      return `C_GetTokenInfo failed with ${e instanceof PortError ? e.ckr : (e as Error).message}`;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    endSession(this.session);
    this.lease.release();
  }
}

/** Select one token of a holder, ask for its PIN (again after a typo), log in. */
async function openToken(
  entry: HolderToken,
  profile: TokenProfile,
  pins: PinSource,
  options: TokenOptions,
): Promise<TokenHolderSession> {
  const lease = acquireModule(entry.module, options.port);
  let session: PortSession | undefined;
  try {
    const slot = selectToken(lease.module, profile, entry);
    const ctx: TokenContext = { module: entry.module.path, token: slot.token };
    try {
      session = lease.module.openSession(slot.id, false);
    } catch (e) {
      throw tokenError(e, { ...ctx, during: 'opening a session' });
    }
    await logInAsking(lease.module, slot, session, entry, pins, ctx);
    return new TokenHolderSession(lease, slot, session, entry);
  } catch (e) {
    if (session) endSession(session);
    lease.release();
    throw e;
  }
}

/** All of a holder's tokens: each opened (PIN, login) the first time a purpose on it is used. */
class MultiTokenSession implements HolderSession {
  private readonly open = new Map<HolderToken, TokenHolderSession>();
  private closed = false;
  tokenLabel = '';
  tokenSerial = '';

  constructor(
    readonly holder: string,
    private readonly profile: TokenProfile,
    private readonly pins: PinSource,
    private readonly options: TokenOptions,
  ) {}

  async token(entry: HolderToken): Promise<TokenHolderSession> {
    if (this.closed)
      throw new TokenError('E_SESSION_CLOSED', `the sessions with the tokens of ${this.holder} are already closed`);
    let t = this.open.get(entry);
    if (!t) {
      t = await openToken(entry, this.profile, this.pins, this.options);
      this.open.set(entry, t);
      if (this.open.size === 1) {
        this.tokenLabel = t.tokenLabel;
        this.tokenSerial = t.tokenSerial;
      }
    }
    return t;
  }

  private forPurpose(purpose: string): Promise<TokenHolderSession> {
    return this.token(tokenForPurpose(this.profile, this.holder, purpose));
  }

  async serialFor(purpose: string): Promise<string> {
    return (await this.forPurpose(purpose)).tokenSerial;
  }

  async publicKey(purpose: string): Promise<Key> {
    return (await this.forPurpose(purpose)).publicKey(purpose);
  }

  async signerFor(purpose: string, expected: Key, known?: Iterable<Key>): Promise<Signer> {
    return (await this.forPurpose(purpose)).signerFor(purpose, expected, known);
  }

  async capabilities(purpose: string): Promise<{ label: string; capabilities: Capability[] }> {
    return (await this.forPurpose(purpose)).capabilities(purpose);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    for (const t of all) await t.close();
  }
}

/**
 * Open a holder's tokens: those holding a key for one of `purposes` (every token of the holder
 * when not given) at once, one PIN each, in profile order; any other token the first time a
 * purpose on it is used. Call `close()` in a `finally`.
 */
export async function openHolderSession(
  profile: TokenProfile,
  holder: string,
  pins: PinSource,
  options: TokenOptions = {},
  purposes?: readonly string[],
): Promise<HolderSession> {
  const session = new MultiTokenSession(holder, profile, pins, options);
  try {
    for (const t of tokensFor(profile, holder, purposes)) await session.token(t);
    return session;
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** The holder's tokens that hold a key for one of `purposes` (all when not given; the first when none does). */
function tokensFor(profile: TokenProfile, holder: string, purposes?: readonly string[]): HolderToken[] {
  const entry = holderProfile(profile, holder);
  const wanted =
    purposes === undefined ? entry.tokens : entry.tokens.filter((t) => purposes.some((p) => Object.hasOwn(t.keys, p)));
  return wanted.length ? wanted : entry.tokens.slice(0, 1);
}

/**
 * Which of the tokens `openHolderSession` would open are not in any slot now, described for a
 * person ("token labelled \"admin-b\""); no PIN is asked. The module is loaded afresh when nothing
 * else holds it, as some modules (SoftHSM) read their token list only when loaded.
 */
export function absentTokens(
  profile: TokenProfile,
  holder: string,
  purposes?: readonly string[],
  options: TokenOptions = {},
): string[] {
  const absent: string[] = [];
  for (const entry of tokensFor(profile, holder, purposes)) {
    const lease = acquireModule(entry.module, options.port);
    try {
      if (!tokenPresent(lease.module, entry)) absent.push(`the token with ${describeWant(entry.token)}`);
    } finally {
      lease.release();
    }
  }
  return absent;
}
