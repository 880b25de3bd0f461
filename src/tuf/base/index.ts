/**
 * What every folder uses of src/tuf/base (docs/architecture.md). The command line loads it at
 * every start: keep it to these three small modules. Files of the same folder import the modules
 * themselves; the other folders import only this file (test/architecture.test.ts).
 */

// Errors and their codes
export {
  CeremonyError,
  FormatError,
  InterruptedError,
  RefusedError,
  TokenError,
  UsageError,
  VerificationError,
  withContext,
} from './errors.js';
export type { ErrorCategory, VerificationErrorCode } from './errors.js';

// TUF time and durations
export { addSeconds, formatExpires, parseDuration, parseExpires, parseInstant } from './time.js';

// Text from files, made safe for a terminal; long lists of names cut to a line
export { countOf, escapeControls, escapeLines, LIST_SHOWN, someOf } from './display-text.js';
