/**
 * Error classes shared by every layer, each with a closed union of codes: a misspelt code does not
 * compile, and a code written into two classes does not compile either (`CodesInTwoClasses`), so
 * a code names one class, one category and so one exit code. Each code has a one-line comment.
 * The CLI maps a category to its exit code (src/cli/exit-codes.ts).
 *
 * A wrapped error is kept as `cause` (ES2022 `Error.prototype.cause`); a FormatError keeps its
 * field path and its reason apart, and its message is made from them.
 */
export type ErrorCategory = 'usage' | 'verification' | 'token' | 'refused' | 'internal' | 'interrupted';

/** Codes of a document that breaks the format of the file it claims to be. */
export type FormatErrorCode =
  /** A field that is missing, of the wrong type or out of range. */
  | 'E_FORMAT'
  /** Bytes the strict JSON reader refuses (not JSON, duplicate keys, floats, integers out of range). */
  | 'E_JSON';

/** A value TUF canonical JSON (OLPC canonical JSON, TUF specification section 4) cannot write. */
export type CanonicalJsonErrorCode = 'E_CANONICAL_JSON';

/** What a client's update workflow (TUF specification 5.3 to 5.6) refuses: TrustError's codes. */
export type TrustErrorCode =
  /** Not a threshold of valid signatures by the keys that authorize the role (spec 5.3.4, 5.4.2). */
  | 'E_UNSIGNED'
  /** The metadata expired before the time it is checked at (spec 5.3.10, 5.4.4, 5.5.6, 5.6.5). */
  | 'E_EXPIRED'
  /** A version that is not the one the chain, timestamp, snapshot or file name says. */
  | 'E_VERSION'
  /** A version lower than one already trusted (spec 5.4.3, 5.5.5). */
  | 'E_ROLLBACK'
  /** Length or a hash that differs from what the listing role says (spec 5.5.2, 5.6.2). */
  | 'E_LENGTH_OR_HASH'
  /** Asked out of the client's order (a snapshot before a timestamp, …). */
  | 'E_ORDER'
  /** Not listed where it must be (snapshot's meta for a targets role). */
  | 'E_NOT_LISTED'
  /** The named delegator does not delegate the role, or is not there to ask. */
  | 'E_NOT_DELEGATED'
  /** Bytes that are not metadata of the expected type. */
  | 'E_BAD_METADATA';

/** Signatures, thresholds, versions, expiry, hashes or bundles that do not hold. */
export type VerificationErrorCode =
  | TrustErrorCode
  /** A check that failed with no more specific code. */
  | 'E_VERIFICATION'
  /** A signature just made does not verify; it is not kept. */
  | 'E_BAD_NEW_SIGNATURE'
  /** A metadata file name whose role part is not percent-encoded as TUF clients encode it. */
  | 'E_BAD_FILE_NAME'
  /** A metadata folder whose targets chain does not verify from the trusted root. */
  | 'E_TARGETS'
  /** The repository with an event's metadata does not verify as a client would read it. */
  | 'E_CLIENT_VERIFY'
  /** A file of a signing event differs from the SHA-256 its event record holds. */
  | 'E_EVENT_TAMPERED'
  /** An online role's file not signed by the online key targets delegates it to. */
  | 'E_ONLINE_UNVERIFIED'
  /** Bytes read back from the medium differ from the bytes written: a faulty medium. */
  | 'E_MEDIUM_READBACK'
  /** The release MANIFEST cannot be read. */
  | 'E_RELEASE_MANIFEST'
  /** A release file differs from what its MANIFEST says. */
  | 'E_RELEASE_MISMATCH'
  /** The release's PKCS#11 addon does not load in this Node.js. */
  | 'E_RELEASE_ADDON'
  /** A bundle's metadata does not verify from the trusted root. */
  | 'E_BUNDLE_METADATA'
  /** A bundle, or a file in it, is a symbolic link. */
  | 'E_BUNDLE_SYMLINK'
  /** A bundle folder, or a file its manifest lists, is missing. */
  | 'E_BUNDLE_MISSING'
  /** A file of a bundle cannot be read. */
  | 'E_BUNDLE_UNREADABLE'
  /** A bundle entry that is not a plain file (or a bundle that is not a folder). */
  | 'E_BUNDLE_NOT_FILE'
  /** A bundle file differs from the file of the same version already imported. */
  | 'E_BUNDLE_FORK'
  /** A bundle's transcript does not chain, does not end at the manifest's head, or does not extend the one imported. */
  | 'E_BUNDLE_TRANSCRIPT'
  /** A bundle's metadata is not newer than the version already imported. */
  | 'E_BUNDLE_ROLLBACK'
  /** A bundle's sequence number is not newer than the last imported, or jumps too far. */
  | 'E_BUNDLE_SEQUENCE'
  /** A bundle file larger than its limit or than the manifest says. */
  | 'E_BUNDLE_SIZE'
  /** A bundle manifest that cannot be read or contradicts the bundle. */
  | 'E_BUNDLE_MANIFEST'
  /** A file in the bundle that its manifest does not list. */
  | 'E_BUNDLE_EXTRA'
  /** A bundle file whose SHA-256 differs from the manifest's. */
  | 'E_BUNDLE_HASH'
  /** A bundle made for the other direction (offline-to-online or online-to-offline). */
  | 'E_BUNDLE_DIRECTION'
  /** An archive (a project's ZIP upload) that is malformed, hostile or beyond its limits. */
  | 'E_BAD_ARCHIVE'
  /** A server or folder that metadata is fetched from answers with an error, too much or too slowly. */
  | 'E_FETCH';

/** A safety check that refused the operation (overwrite, second signature, guard rail). */
export type RefusedErrorCode =
  /** A refusal with no more specific code. */
  | 'E_REFUSED'
  /** claim without the online service's recently-claimed list, and without --no-online-check. */
  | 'E_NO_ONLINE_LIST'
  /** The file or folder exists already; nothing is ever overwritten. */
  | 'E_EXISTS'
  /** An import's destination exists and is not a plain file. */
  | 'E_TARGET_NOT_FILE'
  /** A transcript or import state an earlier release left in the published folder, differing from the one beside it. */
  | 'E_IMPORT_RECORDS'
  /** The key has signed this metadata already; the same key never signs twice. */
  | 'E_ALREADY_SIGNED'
  /** A signature by a key that may not sign the role. */
  | 'E_NOT_AUTHORIZED'
  /** The holder holds no key that signs any role of the event. */
  | 'E_NOT_A_SIGNER'
  /** A payload was not confirmed, or confirmed with a digest of no role in the event. */
  | 'E_CONFIRMATION'
  /** An event's base/ not verified from the signer's --repo or --root: nothing is shown as trusted or signed. */
  | 'E_UNTRUSTED_EVENT'
  /** A threshold or key set no safe repository has (PEP 458/480 roles), or a key file of another holder. */
  | 'E_GUARD_RAIL'
  /** One key listed twice, or as two roles' keys that must be distinct. */
  | 'E_DUPLICATE_KEY'
  /** A key that can also decrypt, unwrap or derive, for a role the plan requires sign-only keys for. */
  | 'E_KEY_NOT_SIGN_ONLY'
  /** A key named for removal that is not one of the role's keys. */
  | 'E_NOT_A_KEY'
  /** An offline key that names no holder (x-ceremony-owner). */
  | 'E_NO_HOLDER'
  /** The new key is the compromised key it replaces. */
  | 'E_COMPROMISED_KEY'
  /** A project the claimed role does not delegate. */
  | 'E_NOT_CLAIMED'
  /** An event's role version that is not the next after the repository's current version. */
  | 'E_NOT_NEXT_VERSION'
  /** An event whose thresholds are not all met yet. */
  | 'E_EVENT_INCOMPLETE'
  /** An event made for another repository. */
  | 'E_WRONG_REPOSITORY'
  /** An interrupted event or finalize journal that does not match the files it names. */
  | 'E_JOURNAL_CONFLICT'
  /** The transcript's hash chain does not verify, or it changed while it was being extended. */
  | 'E_TRANSCRIPT_BROKEN'
  /** A re-signed version that differs in content from the one it renews. */
  | 'E_RESIGN_CONTENT'
  /** A copy of an event that is not a copy of the same event. */
  | 'E_MERGE_PAYLOAD_DIFFERS'
  /** A repository with no root metadata yet: there is nothing to export. */
  | 'E_NOTHING_TO_EXPORT'
  /** The repository's metadata does not verify, so it is not exported. */
  | 'E_EXPORT_UNVERIFIED'
  /** The rehearsal's own intake proposed nothing to sign. */
  | 'E_REHEARSAL'
  /** The token holds an object with the label asked for already. */
  | 'E_LABEL_EXISTS'
  /** A guided ceremony run of another runbook has not finished in this repository. */
  | 'E_RUN_IN_PROGRESS';

/** Wrong command-line use, configuration, or a path the tool cannot use. */
export type UsageErrorCode =
  /** Wrong use with no more specific code (a flag, an argument, a value). */
  | 'E_USAGE'
  /** A folder without the online metadata it must hold. */
  | 'E_NO_METADATA'
  /** A folder that cannot be read. */
  | 'E_NO_FOLDER'
  /** A role, or a version of it, that the repository does not hold (yet). */
  | 'E_NO_VERSION'
  /** No role of the event or the repository delegates to the role asked for. */
  | 'E_NO_DELEGATOR'
  /** A folder that is not a signing event. */
  | 'E_NOT_AN_EVENT'
  /** A file of a signing event that cannot be read. */
  | 'E_EVENT_FILE'
  /** A folder that is not a repository state folder. */
  | 'E_NOT_A_REPOSITORY'
  /** The file system refused a write (missing folder, permissions, read-only or full medium). */
  | 'E_WRITE'
  /** A key file that cannot be read. */
  | 'E_KEY_FILE'
  /** A ceremony plan that cannot be read. */
  | 'E_PLAN'
  /** The plan gives no expiry period for the role. */
  | 'E_NO_PERIOD'
  /** A bundle import state file that cannot be read. */
  | 'E_IMPORT_STATE';

/** A hardware token problem (module, slot, PIN, key, mechanism), or a key file's passphrase. */
export type TokenErrorCode =
  /** A PKCS#11 failure with no more specific code. */
  | 'E_TOKEN'
  /** The PKCS#11 module does not load. */
  | 'E_MODULE_LOAD'
  /** No token matches the one asked for. */
  | 'E_TOKEN_NOT_FOUND'
  /** More than one token matches the one asked for. */
  | 'E_TOKEN_AMBIGUOUS'
  /** A token, or its user PIN, not initialized. */
  | 'E_TOKEN_NOT_INITIALIZED'
  /** The token was removed or its session lost. */
  | 'E_TOKEN_REMOVED'
  /** The token is write-protected. */
  | 'E_TOKEN_WRITE_PROTECTED'
  /** The token has no room left. */
  | 'E_TOKEN_FULL'
  /** The token inserted is another holder's. */
  | 'E_WRONG_TOKEN'
  /** A token session used after it was closed. */
  | 'E_SESSION_CLOSED'
  /** The login was lost during an operation. */
  | 'E_NOT_LOGGED_IN'
  /** A wrong PIN. */
  | 'E_PIN_INCORRECT'
  /** The user PIN is locked. */
  | 'E_PIN_LOCKED'
  /** A PIN of a length or characters the token refuses. */
  | 'E_PIN_INVALID'
  /** The user PIN has expired. */
  | 'E_PIN_EXPIRED'
  /** The token does not support a mechanism the operation needs. */
  | 'E_MECHANISM_UNSUPPORTED'
  /** The token holds no key with the label, or no key of the purpose, asked for. */
  | 'E_KEY_NOT_FOUND'
  /** The token holds several keys with one label (or one CKA_ID): which one signs is ambiguous. */
  | 'E_KEY_AMBIGUOUS'
  /** The token holds the private key but not its public key. */
  | 'E_PUBLIC_KEY_MISSING'
  /** A key type that cannot sign TUF metadata. */
  | 'E_KEY_UNSUPPORTED'
  /** The key may not sign (CKA_SIGN is false). */
  | 'E_KEY_NOT_PERMITTED'
  /** The key disappeared during the operation. */
  | 'E_KEY_LOST'
  /** The holder's session has no key with the keyid the role expects. */
  | 'E_WRONG_KEY'
  /** The token did not set the attributes asked for on a new key. */
  | 'E_ATTRIBUTES_NOT_HONOURED'
  /** A signature made by the token does not verify with its public key. */
  | 'E_BAD_TOKEN_SIGNATURE'
  /** A wrong passphrase for an encrypted key file (or an altered file). */
  | 'E_WRONG_PASSPHRASE';

/** A person stopped the command at a prompt (Ctrl-C). */
export type InterruptedErrorCode =
  /** Ctrl-C at a prompt or while waiting for a token. */
  'E_INTERRUPTED';

/** A broken invariant of the tool itself: a bug, never the input's fault. */
export type InternalErrorCode =
  /** An invariant that does not hold. */
  'E_INTERNAL';

/** Every code of every class in this file, by class. */
interface CodesByClass {
  FormatError: FormatErrorCode;
  CanonicalJsonError: CanonicalJsonErrorCode;
  VerificationError: VerificationErrorCode;
  RefusedError: RefusedErrorCode;
  UsageError: UsageErrorCode;
  TokenError: TokenErrorCode;
  InterruptedError: InterruptedErrorCode;
  InternalError: InternalErrorCode;
}

export type ErrorCode = CodesByClass[keyof CodesByClass];

type InTwoClasses<T> = {
  [K in keyof T]: { [J in Exclude<keyof T, K>]: Extract<T[K], T[J]> }[Exclude<keyof T, K>];
}[keyof T];
type MustBeNever<T extends never> = T;
/** Does not compile while a code is in two classes' unions; the error names the code. */
export type CodesInTwoClasses = MustBeNever<InTwoClasses<CodesByClass>>;

function optionsOf(cause: unknown): ErrorOptions | undefined {
  return cause === undefined ? undefined : { cause };
}

export abstract class CeremonyError<C extends string = string> extends Error {
  readonly code: C;
  readonly category: ErrorCategory;
  constructor(code: C, category: ErrorCategory, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.category = category;
  }
}

/** Bad input data: a field of a file that is missing, of the wrong type or out of range. */
export class FormatError extends CeremonyError<FormatErrorCode> {
  /** Where: the file and the path inside it (`1.root.json: signed.keys`), or '' for the whole input. */
  readonly field: string;
  /** What is wrong there. */
  readonly reason: string;
  constructor(field: string, reason: string, code: FormatErrorCode = 'E_FORMAT', options?: ErrorOptions) {
    super(code, 'usage', field ? `${field}: ${reason}` : reason, options);
    this.field = field;
    this.reason = reason;
  }

  /** The same error with its field path prefixed by the file (or outer field) it came from. */
  withContext(context: string): FormatError {
    return new FormatError(
      this.field ? `${context}: ${this.field}` : context,
      this.reason,
      this.code,
      optionsOf(this.cause),
    );
  }
}

/** A value that TUF canonical JSON cannot represent exactly (TUF specification section 4). */
export class CanonicalJsonError extends CeremonyError<CanonicalJsonErrorCode> {
  constructor(path: string, message: string) {
    super('E_CANONICAL_JSON', 'usage', `${path || '(root)'}: ${message}`);
  }
}

/** Signatures, thresholds, versions, expiry or hashes that do not hold. */
export class VerificationError extends CeremonyError<VerificationErrorCode> {
  constructor(message: string, code: VerificationErrorCode = 'E_VERIFICATION', options?: ErrorOptions) {
    super(code, 'verification', message, options);
  }
}

/** A safety check refused the operation (overwrite, duplicate signature, guard rail). */
export class RefusedError extends CeremonyError<RefusedErrorCode> {
  constructor(message: string, code: RefusedErrorCode = 'E_REFUSED', options?: ErrorOptions) {
    super(code, 'refused', message, options);
  }
}

/** Wrong command-line use or configuration. */
export class UsageError extends CeremonyError<UsageErrorCode> {
  constructor(message: string, code: UsageErrorCode = 'E_USAGE', options?: ErrorOptions) {
    super(code, 'usage', message, options);
  }
}

/** A hardware token problem: module, slot, PIN, key, mechanism. */
export class TokenError extends CeremonyError<TokenErrorCode> {
  constructor(code: TokenErrorCode, message: string, options?: ErrorOptions) {
    super(code, 'token', message, options);
  }
}

/**
 * Ctrl-C at a prompt (exit code 130). The message says what was done before it, so the one line
 * a person reads tells them where the ceremony stands.
 */
export class InterruptedError extends CeremonyError<InterruptedErrorCode> {
  constructor(message = 'interrupted (Ctrl-C)', options?: ErrorOptions) {
    super('E_INTERRUPTED', 'interrupted', message, options);
  }
}

/** A broken invariant of the tool (exit code 1): reported as a bug, never blamed on the input. */
export class InternalError extends CeremonyError<InternalErrorCode> {
  constructor(message: string, options?: ErrorOptions) {
    super('E_INTERNAL', 'internal', message, options);
  }
}

/** Prefix a FormatError's field path with the file (or outer field) it came from. */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FormatError) throw err.withContext(context);
    throw err;
  }
}
