/**
 * Keys on tokens: generate, read the public key of, and list. Signing sessions are in
 * holder-session.ts (re-exported here so one import serves callers).
 *
 * Generated keys follow docs/threat-model.md section 2: token, private, sensitive, not extractable,
 * sign-only private key, a fresh CKA_ID, a label never reused; the attributes are read back and
 * the key is refused (and destroyed) when the token did not honour them; a test signature is
 * verified in software before the key is reported.
 */
import { randomBytes } from 'node:crypto';
import { RefusedError, TokenError, UsageError } from '../tuf/base/index.js';
import type { Key } from '../tuf/model/index.js';
import { ED25519_NAME_DER } from './der.js';
import { acquireModule, type ModuleRef } from './module-pool.js';
import {
  CK,
  PortError,
  type PortAttributes,
  type PortModule,
  type PortObject,
  type PortSession,
  type PortSlot,
} from './pkcs11-port.js';
import type { PinSource } from './pin.js';
import { ACCEPTABLE_DEVIATIONS, tokenForLabel, type ModuleProfile, type TokenProfile } from './profile.js';
import {
  beyondSigning,
  endSession,
  findKeyPair,
  holderTokenOfSlot,
  logInAsking,
  OWNER_FIELD,
  readCapabilities,
  readPublicKey,
  requireMechanisms,
  selectToken,
  type Capability,
} from './token-access.js';
import {
  describeKeyType,
  KEY_TYPE_SPECS,
  specForKeyType,
  TOKEN_KEY_TYPES,
  tufKeyFromAttributes,
  type KeyTypeSpec,
  type TokenKeyType,
} from './token-key-types.js';
import { describeToken, tokenError, type TokenContext } from './token-errors.js';
import type { TokenOptions } from './holder-session.js';

export {
  absentTokens,
  openHolderSession,
  Pkcs11Signer,
  type HolderSession,
  type TokenOptions,
} from './holder-session.js';
export { OWNER_FIELD, type Capability } from './token-access.js';
export { TOKEN_KEY_TYPES, type TokenKeyType } from './token-key-types.js';

export interface TokenKeyInfo {
  /** The TUF public key, owner field set to the holder. */
  key: Key;
  label: string;
  /** CKA_ID as lowercase hex. */
  id: string;
  tokenLabel: string;
  tokenSerial: string;
  /** Deviations the profile accepted for this module ("CKA_LOCAL=false"), to be shown and recorded. */
  accepted?: string[];
  /** The profile's module the key is on (its name and library), for the record of an accepted deviation. */
  module?: { name: string; path: string };
  /** What the private key allows, as the token reports it after a login (only "sign" for a key made here). */
  capabilities?: Capability[];
}

/** The private key attributes a ceremony key must have once generated (PKCS#11 v2.40 sections 4.4 and 4.9). */
const REQUIRED_PRIVATE: PortAttributes = {
  token: true,
  private: true,
  sensitive: true,
  extractable: false,
  alwaysSensitive: true,
  neverExtractable: true,
  local: true,
  sign: true,
  signRecover: false,
  decrypt: false,
  unwrap: false,
  derive: false,
};
const REQUIRED_PUBLIC: PortAttributes = { token: true, private: false };

function privateTemplate(spec: KeyTypeSpec, label: string, id: Buffer): PortAttributes {
  return {
    class: CK.CKO_PRIVATE_KEY,
    keyType: spec.keyType,
    label,
    id,
    token: true,
    private: true,
    sensitive: true,
    extractable: false,
    sign: true,
    signRecover: false,
    decrypt: false,
    unwrap: false,
    derive: false,
  };
}

function publicTemplate(spec: KeyTypeSpec, label: string, id: Buffer): PortAttributes {
  return {
    class: CK.CKO_PUBLIC_KEY,
    keyType: spec.keyType,
    label,
    id,
    token: true,
    private: false,
    verify: true,
    encrypt: false,
    wrap: false,
    ...spec.publicTemplate,
  };
}

/** Ed25519 curve parameters: the OID first, the printable name for tokens that want it (PKCS#11 3.0). */
const CURVE_REFUSALS = new Set([
  'CKR_ATTRIBUTE_VALUE_INVALID',
  'CKR_CURVE_NOT_SUPPORTED',
  'CKR_DOMAIN_PARAMS_INVALID',
  'CKR_TEMPLATE_INCONSISTENT',
]);

function generatePair(session: PortSession, spec: KeyTypeSpec, label: string, id: Buffer) {
  try {
    return session.generateKeyPair(spec.generate, publicTemplate(spec, label, id), privateTemplate(spec, label, id));
  } catch (e) {
    if (spec !== KEY_TYPE_SPECS.ed25519 || !(e instanceof PortError) || !CURVE_REFUSALS.has(e.ckr)) throw e;
    return session.generateKeyPair(
      spec.generate,
      { ...publicTemplate(spec, label, id), paramsEC: ED25519_NAME_DER },
      privateTemplate(spec, label, id),
    );
  }
}

/** The PKCS#11 name of an attribute, for messages and for a profile's "accept" entries. */
const CKA_NAMES: Partial<Record<keyof PortAttributes, string>> = {
  token: 'CKA_TOKEN',
  private: 'CKA_PRIVATE',
  sensitive: 'CKA_SENSITIVE',
  extractable: 'CKA_EXTRACTABLE',
  alwaysSensitive: 'CKA_ALWAYS_SENSITIVE',
  neverExtractable: 'CKA_NEVER_EXTRACTABLE',
  local: 'CKA_LOCAL',
  sign: 'CKA_SIGN',
  signRecover: 'CKA_SIGN_RECOVER',
  decrypt: 'CKA_DECRYPT',
  unwrap: 'CKA_UNWRAP',
  derive: 'CKA_DERIVE',
};

/** One attribute of a new key that is not as required: what the token reported, exactly. */
interface Deviation {
  object: 'private' | 'public';
  /** "CKA_LOCAL=false": the form a profile's "accept" uses. */
  reported: string;
  text: string;
}

function deviations(object: Deviation['object'], actual: PortAttributes, required: PortAttributes): Deviation[] {
  return Object.entries(required)
    .filter(([k, v]) => actual[k as keyof PortAttributes] !== v)
    .map(([k, v]) => {
      const name = CKA_NAMES[k as keyof PortAttributes] ?? k;
      const got = actual[k as keyof PortAttributes];
      const shown = got === undefined ? 'nothing (the attribute was not returned)' : String(got);
      return {
        object,
        reported: `${name}=${String(got)}`,
        text: `${object} key ${name}: the token reported ${shown}, required ${String(v)}`,
      };
    });
}

/** A CKA_ID no object on the token has yet. */
function freshId(session: PortSession): Buffer {
  for (;;) {
    const id = randomBytes(16);
    if (session.find({ id }).length === 0) return id;
  }
}

/** How to make one key when a caller keeps a record of it (init's journal). */
export interface GenerateOptions extends TokenOptions {
  /** The CKA_ID to give the new key (hex), chosen and recorded by the caller beforehand. */
  ckaId?: string;
  /**
   * An earlier run recorded `ckaId` and was cut before it recorded the key as made: objects under
   * the label that all carry that CKA_ID are its leftovers, destroyed before the key is made again.
   */
  leftover?: boolean;
}

/**
 * Generate a key pair for `holder` on their token. `purpose`, when given (not ''), must agree with
 * the profile's label for it. Refuses (RefusedError) when any object on the token has the label,
 * but for the leftovers of a cut run named by `options.leftover`.
 */
export async function generateTokenKey(
  profile: TokenProfile,
  holder: string,
  purpose: string,
  type: TokenKeyType,
  label: string,
  pins: PinSource,
  options: GenerateOptions = {},
): Promise<TokenKeyInfo> {
  const entry = tokenForLabel(profile, holder, label, purpose);
  const spec = Object.hasOwn(KEY_TYPE_SPECS, type) ? KEY_TYPE_SPECS[type] : undefined;
  if (!spec) throw new UsageError(`unknown key type "${type}" (one of ${TOKEN_KEY_TYPES.join(', ')})`);
  if (label === '' || Buffer.byteLength(label) > 64)
    throw new UsageError(`a key label is 1 to 64 bytes, got "${label}"`);
  const profiled = purpose && Object.hasOwn(entry.keys, purpose) ? entry.keys[purpose] : undefined;
  if (profiled !== undefined && profiled !== label) {
    throw new UsageError(
      `token profile ${profile.path}: holders.${holder}.keys.${purpose} is "${profiled}", not "${label}"`,
    );
  }
  const lease = acquireModule(entry.module, options.port);
  try {
    const slot = selectToken(lease.module, profile, entry);
    const ctx: TokenContext = { module: entry.module.path, token: slot.token, key: label };
    requireMechanisms(lease.module, slot, [spec.generate, spec.sign.type], `${type} keys`, ctx);
    let session: PortSession;
    try {
      session = lease.module.openSession(slot.id, true);
    } catch (e) {
      throw tokenError(e, { ...ctx, during: 'opening a read-write session' });
    }
    try {
      await logInAsking(lease.module, slot, session, entry, pins, ctx);
      const info = generateOnSession(lease.module, session, slot, spec, label, holder, entry.module.accept, options, {
        ...ctx,
        during: `generating key "${label}"`,
      });
      return { ...info, module: { name: entry.module.name, path: entry.module.path } };
    } finally {
      endSession(session);
    }
  } finally {
    lease.release();
  }
}

/** Destroy a new key pair; what could not be destroyed, for the message (never silently left). */
function destroyPair(session: PortSession, pair: { publicKey: PortObject; privateKey: PortObject }): string {
  const left: string[] = [];
  for (const [what, o] of [
    ['private', pair.privateKey],
    ['public', pair.publicKey],
  ] as const) {
    try {
      session.destroy(o);
    } catch (e) {
      left.push(`the ${what} key could not be destroyed (${e instanceof PortError ? e.ckr : (e as Error).message})`);
    }
  }
  return left.length ? `; ${left.join(' and ')}: remove it with the vendor's tool` : '';
}

/**
 * After generation, as a later signing session would: a fresh session must find exactly one
 * private key by label and CKA_ID, its public key, and sign a test payload that verifies in
 * software. A token that never kept the key (a broken store) fails here, before success is
 * reported. The login is per token and application (PKCS#11 v2.40 section 5.6), so the fresh
 * session is logged in already; it is only closed, never logged out.
 */
function checkFromFreshSession(
  module: PortModule,
  slot: PortSlot,
  spec: KeyTypeSpec,
  label: string,
  id: Buffer,
  key: Key,
  tok: string,
): void {
  const fresh = module.openSession(slot.id, false);
  try {
    const privs = fresh.find({ class: CK.CKO_PRIVATE_KEY, label, id });
    const pubs = fresh.find({ class: CK.CKO_PUBLIC_KEY, label, id });
    if (privs.length !== 1 || pubs.length !== 1) {
      throw new TokenError(
        'E_KEY_LOST',
        `${tok}: a new session finds ${privs.length} private and ${pubs.length} public keys with ` +
          `label "${label}" and CKA_ID ${id.toString('hex')}, not one of each: the token did not ` +
          'keep the key',
      );
    }
    const probe = randomBytes(32);
    const sig = spec.toTufSignature(fresh.sign(spec.sign, privs[0]!, spec.toBeSigned(probe)));
    if (!key.verifyMadeHere(probe, sig))
      throw new TokenError(
        'E_BAD_TOKEN_SIGNATURE',
        `${tok}: a test signature from a new session with key "${label}" does not verify`,
      );
  } finally {
    try {
      fresh.close();
    } catch {
      // The error above, if any, is the one to report.
    }
  }
}

function generateOnSession(
  module: PortModule,
  session: PortSession,
  slot: PortSlot,
  spec: KeyTypeSpec,
  label: string,
  holder: string,
  accept: readonly string[],
  options: GenerateOptions,
  ctx: TokenContext,
): TokenKeyInfo {
  const tok = describeToken(slot.token);
  let pair: { publicKey: PortObject; privateKey: PortObject };
  let id: Buffer;
  try {
    const wanted = options.ckaId === undefined ? undefined : Buffer.from(options.ckaId, 'hex');
    // Labels are never reused (the Boulder ceremony tool does the same): a second key under one label
    // would make "which key signs" ambiguous. Only the leftovers of this very key, cut during its
    // making, go: every object under the label carries the CKA_ID recorded for it beforehand.
    const existing = session.find({ label });
    const leftovers =
      options.leftover === true &&
      wanted !== undefined &&
      existing.every((o) => session.getAttributes(o, ['id']).id?.equals(wanted) === true);
    if (existing.length > 0 && !leftovers) {
      throw new RefusedError(
        `${tok} already has an object labelled "${label}"; refusing to reuse a label`,
        'E_LABEL_EXISTS',
      );
    }
    for (const o of existing) session.destroy(o);
    if (wanted !== undefined && session.find({ id: wanted }).length > 0)
      throw new RefusedError(
        `${tok} already has an object with CKA_ID ${options.ckaId}; refusing to give it to "${label}"`,
        'E_LABEL_EXISTS',
      );
    id = wanted ?? freshId(session);
    pair = generatePair(session, spec, label, id);
  } catch (e) {
    throw tokenError(e, ctx);
  }
  try {
    const priv = session.getAttributes(pair.privateKey, Object.keys(REQUIRED_PRIVATE) as (keyof PortAttributes)[]);
    const pub = session.getAttributes(pair.publicKey, Object.keys(REQUIRED_PUBLIC) as (keyof PortAttributes)[]);
    const all = [...deviations('private', priv, REQUIRED_PRIVATE), ...deviations('public', pub, REQUIRED_PUBLIC)];
    const accepted = all.filter((d) => d.object === 'private' && accept.includes(d.reported));
    const refused = all.filter((d) => !accepted.includes(d));
    if (refused.length) {
      const acceptable = refused
        .filter((d) => d.object === 'private' && Object.hasOwn(ACCEPTABLE_DEVIATIONS, d.reported))
        .map((d) => `"${d.reported}"`);
      const hint =
        acceptable.length && refused.every((d) => Object.hasOwn(ACCEPTABLE_DEVIATIONS, d.reported))
          ? `; if this module is known to report that, accept it in the profile's module entry: ` +
            `"accept": [${acceptable.join(', ')}] (docs/formats/token-profile.md)`
          : '';
      const left = destroyPair(session, pair);
      throw new TokenError(
        'E_ATTRIBUTES_NOT_HONOURED',
        `${tok}, new key "${label}": ${refused.map((d) => d.text).join('; ')}; the key was ` +
          `destroyed because a ceremony key must have these attributes${left}${hint}`,
      );
    }
    const key = readPublicKey(session, pair.publicKey, holder, { ...ctx, key: label });
    // A test signature, verified in software, proves the pair belongs together and the mechanism works.
    const probe = randomBytes(32);
    const sig = spec.toTufSignature(session.sign(spec.sign, pair.privateKey, spec.toBeSigned(probe)));
    if (!key.verifyMadeHere(probe, sig))
      throw new TokenError(
        'E_BAD_TOKEN_SIGNATURE',
        `${tok}: a test signature by the new key "${label}" does not verify`,
      );
    checkFromFreshSession(module, slot, spec, label, id, key, tok);
    const info: TokenKeyInfo = {
      key,
      label,
      id: id.toString('hex'),
      tokenLabel: slot.token.label,
      tokenSerial: slot.token.serial,
      capabilities: readCapabilities(session, pair.privateKey, 'private'),
    };
    if (accepted.length) info.accepted = accepted.map((d) => d.reported);
    return info;
  } catch (e) {
    if (e instanceof TokenError && e.code === 'E_ATTRIBUTES_NOT_HONOURED') throw e;
    const left = destroyPair(session, pair);
    const err = tokenError(e, ctx);
    throw new TokenError(
      err instanceof TokenError ? err.code : 'E_TOKEN',
      `${err.message}; the new key "${label}" was destroyed so that no unchecked key is left${left}`,
      { cause: e },
    );
  }
}

/**
 * The public key of a holder's key by label. Without `pins`, no PIN: public key objects are
 * readable without login (`key export`). With `pins`, it logs in, finds exactly one private key by
 * the label and its public key, and reads what the private key allows: private keys and their
 * attributes are visible only after C_Login (PKCS#11 v2.40 section 4.4). For `rotate --add-token`.
 */
export async function readTokenPublicKey(
  profile: TokenProfile,
  holder: string,
  label: string,
  options: TokenOptions & { pins?: PinSource } = {},
): Promise<TokenKeyInfo> {
  const entry = tokenForLabel(profile, holder, label);
  const lease = acquireModule(entry.module, options.port);
  try {
    const slot = selectToken(lease.module, profile, entry);
    const ctx = { module: entry.module.path, token: slot.token, key: label };
    const session = openReadOnly(lease.module, slot, ctx);
    try {
      const info = { label, tokenLabel: slot.token.label, tokenSerial: slot.token.serial };
      if (options.pins) {
        await logInAsking(lease.module, slot, session, entry, options.pins, ctx);
        const pair = findKeyPair(session, label, ctx);
        let capabilities: Capability[];
        try {
          capabilities = readCapabilities(session, pair.privateKey, 'private');
        } catch (e) {
          throw tokenError(e, { ...ctx, during: `reading the attributes of key "${label}"` });
        }
        const key = readPublicKey(session, pair.publicKey, holder, ctx);
        return { ...info, key, id: pair.id.toString('hex'), capabilities };
      }
      let pubs: PortObject[];
      try {
        pubs = session.find({ class: CK.CKO_PUBLIC_KEY, label });
      } catch (e) {
        throw tokenError(e, { ...ctx, during: 'looking up the public key' });
      }
      if (pubs.length !== 1) {
        throw new TokenError(
          pubs.length ? 'E_KEY_AMBIGUOUS' : 'E_KEY_NOT_FOUND',
          `${describeToken(slot.token)} has ${pubs.length} public keys labelled "${label}"; expected exactly one`,
        );
      }
      const key = readPublicKey(session, pubs[0]!, holder, ctx);
      const id = session.getAttributes(pubs[0]!, ['id']).id ?? Buffer.alloc(0);
      return { ...info, key, id: id.toString('hex') };
    } finally {
      endSession(session);
    }
  } finally {
    lease.release();
  }
}

function openReadOnly(module: PortModule, slot: PortSlot, ctx: TokenContext): PortSession {
  try {
    return module.openSession(slot.id, false);
  } catch (e) {
    throw tokenError(e, { ...ctx, during: 'opening a session' });
  }
}

export interface ListedKey {
  label: string;
  id: string;
  type: string;
  /** The holder the profile names for the key (by its label) or for its token. */
  holder?: string;
  /** The TUF keyid; includes the owner field (`holder`) when a profile names one. */
  keyid?: string;
  /** Why there is no keyid (a key type TUF does not use). */
  problem?: string;
  /** What the public key object allows (CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP, CKA_DERIVE reported true). */
  publicCapabilities: Capability[];
  /** The same for its private key (CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE); absent when not visible (no login). */
  privateCapabilities?: Capability[];
  /** Capabilities of the private key beyond signing (decrypt, unwrap, derive): a key for more than TUF signatures. */
  beyondSigning?: Capability[];
}

export interface ListedToken {
  slotId: string;
  slotDescription: string;
  label: string;
  serial: string;
  model: string;
  manufacturer: string;
  initialized: boolean;
  userPinInitialized: boolean;
  /** From CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED. */
  pin: 'ok' | 'count-low' | 'final-try' | 'locked';
  /** The holder whose profile entry names this token. */
  holder?: string;
  /** Whether the listing logged in, so that private keys and their attributes were visible. */
  loggedIn: boolean;
  keys: ListedKey[];
}

export interface TokenListing {
  module: string;
  description: string;
  tokens: ListedToken[];
}

function pinState(flags: number): ListedToken['pin'] {
  if (flags & CK.CKF_USER_PIN_LOCKED) return 'locked';
  if (flags & CK.CKF_USER_PIN_FINAL_TRY) return 'final-try';
  if (flags & CK.CKF_USER_PIN_COUNT_LOW) return 'count-low';
  return 'ok';
}

/** The private key of a public key: by CKA_ID, else by label; only when exactly one matches. */
function privateOf(session: PortSession, label: string, id: Buffer): PortObject | undefined {
  let privs = id.length ? session.find({ class: CK.CKO_PRIVATE_KEY, id }) : [];
  if (privs.length === 0 && label) privs = session.find({ class: CK.CKO_PRIVATE_KEY, label });
  return privs.length === 1 ? privs[0] : undefined;
}

/**
 * Who holds each key of a token, for its keyid: the holder whose profile entry for this token
 * names the key's label, else the token's holder. Several holders may keep keys on one token (one
 * NSS softokn database, a shared test token).
 */
function keyOwners(profile: TokenProfile | undefined, modulePath: string, slot: PortSlot, tokenHolder?: string) {
  const byLabel = new Map<string, string>();
  for (const t of profile ? Object.values(profile.holders).flatMap((h) => h.tokens) : []) {
    const here =
      t.module.path === modulePath &&
      (t.token.label === undefined || t.token.label === slot.token.label) &&
      (t.token.serial === undefined || t.token.serial === slot.token.serial);
    if (here) for (const label of Object.values(t.keys)) if (!byLabel.has(label)) byLabel.set(label, t.name);
  }
  return (label: string): string | undefined => byLabel.get(label) ?? tokenHolder;
}

function listKeys(
  session: PortSession,
  ownerOf: (label: string) => string | undefined,
  loggedIn: boolean,
): ListedKey[] {
  const out: ListedKey[] = [];
  for (const o of session.find({ class: CK.CKO_PUBLIC_KEY })) {
    const base = session.getAttributes(o, ['label', 'id', 'keyType']);
    const spec = specForKeyType(base.keyType);
    const attrs = spec ? { ...base, ...session.getAttributes(o, spec.publicAttributes) } : base;
    const owner = ownerOf(base.label ?? '');
    const item: ListedKey = {
      label: base.label ?? '',
      id: (base.id ?? Buffer.alloc(0)).toString('hex'),
      type: describeKeyType(attrs),
      publicCapabilities: readCapabilities(session, o, 'public'),
    };
    if (owner !== undefined) item.holder = owner;
    // Private keys (CKA_PRIVATE true) are visible only after C_Login (PKCS#11 v2.40 section 4.4).
    const priv = loggedIn ? privateOf(session, item.label, base.id ?? Buffer.alloc(0)) : undefined;
    if (priv) {
      item.privateCapabilities = readCapabilities(session, priv, 'private');
      const extra = beyondSigning(item.privateCapabilities);
      if (extra.length) item.beyondSigning = extra;
    }
    try {
      item.keyid = tufKeyFromAttributes(
        attrs,
        owner === undefined ? {} : { [OWNER_FIELD]: owner },
        `key "${item.label}"`,
      ).keyid;
    } catch (e) {
      item.problem = (e as Error).message;
    }
    out.push(item);
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Every slot with a token, and the public keys on each (no PIN needed). With `pins`, each token
 * the profile names for a holder is logged in to, so that its private keys' capabilities show.
 */
export async function listTokens(
  moduleRef: ModuleRef,
  options: TokenOptions & { profile?: TokenProfile; pins?: PinSource } = {},
): Promise<TokenListing> {
  const modulePath = typeof moduleRef === 'string' ? moduleRef : moduleRef.path;
  const lease = acquireModule(moduleRef, options.port);
  try {
    const module = lease.module;
    let slots: PortSlot[];
    try {
      slots = module.slots();
    } catch (e) {
      throw tokenError(e, { module: modulePath, during: 'listing slots' });
    }
    const tokens: ListedToken[] = [];
    for (const slot of slots) {
      const flags = slot.token.flags;
      const entry = holderTokenOfSlot(options.profile, modulePath, slot);
      const holder = entry?.name;
      const t: ListedToken = {
        slotId: slot.id,
        slotDescription: slot.description,
        label: slot.token.label,
        serial: slot.token.serial,
        model: slot.token.model,
        manufacturer: slot.token.manufacturer,
        initialized: Boolean(flags & CK.CKF_TOKEN_INITIALIZED),
        userPinInitialized: Boolean(flags & CK.CKF_USER_PIN_INITIALIZED),
        pin: pinState(flags),
        loggedIn: false,
        keys: [],
      };
      if (holder !== undefined) t.holder = holder;
      if (t.initialized) {
        const ctx = { module: modulePath, token: slot.token };
        const session = openReadOnly(module, slot, ctx);
        try {
          if (entry && options.pins && t.userPinInitialized && t.pin !== 'locked') {
            await logInAsking(module, slot, session, entry, options.pins, ctx);
            t.loggedIn = true;
          }
          t.keys = listKeys(session, keyOwners(options.profile, modulePath, slot, holder), t.loggedIn);
        } catch (e) {
          throw tokenError(e, { ...ctx, during: 'listing keys' });
        } finally {
          endSession(session);
        }
      }
      tokens.push(t);
    }
    return { module: modulePath, description: module.description, tokens };
  } finally {
    lease.release();
  }
}

/** Every module of a profile, each listed as `listTokens` does. */
export async function listProfileTokens(
  profile: TokenProfile,
  options: TokenOptions & { pins?: PinSource } = {},
): Promise<Array<TokenListing & { name: string }>> {
  const out: Array<TokenListing & { name: string }> = [];
  for (const m of Object.values<ModuleProfile>(profile.modules))
    out.push({ name: m.name, ...(await listTokens(m, { ...options, profile })) });
  return out;
}
