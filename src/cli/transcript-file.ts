/** The transcript a transcript command reads: the repository's (--repo) or a file given by path. */
import { join } from 'node:path';
import { Repository, TRANSCRIPT_FILE } from '../ceremony/state/index.js';
import { UsageError } from '../tuf/base/index.js';

export function transcriptPath(repo: string | undefined, positionals: string[]): string {
  if (repo !== undefined && positionals.length === 0) return join(Repository.open(repo).dir, TRANSCRIPT_FILE);
  if (repo === undefined && positionals.length === 1) return positionals[0]!;
  throw new UsageError('give --repo or one transcript file');
}

/** The chain check for `--json` (docs/formats/transcript.md names the records' own fields). */
export function transcriptCheckJson(check: {
  ok: boolean;
  records: number;
  brokenAt?: number;
  reason?: string;
  head?: string;
}) {
  return {
    ok: check.ok,
    records: check.records,
    broken_at: check.brokenAt ?? null,
    reason: check.reason ?? null,
    head: check.head ?? null,
  };
}
