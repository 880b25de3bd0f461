/**
 * The two software tokens the token tests run on, SoftHSM2 and NSS softokn (docs/tokens.md,
 * "Tested here"), behind one small interface so that one test body runs on both: how fresh tokens
 * are made, the profile entry of the module, which key types each generates, and what each
 * reports differently.
 *
 * SoftHSM gives each named token a token of its own. NSS softokn opens one database per
 * C_Initialize, C_Initialize is process-wide, and the module pool refuses a second configuration
 * of a library while one is open (src/keys/module-pool.ts): so an NSS fixture is one database per
 * test file, and its one key token ("NSS Certificate DB") holds every name's keys under their own
 * labels.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { P256_OID_DER } from '../../src/keys/der.js';
import { acquireModule } from '../../src/keys/module-pool.js';
import { createNssDatabase, nssAvailable, NSS_DB_TOKEN_LABEL } from '../../src/keys/nss-softokn.js';
import { CK, PortError, type PortSession } from '../../src/keys/pkcs11-port.js';
import type { PinSource } from '../../src/keys/pin.js';
import { loadProfile, type ModuleProfile, type TokenProfile } from '../../src/keys/profile.js';
import type { ListedToken, TokenKeyType } from '../../src/keys/token-keys.js';
import { fixedPins, freshTokens } from './softhsm-fixture.js';

export interface BackendToken {
  label: string;
  serial: string;
  pin: string;
  /** Holds the user PIN (mode 0600). */
  pinFile: string;
}

/** A holder of a test profile. */
export interface HolderSpec {
  /** A token name given to `create`; any other name is the label of a token that is not there. */
  token: string;
  keys: Record<string, string>;
  /** true: select the token by its serial too; a string: by this serial. */
  serial?: boolean | string;
  /** The token's PIN file, or an environment variable; absent: asked. */
  pin?: 'file' | { env: string };
}

export interface BackendTokens {
  backend: TokenBackend;
  /** A fresh folder, removed by `cleanup`. */
  dir: string;
  /** The module as the profiles name it: the library, and its C_Initialize parameters when it needs them. */
  module: Pick<ModuleProfile, 'path' | 'libraryParameters'>;
  token(name: string): BackendToken;
  /** PINs by token label, as a person would type them. */
  pins: PinSource;
  /** Write a profile file in `dir` naming the module and these holders, and load it. */
  profile(file: string, holders: Record<string, HolderSpec>): TokenProfile;
  /** A logged-in read-write session on a token through the PKCS#11 port, as another tool would use it. */
  withSession<T>(name: string, fn: (session: PortSession) => T): T;
  cleanup(): void;
}

export interface TokenBackend {
  /** For test names: "SoftHSM2 2.6", "NSS softokn 3.87". */
  name: string;
  /** The key types it generates and signs with, preferred first; the others are refused before any PIN. */
  keyTypes: readonly TokenKeyType[];
  /** What the module's keys report that the profile accepts for it ("accept"); absent when nothing. */
  accepted?: string[];
  /** What a wrong PIN's message says after the token's name (the PIN counter flags it sets). */
  wrongPinHint: string;
  /** The slot it lists besides the tokens made here. */
  otherSlot: Partial<ListedToken>;
  create(names: string[]): BackendTokens;
}

/**
 * A P-256 key pair made as another tool would make it (OpenSC's pkcs11-tool --keypairgen, a
 * vendor's shell): C_GenerateKeyPair with what `allow` adds to signing (PKCS#11 v2.40 section 4.9),
 * which `key generate` never allows.
 */
export function generateAsOtherTool(
  session: PortSession,
  label: string,
  allow: { decrypt?: boolean; unwrap?: boolean; derive?: boolean } = {},
  id: Buffer = randomBytes(8),
): void {
  session.generateKeyPair(
    CK.CKM_EC_KEY_PAIR_GEN,
    {
      class: CK.CKO_PUBLIC_KEY,
      keyType: CK.CKK_EC,
      label,
      id,
      token: true,
      private: false,
      verify: true,
      paramsEC: P256_OID_DER,
    },
    {
      class: CK.CKO_PRIVATE_KEY,
      keyType: CK.CKK_EC,
      label,
      id,
      token: true,
      private: true,
      sensitive: true,
      extractable: false,
      sign: true,
      decrypt: allow.decrypt ?? false,
      unwrap: allow.unwrap ?? false,
      derive: allow.derive ?? false,
    },
  );
}

/** A name's key type when the backend has it, else its first (for tests that need some key). */
export function typeOr(backend: TokenBackend, wanted: TokenKeyType): TokenKeyType {
  return backend.keyTypes.includes(wanted) ? wanted : backend.keyTypes[0]!;
}

function tokenEntry(t: BackendToken | undefined, spec: HolderSpec, pinFile: string | undefined) {
  const token: Record<string, string> = { label: t?.label ?? spec.token };
  if (spec.serial !== undefined && spec.serial !== false)
    token['serial'] = spec.serial === true ? (t?.serial ?? '') : spec.serial;
  const pin = spec.pin === 'file' ? { file: pinFile } : spec.pin;
  return { token, keys: spec.keys, ...(pin ? { pin } : {}) };
}

/** A logged-in read-write session on the token labelled `label` through the PKCS#11 port; closed after `fn`. */
export function withTokenSession<T>(
  module: Pick<ModuleProfile, 'path' | 'libraryParameters'>,
  label: string,
  pin: string,
  fn: (session: PortSession) => T,
): T {
  const lease = acquireModule(module);
  try {
    const slot = lease.module.slots().find((s) => s.token.label === label)!;
    const session = lease.module.openSession(slot.id, true);
    try {
      try {
        session.login(pin);
      } catch (e) {
        // Login state is per token and application (PKCS#11 v2.40 section 5.6).
        if (!(e instanceof PortError && e.ckr === 'CKR_USER_ALREADY_LOGGED_IN')) throw e;
      }
      return fn(session);
    } finally {
      session.logout();
      session.close();
    }
  } finally {
    lease.release();
  }
}

/** The parts both backends share once their tokens exist. */
function backendTokens(
  backend: TokenBackend,
  dir: string,
  module: BackendTokens['module'],
  tokens: Map<string, BackendToken>,
  profileJson: (holders: Record<string, ReturnType<typeof tokenEntry>>) => unknown,
  cleanup: () => void,
): BackendTokens {
  const token = (name: string): BackendToken => {
    const t = tokens.get(name);
    if (!t) throw new Error(`no test token ${name}`);
    return t;
  };
  return {
    backend,
    dir,
    module,
    token,
    pins: fixedPins(Object.fromEntries([...tokens.values()].map((t) => [t.label, t.pin]))),
    profile(file, holders) {
      const entries = Object.fromEntries(
        Object.entries(holders).map(([h, spec]) => {
          const t = tokens.get(spec.token);
          return [h, tokenEntry(t, spec, t?.pinFile)];
        }),
      );
      const path = join(dir, file);
      writeFileSync(path, JSON.stringify(profileJson(entries), null, 2));
      return loadProfile(path);
    },
    withSession(name, fn) {
      const t = token(name);
      return withTokenSession(module, t.label, t.pin, fn);
    },
    cleanup,
  };
}

export const SOFTHSM: TokenBackend = {
  name: 'SoftHSM2 2.6',
  keyTypes: ['ed25519', 'ecdsa-p256', 'rsa-3072'],
  // SoftHSM flags CKF_USER_PIN_COUNT_LOW after a wrong PIN (and never locks; token-keys.test.ts).
  wrongPinHint: '; the token reports few tries left before the PIN locks',
  otherSlot: { initialized: false },
  create(names) {
    const fx = freshTokens(
      names.map((label, i) => ({ label, soPin: `so-${label}-${i}`, userPin: `pin-${label}-${i}` })),
    );
    const tokens = new Map(
      fx.tokens.map((t, i) => [
        t.label,
        { label: t.label, serial: t.serial, pin: `pin-${t.label}-${i}`, pinFile: t.pinFile },
      ]),
    );
    return backendTokens(
      SOFTHSM,
      fx.dir,
      { path: fx.module },
      tokens,
      (holders) => ({ module: fx.module, holders }),
      () => fx.cleanup(),
    );
  },
};

export const NSS_SOFTOKN: TokenBackend = {
  name: 'NSS softokn 3.87',
  // No CKM_EDDSA in 3.87's mechanism list (docs/tokens.md).
  keyTypes: ['ecdsa-p256', 'rsa-3072'],
  // softokn reports CKA_LOCAL false on keys its own C_GenerateKeyPair made (docs/tokens.md).
  accepted: ['CKA_LOCAL=false'],
  // softokn sets none of the PIN counter flags.
  wrongPinHint: '',
  otherSlot: { label: 'NSS Generic Crypto Services', initialized: true, userPinInitialized: false, keys: [] },
  create(names) {
    // scripts/setup.sh installs libnss3 and libnss3-tools; without them this fails loudly, never skips.
    if (!nssAvailable()) throw new Error('libnss3 and libnss3-tools (certutil) are missing: run scripts/setup.sh');
    const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-nss-'));
    const pin = 'nss-user-pin-1';
    const db = createNssDatabase(join(dir, 'nssdb'), pin);
    const shared: BackendToken = { label: NSS_DB_TOKEN_LABEL, serial: '0000000000000000', pin, pinFile: db.pinFile };
    return backendTokens(
      NSS_SOFTOKN,
      dir,
      { path: db.module, libraryParameters: db.libraryParameters },
      new Map(names.map((n) => [n, shared])),
      (holders) => ({
        modules: { nss: { path: db.module, libraryParameters: db.libraryParameters, accept: NSS_SOFTOKN.accepted } },
        holders: Object.fromEntries(
          Object.entries(holders).map(([h, entry]) => [h, { tokens: [{ module: 'nss', ...entry }] }]),
        ),
      }),
      () => rmSync(dir, { recursive: true, force: true }),
    );
  },
};

export const BACKENDS: readonly TokenBackend[] = [SOFTHSM, NSS_SOFTOKN];
