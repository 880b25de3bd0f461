/**
 * The steps every token operation shares: pick exactly one initialized token, check it supports a
 * mechanism before asking for a PIN, log in, find exactly one key pair by label, and read its
 * public key as a TUF key (docs/formats/token-profile.md: zero or several matches is an error that names
 * what was found).
 */
import { FormatError, TokenError } from '../tuf/base/index.js';
import { type Key, OWNER_FIELD } from '../tuf/model/index.js';
import { CK, PortError, type PortModule, type PortObject, type PortSession, type PortSlot } from './pkcs11-port.js';
import type { PinSource } from './pin.js';
import type { HolderToken, TokenProfile } from './profile.js';
import { describeKeyType, specForKeyType, tufKeyFromAttributes, type KeyTypeSpec } from './token-key-types.js';
import { describeToken, mechanismName, tokenError, triesLeft, type TokenContext } from './token-errors.js';

/** The custom key field naming the holder, set before the keyid is computed (layout: keys carry their holder). */

export { OWNER_FIELD };

function tokenMatches(want: HolderToken['token'], slot: PortSlot): boolean {
  return (
    (want.label === undefined || slot.token.label === want.label) &&
    (want.serial === undefined || slot.token.serial === want.serial)
  );
}

export function describeWant(want: HolderToken['token']): string {
  return [
    want.label !== undefined ? `label "${want.label}"` : '',
    want.serial !== undefined ? `serial ${want.serial}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
}

/** The holder whose profile entry names this token of the module at `modulePath`, if any. */
export function holderOfSlot(
  profile: TokenProfile | undefined,
  modulePath: string,
  slot: PortSlot,
): string | undefined {
  return holderTokenOfSlot(profile, modulePath, slot)?.name;
}

/** The profile's token entry for this token of the module at `modulePath`, if any. */
export function holderTokenOfSlot(
  profile: TokenProfile | undefined,
  modulePath: string,
  slot: PortSlot,
): HolderToken | undefined {
  if (!profile) return undefined;
  return Object.values(profile.holders)
    .flatMap((h) => h.tokens)
    .find((t) => t.module.path === modulePath && tokenMatches(t.token, slot));
}

/** Whether an initialized token matching the holder's entry is in a slot now (no PIN needed). */
export function tokenPresent(module: PortModule, holder: HolderToken): boolean {
  let slots: PortSlot[];
  try {
    slots = module.slots();
  } catch (e) {
    throw tokenError(e, { module: holder.module.path, during: 'listing slots' });
  }
  return slots.some((s) => tokenMatches(holder.token, s) && s.token.flags & CK.CKF_TOKEN_INITIALIZED);
}

/** Exactly one initialized token with a user PIN matching one token entry of a holder. */
export function selectToken(module: PortModule, profile: TokenProfile, holder: HolderToken): PortSlot {
  const modulePath = holder.module.path;
  let slots: PortSlot[];
  try {
    slots = module.slots();
  } catch (e) {
    throw tokenError(e, { module: modulePath, during: 'listing slots' });
  }
  const matches = slots.filter((s) => tokenMatches(holder.token, s));
  if (matches.length === 0) {
    const present = slots
      .filter((s) => s.token.flags & CK.CKF_TOKEN_INITIALIZED)
      .map((s) => {
        const owner = holderOfSlot(profile, modulePath, s);
        return `${describeToken(s.token)}${owner ? `, ${owner}'s token` : ''}`;
      });
    throw new TokenError(
      'E_TOKEN_NOT_FOUND',
      `no token with ${describeWant(holder.token)} (holder "${holder.name}") in ${modulePath}; ` +
        `present: ${present.length ? present.join('; ') : 'no initialized token'}`,
    );
  }
  if (matches.length > 1) {
    throw new TokenError(
      'E_TOKEN_AMBIGUOUS',
      `${matches.length} tokens match ${describeWant(holder.token)} (holder "${holder.name}"): ` +
        `serials ${matches.map((s) => s.token.serial).join(', ')}; add the "serial" to the profile`,
    );
  }
  const slot = matches[0]!;
  const flags = slot.token.flags;
  if (!(flags & CK.CKF_TOKEN_INITIALIZED))
    throw new TokenError('E_TOKEN_NOT_INITIALIZED', `${describeToken(slot.token)} is not initialized`);
  if (!(flags & CK.CKF_USER_PIN_INITIALIZED))
    throw new TokenError(
      'E_TOKEN_NOT_INITIALIZED',
      `${describeToken(slot.token)} has no user PIN yet; initialize it first`,
    );
  // A locked PIN is refused before anyone is asked to type it (PKCS#11 CKF_USER_PIN_LOCKED).
  if (flags & CK.CKF_USER_PIN_LOCKED)
    throw tokenError(new PortError('CKR_PIN_LOCKED', 'C_GetTokenInfo'), { token: slot.token });
  return slot;
}

/** Refuse, before any PIN is asked, a token that lacks a mechanism the key type needs. */
export function requireMechanisms(
  module: PortModule,
  slot: PortSlot,
  needed: number[],
  forWhat: string,
  ctx: TokenContext,
): void {
  let supported: number[];
  try {
    supported = module.mechanisms(slot.id);
  } catch (e) {
    throw tokenError(e, { ...ctx, during: 'reading the mechanism list' });
  }
  const missing = needed.filter((m) => !supported.includes(m));
  if (missing.length) {
    throw new TokenError(
      'E_MECHANISM_UNSUPPORTED',
      `${describeToken(slot.token)} does not support ${missing.map(mechanismName).join(' and ')}, needed for ${forWhat}`,
    );
  }
}

/** C_Login; a wrong PIN re-reads the token flags to say how many tries are left. */
export function login(module: PortModule, slot: PortSlot, session: PortSession, pin: string, ctx: TokenContext): void {
  try {
    session.login(pin);
  } catch (e) {
    // Another session of this process on the same token already logged in (PKCS#11 login state is per token).
    if (e instanceof PortError && e.ckr === 'CKR_USER_ALREADY_LOGGED_IN') return;
    let flags: number | undefined;
    try {
      flags = module.tokenInfo(slot.id).flags;
    } catch {
      flags = undefined;
    }
    throw tokenError(e, { ...ctx, flags, during: 'logging in' });
  }
}

/** Wrong PINs a person may type for one token in one run before the tool stops asking. */
export const PIN_TRIES = 3;

/** What the token says about its PIN counter, for the question before a try (PKCS#11 CK_TOKEN_INFO flags). */
function counterNote(flags: number): string {
  if (flags & CK.CKF_USER_PIN_FINAL_TRY)
    return 'the token reports that one more wrong PIN locks it, and only its security officer can unlock it';
  if (flags & CK.CKF_USER_PIN_COUNT_LOW) return 'the token reports few tries left before it locks';
  return '';
}

function freshFlags(module: PortModule, slot: PortSlot): number {
  try {
    return module.tokenInfo(slot.id).flags;
  } catch {
    return slot.token.flags;
  }
}

/**
 * Ask for the PIN and log in. A typed PIN that is wrong is asked again, up to PIN_TRIES times,
 * each question saying how many tries are left and, before the token's last, that one more wrong
 * PIN locks it. A PIN from the environment or a file is tried once: a script fails fast.
 */
export async function logInAsking(
  module: PortModule,
  slot: PortSlot,
  session: PortSession,
  entry: HolderToken,
  pins: PinSource,
  ctx: TokenContext,
): Promise<void> {
  const before = counterNote(freshFlags(module, slot));
  let note = before ? `Careful: ${before}` : undefined;
  for (let tried = 1; ; tried++) {
    const pin = await pins.pinFor(entry, slot.token.label, note);
    try {
      login(module, slot, session, pin, ctx);
      return;
    } catch (e) {
      if (!(e instanceof TokenError) || e.code !== 'E_PIN_INCORRECT' || !pins.asks?.(entry)) throw e;
      const flags = freshFlags(module, slot);
      if (flags & CK.CKF_USER_PIN_LOCKED) throw tokenError(new PortError('CKR_PIN_LOCKED', 'C_Login'), ctx);
      const left = PIN_TRIES - tried;
      if (left === 0)
        throw new TokenError(
          'E_PIN_INCORRECT',
          `wrong PIN for ${describeToken(slot.token)} ${PIN_TRIES} times; not asked again in this run${triesLeft(flags)}`,
          { cause: e },
        );
      const counter = counterNote(flags);
      const last = flags & CK.CKF_USER_PIN_FINAL_TRY ? 'LAST TRY' : `${left} ${left === 1 ? 'try' : 'tries'} left`;
      note = `Wrong PIN; ${last}${counter ? `: ${counter}` : ''}`;
    }
  }
}

export interface KeyPairObjects {
  privateKey: PortObject;
  publicKey: PortObject;
  id: Buffer;
  keyType: number;
  spec: KeyTypeSpec;
}

/** Exactly one private key with the label (needs a login), and its public key by CKA_ID. */
export function findKeyPair(session: PortSession, label: string, ctx: TokenContext): KeyPairObjects {
  const tok = ctx.token ? describeToken(ctx.token) : 'the token';
  try {
    const privs = session.find({ class: CK.CKO_PRIVATE_KEY, label });
    if (privs.length === 0) {
      const labels = session
        .find({ class: CK.CKO_PRIVATE_KEY })
        .map((o) => session.getAttributes(o, ['label']).label ?? '');
      throw new TokenError(
        'E_KEY_NOT_FOUND',
        `${tok} has no private key labelled "${label}" (it has: ${labels.length ? labels.map((l) => `"${l}"`).join(', ') : 'none'})`,
      );
    }
    if (privs.length > 1)
      throw new TokenError(
        'E_KEY_AMBIGUOUS',
        `${tok} has ${privs.length} private keys labelled "${label}"; refusing to guess which one signs`,
      );
    const privateKey = privs[0]!;
    const { id, keyType } = session.getAttributes(privateKey, ['id', 'keyType']);
    const spec = specForKeyType(keyType);
    if (!spec || keyType === undefined)
      throw new TokenError(
        'E_KEY_UNSUPPORTED',
        `${tok}, key "${label}": key type ${describeKeyType({ keyType })} cannot sign TUF metadata`,
      );
    const keyId = id ?? Buffer.alloc(0);
    let pubs = keyId.length ? session.find({ class: CK.CKO_PUBLIC_KEY, id: keyId }) : [];
    if (pubs.length === 0) pubs = session.find({ class: CK.CKO_PUBLIC_KEY, label });
    if (pubs.length !== 1) {
      throw new TokenError(
        pubs.length ? 'E_KEY_AMBIGUOUS' : 'E_PUBLIC_KEY_MISSING',
        `${tok}, key "${label}": expected one public key with CKA_ID ${keyId.toString('hex') || '(none)'}, found ${pubs.length}`,
      );
    }
    return { privateKey, publicKey: pubs[0]!, id: keyId, keyType, spec };
  } catch (e) {
    throw tokenError(e, { ...ctx, key: label, during: `looking up key "${label}"` });
  }
}

/** The TUF public key of a public key object, with the owner field set before the keyid. */
export function readPublicKey(
  session: PortSession,
  publicKey: PortObject,
  owner: string | undefined,
  ctx: TokenContext & { key: string },
): Key {
  try {
    const { keyType } = session.getAttributes(publicKey, ['keyType']);
    const spec = specForKeyType(keyType);
    const attrs = spec ? session.getAttributes(publicKey, spec.publicAttributes) : { keyType };
    return tufKeyFromAttributes(attrs, owner === undefined ? {} : { [OWNER_FIELD]: owner }, `key "${ctx.key}"`);
  } catch (e) {
    if (e instanceof FormatError) {
      throw new TokenError('E_KEY_UNSUPPORTED', `${ctx.token ? describeToken(ctx.token) : 'the token'}, ${e.message}`, {
        cause: e,
      });
    }
    throw tokenError(e, { ...ctx, during: `reading the public key "${ctx.key}"` });
  }
}

/**
 * What a key object may be used for, as the token reports it: CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP
 * on a private key and CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP on a public key (PKCS#11 v2.40 sections
 * 4.8 and 4.9), CKA_DERIVE on either (section 4.7). Keys made by other tools may allow more
 * than signing; `key generate` never makes such a key.
 */
export type Capability = 'sign' | 'verify' | 'decrypt' | 'encrypt' | 'unwrap' | 'wrap' | 'derive';

const CAPABILITIES_OF: Record<'private' | 'public', Capability[]> = {
  private: ['sign', 'decrypt', 'unwrap', 'derive'],
  public: ['verify', 'encrypt', 'wrap', 'derive'],
};

/** The capabilities of a private key beyond signing that a signing key should not have. */
export const BEYOND_SIGNING: readonly Capability[] = ['decrypt', 'unwrap', 'derive'];

/**
 * The capabilities the token reports true for one object, read one attribute at a time: a token
 * may answer CKR_ATTRIBUTE_TYPE_INVALID for one it does not keep (section 5.7, C_GetAttributeValue),
 * which then counts as not reported rather than failing the whole read.
 */
export function readCapabilities(session: PortSession, object: PortObject, kind: 'private' | 'public'): Capability[] {
  const out: Capability[] = [];
  for (const c of CAPABILITIES_OF[kind]) {
    let value: boolean | undefined;
    try {
      value = session.getAttributes(object, [c])[c];
    } catch (e) {
      if (e instanceof PortError && (e.ckr === 'CKR_ATTRIBUTE_TYPE_INVALID' || e.ckr === 'CKR_ATTRIBUTE_SENSITIVE'))
        continue;
      throw e;
    }
    if (value === true) out.push(c);
  }
  return out;
}

/** The capabilities in `caps` beyond signing ("decrypt", "unwrap", "derive"). */
export function beyondSigning(caps: readonly Capability[]): Capability[] {
  return caps.filter((c) => BEYOND_SIGNING.includes(c));
}

/** Log out and close, ignoring failures: the token may be gone, and the first error is the one to report. */
export function endSession(session: PortSession): void {
  try {
    session.logout();
  } catch {
    // Not logged in, or the token is gone.
  }
  try {
    session.close();
  } catch {
    // The session died with the token.
  }
}
