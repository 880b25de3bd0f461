/**
 * Options that several commands take, declared once with their help, and one parser for each
 * value that needs one. Command declarations spread these (`{ ...REPO, required: true }`); this
 * module stays cheap to import (declarations load at every start).
 */
import { parseDuration, parseInstant, UsageError } from '../tuf/base/index.js';
import type { OptionDeclaration } from './declaration.js';

export const JSON_OUTPUT = {
  type: 'boolean',
  help: 'print exactly one JSON document on stdout, on success and on failure (docs/formats/json-output.md)',
} as const satisfies OptionDeclaration;

export const AT = {
  type: 'string',
  value: '<time>',
  help: 'the time to check and date things at (default: now), e.g. 2026-05-01 or 2026-05-01T12:00:00Z',
} as const satisfies OptionDeclaration;

export const REPO = {
  type: 'string',
  value: '<state folder>',
  help: 'the repository state folder',
} as const satisfies OptionDeclaration;

export const NEW_EVENT = {
  type: 'string',
  value: '<new folder>',
  help: 'the signing event folder to write (never overwritten)',
} as const satisfies OptionDeclaration;

export const PROFILE = {
  type: 'string',
  value: '<token profile>',
  help: 'the token profile (PKCS#11 module, tokens and key labels of each holder)',
} as const satisfies OptionDeclaration;

export const TRUSTED_ROOT = {
  type: 'string',
  value: '<trusted N.root.json>',
  help: 'the root metadata you trust, obtained out of band',
} as const satisfies OptionDeclaration;

/** A client's state between runs (`verify-download`, `dev check`): what it trusted last time. */
export const CLIENT_STATE = {
  type: 'string',
  value: '<folder>',
  help: 'keep the timestamp and snapshot trusted here, and refuse older ones next time (rollback protection across runs; created when absent)',
} as const satisfies OptionDeclaration;

export const METADATA = {
  type: 'string',
  value: '<folder>',
  help: 'the folder of published metadata',
} as const satisfies OptionDeclaration;

export const NO_QR = {
  type: 'boolean',
  help: 'do not draw QR codes of the digests',
} as const satisfies OptionDeclaration;

export const WITHIN = {
  type: 'string',
  value: '<30d>',
  help: "the renewal window (default: the plan's expiry_warning)",
} as const satisfies OptionDeclaration;

export const THRESHOLD = {
  type: 'string',
  value: 'N',
  help: 'the threshold (a whole number)',
} as const satisfies OptionDeclaration;

/** `--at`: an instant, or now. */
export function atOption(text: string | undefined): Date {
  return text === undefined ? new Date() : parseInstant(text, '--at');
}

/** `--within`: a duration, or undefined to use the plan's margin. */
export function withinOption(text: string | undefined): { text: string; seconds: number } | undefined {
  return text === undefined ? undefined : { text, seconds: parseDuration(text, '--within') };
}

/** A threshold given on the command line: a whole number, or undefined when not given. */
export function parseThreshold(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${text}: expected a whole number`);
  return Number(text);
}

/** "a,b" and repeated flags alike: ['a', 'b']. */
export function listOption(values: string | string[] | undefined): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** `<role>=<value>` (recover's --new-key and --threshold). */
export function roleAssignment(spec: string, flag: string): [string, string] {
  const i = spec.indexOf('=');
  if (i <= 0 || i === spec.length - 1) throw new UsageError(`${flag} ${spec}: expected <role>=<value>`);
  return [spec.slice(0, i), spec.slice(i + 1)];
}

/** A command line a person can paste into a shell: words with other characters than these are quoted. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w./@%+=:,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
