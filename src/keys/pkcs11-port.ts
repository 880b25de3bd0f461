/**
 * The small interface through which this tool talks to a PKCS#11 module. One implementation wraps
 * graphene-pk11 (graphene-port.ts, the only module that imports it); unit tests use a fake, so the
 * mapping of PKCS#11 return values to messages is tested without a token (the Boulder ceremony
 * tool keeps its HSM behind an interface for the same reason).
 *
 * Everything here speaks PKCS#11 numbers (CKO_, CKK_, CKM_, CKF_ from the PKCS#11 2.40/3.0 headers),
 * so the port stays a thin pipe and all decisions live in code that can be tested with the fake.
 */

/** CKR_ names of a failed call, with the call that failed ("C_Login"). */
export class PortError extends Error {
  constructor(
    /** The CKR_ name, e.g. "CKR_PIN_INCORRECT"; or "MODULE_LOAD" when the library could not be loaded. */
    readonly ckr: string,
    /** The PKCS#11 function, e.g. "C_Login", or "" when unknown. */
    readonly operation: string,
    detail = '',
  ) {
    super(detail ? `${ckr} (${detail})` : ckr);
    this.name = 'PortError';
  }
}

export interface PortTokenInfo {
  label: string;
  serial: string;
  model: string;
  manufacturer: string;
  /** CK_TOKEN_INFO.flags (CKF_TOKEN_INITIALIZED, CKF_USER_PIN_COUNT_LOW, …). */
  flags: number;
}

export interface PortSlot {
  /** The CK_SLOT_ID as lowercase hex, stable for the life of the loaded module. */
  id: string;
  description: string;
  token: PortTokenInfo;
}

/** Attribute names (graphene-pk11's names for the CKA_ constants). */
export interface PortAttributes {
  class?: number; // CKA_CLASS
  keyType?: number; // CKA_KEY_TYPE
  label?: string; // CKA_LABEL
  id?: Buffer; // CKA_ID
  token?: boolean; // CKA_TOKEN
  private?: boolean; // CKA_PRIVATE
  modifiable?: boolean; // CKA_MODIFIABLE
  sensitive?: boolean; // CKA_SENSITIVE
  extractable?: boolean; // CKA_EXTRACTABLE
  alwaysSensitive?: boolean; // CKA_ALWAYS_SENSITIVE
  neverExtractable?: boolean; // CKA_NEVER_EXTRACTABLE
  local?: boolean; // CKA_LOCAL
  sign?: boolean; // CKA_SIGN
  signRecover?: boolean; // CKA_SIGN_RECOVER
  decrypt?: boolean; // CKA_DECRYPT
  unwrap?: boolean; // CKA_UNWRAP
  derive?: boolean; // CKA_DERIVE
  verify?: boolean; // CKA_VERIFY
  verifyRecover?: boolean; // CKA_VERIFY_RECOVER
  encrypt?: boolean; // CKA_ENCRYPT
  wrap?: boolean; // CKA_WRAP
  paramsEC?: Buffer; // CKA_EC_PARAMS
  pointEC?: Buffer; // CKA_EC_POINT
  modulus?: Buffer; // CKA_MODULUS
  modulusBits?: number; // CKA_MODULUS_BITS
  publicExponent?: Buffer; // CKA_PUBLIC_EXPONENT
}
export type PortAttributeName = keyof PortAttributes;

/** A key object found or made in a session; opaque to callers. */
export interface PortObject {
  readonly handle: string;
}

/** A signing mechanism; `pss` carries CK_RSA_PKCS_PSS_PARAMS. */
export interface PortMechanism {
  type: number;
  pss?: { hashAlg: number; mgf: number; saltLength: number };
}

export interface PortSession {
  login(pin: string): void;
  logout(): void;
  close(): void;
  find(template: PortAttributes): PortObject[];
  getAttributes(object: PortObject, names: PortAttributeName[]): PortAttributes;
  generateKeyPair(
    mechanism: number,
    publicTemplate: PortAttributes,
    privateTemplate: PortAttributes,
  ): { publicKey: PortObject; privateKey: PortObject };
  destroy(object: PortObject): void;
  /** Single-part C_SignInit + C_Sign. */
  sign(mechanism: PortMechanism, key: PortObject, data: Uint8Array): Buffer;
}

export interface PortModule {
  /** The library description (CK_INFO.libraryDescription). */
  readonly description: string;
  /** Slots that hold a token (C_GetSlotList with tokenPresent = true). */
  slots(): PortSlot[];
  /** A fresh C_GetTokenInfo for one slot. */
  tokenInfo(slotId: string): PortTokenInfo;
  /** The CKM_ numbers the token in that slot supports (C_GetMechanismList). */
  mechanisms(slotId: string): number[];
  openSession(slotId: string, readWrite: boolean): PortSession;
  /** C_Finalize and unload the library. */
  finalize(): void;
}

/** What C_Initialize is given (PKCS#11 v2.40 section 5.4 CK_C_INITIALIZE_ARGS). */
export interface PortInitOptions {
  /**
   * NSS's extension of CK_C_INITIALIZE_ARGS: a string in the place of pReserved (NSS softokn's
   * configdir='sql:…' certPrefix='' keyPrefix='' secmod='secmod.db' flags=…; docs/tokens.md).
   */
  libraryParameters?: string;
}

export interface Pkcs11Port {
  /** Load and C_Initialize the module; throws PortError('MODULE_LOAD') when it cannot be loaded. */
  load(modulePath: string, init?: PortInitOptions): PortModule;
}

/** PKCS#11 numbers used by this tool (pkcs11t.h; EdDSA ones from PKCS#11 3.0). */
export const CK = {
  CKO_PUBLIC_KEY: 2,
  CKO_PRIVATE_KEY: 3,
  CKK_RSA: 0x0,
  CKK_EC: 0x3,
  CKK_EC_EDWARDS: 0x40,
  CKM_RSA_PKCS_KEY_PAIR_GEN: 0x0,
  CKM_RSA_PKCS_PSS: 0xd,
  CKM_SHA256: 0x250,
  CKM_EC_KEY_PAIR_GEN: 0x1040,
  CKM_ECDSA: 0x1041,
  CKM_EC_EDWARDS_KEY_PAIR_GEN: 0x1055,
  CKM_EDDSA: 0x1057,
  CKG_MGF1_SHA256: 0x2,
  CKF_LOGIN_REQUIRED: 0x4,
  CKF_USER_PIN_INITIALIZED: 0x8,
  CKF_TOKEN_INITIALIZED: 0x400,
  CKF_USER_PIN_COUNT_LOW: 0x10000,
  CKF_USER_PIN_FINAL_TRY: 0x20000,
  CKF_USER_PIN_LOCKED: 0x40000,
} as const;
