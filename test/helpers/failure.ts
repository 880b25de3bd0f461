/** The CeremonyError a call throws (any other error is rethrown; no error fails the test). */
import { CeremonyError } from '../../src/tuf/base/errors.js';

export function failure(fn: () => unknown): CeremonyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CeremonyError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

/** The CeremonyError a promise rejects with. */
export async function rejection(p: Promise<unknown>): Promise<CeremonyError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CeremonyError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
