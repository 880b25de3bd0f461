/** Reading a file given on the command line or named by a plan: one line when it cannot be read. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../tuf/base/index.js';

/** An input file's bytes; UsageError naming `what` and the file when it cannot be read. */
export function readInputFile(path: string, what: string, code: 'E_USAGE' | 'E_PLAN' = 'E_USAGE'): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      code,
      { cause: e },
    );
  }
}
