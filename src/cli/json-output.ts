/**
 * The parts every `--json` document shares (docs/formats/json-output.md): `ok`, and on failure
 * `error` with the stable code, the one-line message and the exit code. Each command writes the
 * rest with an explicit mapper in snake_case (TUF's wire style), never an internal object as is.
 */
import { CeremonyError } from '../tuf/base/index.js';
import { exitCodeOfError } from './exit-codes.js';

export interface ErrorJson {
  code: string;
  message: string;
  exit_code: number;
}

export interface FailureJson {
  ok: false;
  error: ErrorJson;
}

/** The document of a command that failed by throwing. */
export function errorJson(e: unknown): FailureJson {
  if (e instanceof CeremonyError) return failure((e as CeremonyError).code, e.message, exitCodeOfError(e));
  return failure('E_INTERNAL', `internal error: ${e instanceof Error ? e.message : String(e)}`, exitCodeOfError(e));
}

/**
 * Codes of the failures a command reports by its exit code rather than by throwing (a report that
 * says "no", a state such as incomplete or due); thrown errors carry their own codes.
 */
export type OutcomeCode =
  | 'E_VERIFICATION'
  | 'E_TRANSCRIPT_BROKEN'
  | 'E_EVENT_INCOMPLETE'
  | 'E_EVENT_DRIFT'
  | 'E_EXPIRY_DUE'
  | 'E_EXPIRED'
  | 'E_DOWNLOAD_REJECTED'
  | 'E_PROJECT_NOT_DELEGATED'
  | 'E_UPLOAD_REFUSED'
  | 'E_REHEARSAL_FAILED'
  | 'E_STEP_FAILED'
  | 'E_INTERRUPTED';

/** A failure that a command reports by its exit code rather than by throwing. */
export function failure(code: string, message: string, exitCode: number): FailureJson {
  return { ok: false, error: { code, message, exit_code: exitCode } };
}

/** `{ ok: true }` when the exit code is 0, else the failure: the head of every document. */
export function outcome(exitCode: number, code: OutcomeCode, message: string): { ok: true } | FailureJson {
  return exitCode === 0 ? { ok: true } : failure(code, message, exitCode);
}
