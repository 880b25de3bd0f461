/** The transcript a transcript command reads: the repository's (--repo) or a file given by path. */
import { join } from 'node:path';
import { type CeremonyPlan, Repository, TRANSCRIPT_FILE } from '../ceremony/state/index.js';
import { UsageError } from '../tuf/base/index.js';

export function transcriptPath(repo: string | undefined, positionals: string[]): string {
  return transcriptSource(repo, positionals).path;
}

/** The transcript and, with --repo, the repository's plan (which names the people in the room). */
export function transcriptSource(
  repo: string | undefined,
  positionals: string[],
): { path: string; repo?: Repository; plan?: CeremonyPlan } {
  if (repo !== undefined && positionals.length === 0) {
    const r = Repository.open(repo);
    return { path: join(r.dir, TRANSCRIPT_FILE), repo: r, plan: r.plan() };
  }
  if (repo === undefined && positionals.length === 1) return { path: positionals[0]! };
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
