/**
 * PKCS#11 return values to one clear line a person can act on (docs/threat-model.md section 2: a wrong
 * PIN, a locked PIN, a missing token, a removed token and a missing key each get their own
 * message). Every message names the token (label and serial), and the key or module when known.
 * All of them are TokenError: exit code 4.
 */
import { CeremonyError, TokenError } from '../tuf/base/index.js';
import { CK, PortError } from './pkcs11-port.js';

/** What the failing call was about, for the message. */
export interface TokenContext {
  module?: string;
  token?: { label: string; serial: string };
  key?: string;
  /** What was being done: "logging in", "signing root v3", "generating key root-a". */
  during?: string;
  /** CK_TOKEN_INFO.flags read after the failure (for the PIN counters). */
  flags?: number;
}

export function describeToken(t: { label: string; serial: string }): string {
  return `token "${t.label}" (serial ${t.serial || 'none'})`;
}

const MECHANISM_NAMES: Record<number, string> = {
  [CK.CKM_RSA_PKCS_KEY_PAIR_GEN]: 'CKM_RSA_PKCS_KEY_PAIR_GEN',
  [CK.CKM_RSA_PKCS_PSS]: 'CKM_RSA_PKCS_PSS',
  [CK.CKM_EC_KEY_PAIR_GEN]: 'CKM_EC_KEY_PAIR_GEN',
  [CK.CKM_ECDSA]: 'CKM_ECDSA',
  [CK.CKM_EC_EDWARDS_KEY_PAIR_GEN]: 'CKM_EC_EDWARDS_KEY_PAIR_GEN',
  [CK.CKM_EDDSA]: 'CKM_EDDSA',
};

export function mechanismName(m: number): string {
  return MECHANISM_NAMES[m] ?? `mechanism 0x${m.toString(16)}`;
}

/** CKR_ values that mean the token or its session is gone (unplugged, reader reset). */
export const REMOVAL_CODES = new Set([
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_REMOVED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SLOT_ID_INVALID',
]);

/** "; N tries left" from CKF_USER_PIN_FINAL_TRY / CKF_USER_PIN_COUNT_LOW, when the token says (PKCS#11 CK_TOKEN_INFO). */
export function triesLeft(flags: number | undefined): string {
  if (flags === undefined) return '';
  if (flags & CK.CKF_USER_PIN_LOCKED) return '; the PIN is now locked';
  if (flags & CK.CKF_USER_PIN_FINAL_TRY) return '; one try left before the PIN locks';
  if (flags & CK.CKF_USER_PIN_COUNT_LOW) return '; the token reports few tries left before the PIN locks';
  return '';
}

/** Map any failure from the port to a TokenError with one line; CeremonyErrors pass through. */
export function tokenError(e: unknown, ctx: TokenContext): CeremonyError {
  if (e instanceof CeremonyError) return e as CeremonyError;
  const tok = ctx.token ? describeToken(ctx.token) : 'the token';
  const key = ctx.key ? `, key "${ctx.key}"` : '';
  const during = ctx.during ? ` while ${ctx.during}` : '';
  if (!(e instanceof PortError)) {
    return new TokenError(
      'E_TOKEN',
      `${tok}${key}: unexpected failure${during}: ${(e as Error)?.message ?? String(e)}`,
      { cause: e },
    );
  }
  switch (e.ckr) {
    case 'MODULE_LOAD':
      return new TokenError(
        'E_MODULE_LOAD',
        `cannot load the PKCS#11 module ${ctx.module ?? ''}: ${e.message.replace(/^MODULE_LOAD \((.*)\)$/, '$1')}`,
        { cause: e },
      );
    case 'CKR_PIN_INCORRECT':
      return new TokenError('E_PIN_INCORRECT', `wrong PIN for ${tok}${triesLeft(ctx.flags)}`, { cause: e });
    case 'CKR_PIN_LOCKED':
      return new TokenError(
        'E_PIN_LOCKED',
        `the user PIN of ${tok} is locked; its security officer must unlock it (softhsm2-util or the vendor's tool) before it can sign`,
        { cause: e },
      );
    case 'CKR_PIN_LEN_RANGE':
    case 'CKR_PIN_INVALID':
      return new TokenError(
        'E_PIN_INVALID',
        `${tok} refused the PIN's length or characters (${e.ckr}); check the PIN source`,
        { cause: e },
      );
    case 'CKR_PIN_EXPIRED':
      return new TokenError(
        'E_PIN_EXPIRED',
        `the user PIN of ${tok} has expired; change it with the vendor's tool first`,
        { cause: e },
      );
    case 'CKR_USER_PIN_NOT_INITIALIZED':
      return new TokenError(
        'E_TOKEN_NOT_INITIALIZED',
        `${tok} has no user PIN yet; initialize it (softhsm2-util --init-token or the vendor's tool)`,
        { cause: e },
      );
    case 'CKR_USER_NOT_LOGGED_IN':
      return new TokenError(
        'E_NOT_LOGGED_IN',
        `${tok}${key}: not logged in${during}; the login was lost (another program may have logged out)`,
        { cause: e },
      );
    case 'CKR_MECHANISM_INVALID':
    case 'CKR_MECHANISM_PARAM_INVALID':
    case 'CKR_KEY_TYPE_INCONSISTENT':
    case 'CKR_CURVE_NOT_SUPPORTED':
    case 'CKR_DOMAIN_PARAMS_INVALID':
      return new TokenError(
        'E_MECHANISM_UNSUPPORTED',
        `${tok}${key} does not support what is needed${during} (${e.ckr} from ${e.operation || 'the token'})`,
        { cause: e },
      );
    case 'CKR_KEY_FUNCTION_NOT_PERMITTED':
      return new TokenError(
        'E_KEY_NOT_PERMITTED',
        `${tok}${key}: the key may not be used for this${during} (CKA_SIGN is false)`,
        { cause: e },
      );
    case 'CKR_TOKEN_WRITE_PROTECTED':
      return new TokenError('E_TOKEN_WRITE_PROTECTED', `${tok} is write-protected${during}`, { cause: e });
    case 'CKR_DEVICE_MEMORY':
      return new TokenError('E_TOKEN_FULL', `${tok} has no room left${during}`, { cause: e });
    case 'CKR_OBJECT_HANDLE_INVALID':
    case 'CKR_KEY_HANDLE_INVALID':
      return new TokenError('E_KEY_LOST', `${tok}${key}: the key is no longer there${during}; was the token removed?`, {
        cause: e,
      });
    default:
      if (REMOVAL_CODES.has(e.ckr)) {
        return new TokenError(
          'E_TOKEN_REMOVED',
          `${tok} was removed or its session was lost${during} (${e.ckr}); insert it and run the step again`,
          { cause: e },
        );
      }
      return new TokenError('E_TOKEN', `${tok}${key}: ${e.operation || 'PKCS#11 call'} failed with ${e.ckr}${during}`, {
        cause: e,
      });
  }
}

/** The token is gone: the message for a failure followed by a presence check that failed. */
export function removedError(ctx: TokenContext, cause: string): TokenError {
  const tok = ctx.token ? describeToken(ctx.token) : 'the token';
  const during = ctx.during ? ` while ${ctx.during}` : '';
  return new TokenError(
    'E_TOKEN_REMOVED',
    `${tok} was removed${during} (${cause}); nothing more was signed; insert it and run the step again`,
  );
}
