/**
 * The one table of exit codes (src/cli/exit-codes.ts): every error category has its code, the
 * states of `event status` and `expiry` are in it, and the README's list is the table rendered.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CATEGORY_EXIT_CODES,
  EXIT_CODE_TABLE,
  eventStatusExitCode,
  exitCodeOfError,
  expiryExitCode,
  renderExitCodes,
  STATE_EXIT_CODES,
} from '../../src/cli/exit-codes.js';
import { RequestRejected } from '../../src/ceremony/claims/requests-format.js';
import {
  CanonicalJsonError,
  FormatError,
  InternalError,
  RefusedError,
  TokenError,
  UsageError,
  VerificationError,
  type ErrorCategory,
} from '../../src/tuf/base/errors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The categories as errors.ts declares them. */
function declaredCategories(): string[] {
  const text = readFileSync(join(ROOT, 'src', 'tuf', 'base', 'errors.ts'), 'utf8');
  const m = /export type ErrorCategory = ([^;]+);/.exec(text);
  return [...m![1]!.matchAll(/'(\w+)'/g)].map((x) => x[1]!);
}

describe('exit codes', () => {
  it('every error category has an exit code in the table', () => {
    const categories = declaredCategories();
    expect(categories.length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(CATEGORY_EXIT_CODES).sort()).toEqual([...categories].sort());
    for (const c of categories)
      expect(EXIT_CODE_TABLE.map((r) => r.code)).toContain(CATEGORY_EXIT_CODES[c as ErrorCategory]);
  });

  it('every error class lands on its category code, anything else on 1', () => {
    expect(exitCodeOfError(new InternalError('x'))).toBe(1);
    expect(exitCodeOfError(new UsageError('x'))).toBe(2);
    expect(exitCodeOfError(new FormatError('f', 'x'))).toBe(2);
    expect(exitCodeOfError(new CanonicalJsonError('', 'x'))).toBe(2);
    expect(exitCodeOfError(new VerificationError('x'))).toBe(3);
    expect(exitCodeOfError(new TokenError('E_TOKEN', 'x'))).toBe(4);
    expect(exitCodeOfError(new RefusedError('x'))).toBe(5);
    expect(exitCodeOfError(new RequestRejected('bad-proof', 'x'))).toBe(3);
    expect(exitCodeOfError(new RequestRejected('too-large', 'x'))).toBe(2);
    expect(exitCodeOfError(new TypeError('x'))).toBe(1);
  });

  it('the table holds each code once, with the states of event status and expiry', () => {
    const codes = EXIT_CODE_TABLE.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual([0, 1, 2, 3, 4, 5, 6, 10, 11, 130]);
    for (const code of Object.values(STATE_EXIT_CODES)) expect(codes).toContain(code);
  });

  it('maps the ceremony states: event complete or not, expiry ok, due or expired', () => {
    expect([eventStatusExitCode(true), eventStatusExitCode(false)]).toEqual([0, 6]);
    expect([expiryExitCode('ok'), expiryExitCode('due'), expiryExitCode('expired')]).toEqual([0, 10, 11]);
  });

  it('the README lists the table as rendered', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- exit-codes:begin -->\n([\s\S]*?)\n<!-- exit-codes:end -->/.exec(readme);
    expect(m, 'README.md has the exit-codes block').not.toBeNull();
    expect(m![1]).toBe(renderExitCodes('markdown'));
  });

  it('renders aligned lines for --help, all codes or those of one command', () => {
    const all = renderExitCodes('text');
    expect(all.split('\n')).toHaveLength(EXIT_CODE_TABLE.length);
    expect(all).toContain('  6    the event still misses signatures (event status)');
    expect(all).toContain('  130  interrupted at a prompt (Ctrl-C)');
    const expiry = renderExitCodes('text', ['expiry']).split('\n');
    expect(expiry.map((l) => l.trim().split(' ')[0])).toEqual(['0', '1', '2', '3', '4', '5', '10', '11', '130']);
  });
});
