/**
 * Error classes shared by every layer. Each has a stable `code`; the CLI maps the code's
 * category to an exit code (DESIGN.md "Conventions"): 2 usage/config, 3 verification failed,
 * 4 token problem, 5 refused by a safety check, 1 anything else.
 */
export type ErrorCategory = 'usage' | 'verification' | 'token' | 'refused' | 'internal';

export class CeremonyError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  constructor(code: string, category: ErrorCategory, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.category = category;
  }
}

/** Bad input data: a field of a file that is missing, of the wrong type or out of range. */
export class FormatError extends CeremonyError {
  readonly field: string;
  constructor(field: string, message: string, code = 'E_FORMAT') {
    super(code, 'usage', field ? `${field}: ${message}` : message);
    this.field = field;
  }
}

/** A value that TUF canonical JSON cannot represent exactly (REFERENCE.md section 4). */
export class CanonicalJsonError extends CeremonyError {
  constructor(path: string, message: string) {
    super('E_CANONICAL_JSON', 'usage', `${path || '(root)'}: ${message}`);
  }
}

/** Signatures, thresholds, versions, expiry or hashes that do not hold. */
export class VerificationError extends CeremonyError {
  constructor(message: string, code = 'E_VERIFICATION') {
    super(code, 'verification', message);
  }
}

/** A safety check refused the operation (overwrite, duplicate signature, guard rail). */
export class RefusedError extends CeremonyError {
  constructor(message: string, code = 'E_REFUSED') {
    super(code, 'refused', message);
  }
}

/** Wrong command-line use or configuration. */
export class UsageError extends CeremonyError {
  constructor(message: string, code = 'E_USAGE') {
    super(code, 'usage', message);
  }
}

/** A hardware token problem: module, slot, PIN, key, mechanism. */
export class TokenError extends CeremonyError {
  constructor(code: string, message: string) {
    super(code, 'token', message);
  }
}

export const EXIT_CODES: Record<ErrorCategory, number> = {
  internal: 1,
  usage: 2,
  verification: 3,
  token: 4,
  refused: 5,
};

/** Prefix a FormatError's field path with the file (or outer field) it came from. */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FormatError) {
      const reason = err.field ? err.message.slice(err.field.length + 2) : err.message;
      throw new FormatError(err.field ? `${context}: ${err.field}` : context, reason, err.code);
    }
    throw err;
  }
}
