/** Progress of long work on stderr, for a person at a terminal (large batches of requests). */
import type { CliIO } from './io.js';

/** Batches at least this large get a progress bar on a terminal. */
export const PROGRESS_MIN_FILES = 100;

/** A progress bar on stderr, redrawn at most ten times a second; none when nobody watches. */
export function progressBar(io: CliIO, what: string): ((done: number, total: number) => void) | undefined {
  if (!io.interactive) return undefined;
  let last = 0;
  return (done, total) => {
    if (total < PROGRESS_MIN_FILES) return;
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((width * done) / total);
    io.stderr.write(
      `\r${what} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`,
    );
  };
}
