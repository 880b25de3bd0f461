/**
 * Every exit code of tuf-ceremony, in one table. Errors carry a category (src/tuf/base/errors.ts) and
 * the CLI maps it here; the states a command reports without an error (an event still missing
 * signatures, a role due for renewal or expired) come from the ceremony layer as states and are
 * mapped here too. `--help` and the README's list are rendered from this table, and a test checks
 * the README against it.
 */
import type { ExpiryStatus } from '../ceremony/lifecycle/index.js';
import { CeremonyError, type ErrorCategory } from '../tuf/base/index.js';

/** Ctrl-C at a prompt: 128 + SIGINT, as a shell reports a command that SIGINT ended. */
export const INTERRUPTED_EXIT_CODE = 130;

/** The exit code of a thrown error, by its category. */
export const CATEGORY_EXIT_CODES = {
  internal: 1,
  usage: 2,
  verification: 3,
  token: 4,
  refused: 5,
  interrupted: INTERRUPTED_EXIT_CODE,
} as const satisfies Record<ErrorCategory, number>;

/**
 * States that are answers, not failures: outside 1-5 so that a script or a reminder job can tell
 * "not yet" or "renew soon" from "the command failed".
 */
export const STATE_EXIT_CODES = {
  /** `event status`: some threshold of the event is not met yet. */
  'event-incomplete': 6,
  /** `expiry`: a role expires within the window. */
  'expiry-due': 10,
  /** `expiry`: a role has expired. */
  'expiry-expired': 11,
} as const;

export type ExitState = keyof typeof STATE_EXIT_CODES;

export interface ExitCodeEntry {
  code: number;
  meaning: string;
  /** The commands that exit with it; every command when absent. */
  commands?: string;
}

/** The table: what each exit code means, in order. */
export const EXIT_CODE_TABLE: readonly ExitCodeEntry[] = [
  { code: 0, meaning: 'ok' },
  { code: CATEGORY_EXIT_CODES.internal, meaning: 'internal error (a bug in the tool)' },
  { code: CATEGORY_EXIT_CODES.usage, meaning: 'usage or configuration (a flag, a file the tool cannot read or write)' },
  {
    code: CATEGORY_EXIT_CODES.verification,
    meaning: 'verification failed (signatures, thresholds, versions, expiry, hashes)',
  },
  { code: CATEGORY_EXIT_CODES.token, meaning: 'token problem (module, slot, PIN, key, mechanism)' },
  { code: CATEGORY_EXIT_CODES.refused, meaning: 'refused by a safety check (overwrite, second signature, guard rail)' },
  {
    code: STATE_EXIT_CODES['event-incomplete'],
    meaning: 'the event still misses signatures',
    commands: 'event status',
  },
  {
    code: STATE_EXIT_CODES['expiry-due'],
    meaning: 'a role expires within the window: prepare a re-sign',
    commands: 'expiry',
  },
  {
    code: STATE_EXIT_CODES['expiry-expired'],
    meaning: 'a role has expired: clients refuse it now',
    commands: 'expiry',
  },
  {
    code: INTERRUPTED_EXIT_CODE,
    meaning: 'interrupted at a prompt (Ctrl-C); what was done before it stays done, and the line says how to go on',
  },
];

/** The exit code of anything a command threw: its category's, or 1 for what is not a CeremonyError. */
export function exitCodeOfError(e: unknown): number {
  return e instanceof CeremonyError ? CATEGORY_EXIT_CODES[e.category] : CATEGORY_EXIT_CODES.internal;
}

/** `expiry`: the exit code of the report's state (the worst role's). */
export function expiryExitCode(state: ExpiryStatus): number {
  return state === 'expired'
    ? STATE_EXIT_CODES['expiry-expired']
    : state === 'due'
      ? STATE_EXIT_CODES['expiry-due']
      : 0;
}

/** `event status`: 0 when every threshold is met, else the incomplete state's code. */
export function eventStatusExitCode(complete: boolean): number {
  return complete ? 0 : STATE_EXIT_CODES['event-incomplete'];
}

/**
 * The table as text: `text` for `--help` (aligned lines), `markdown` for the README (a table).
 * `commands` keeps the codes every command uses and those of the commands named.
 */
export function renderExitCodes(format: 'text' | 'markdown', commands?: readonly string[]): string {
  const rows = EXIT_CODE_TABLE.filter(
    (r) => commands === undefined || r.commands === undefined || commands.includes(r.commands),
  );
  if (format === 'markdown') {
    return [
      '| code | meaning | commands |',
      '| ---: | --- | --- |',
      ...rows.map((r) => `| ${r.code} | ${r.meaning} | ${r.commands ? `\`${r.commands}\`` : 'all'} |`),
    ].join('\n');
  }
  const width = Math.max(...rows.map((r) => String(r.code).length));
  return rows
    .map(
      (r) =>
        `  ${String(r.code).padEnd(width)}  ${r.meaning}${r.commands && commands === undefined ? ` (${r.commands})` : ''}`,
    )
    .join('\n');
}
