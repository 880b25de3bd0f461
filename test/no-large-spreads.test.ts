/**
 * No call takes one argument per project, role or file: `push(...xs)`, `Math.max(...xs)` and the
 * like put every element on the stack and throw "Maximum call stack size exceeded" somewhere past
 * 100k elements, a size a claimed role of PyPI's 600k projects reaches (docs/performance.md).
 * Loops or reduce instead. The few calls left spread short lists of fixed size, named below.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A spread as an argument of a call whose argument count is unbounded (not inside an object or array literal). */
const SPREAD_CALL =
  /(?:\.push|\.unshift|\.splice|Math\.max|Math\.min|String\.fromCharCode|\.concat)\((?:[^(){}[\]]*,\s*)?\.\.\./;

/** Spreads over lists whose size does not grow with the repository: file → text on the line, and why. */
const ALLOWED: Array<{ file: string; line: string; why: string }> = [
  { file: 'cli/main.ts', line: 'commands.map', why: 'the command table' },
  { file: 'cli/args.ts', line: 'flags.map', why: "one command's flags" },
  { file: 'cli/exit-codes.ts', line: 'rows.map', why: 'the exit-code table' },
  { file: 'cli/commands/token/list.ts', line: 't.keys.map', why: 'the keys on one token' },
  { file: 'cli/commands/token/list.ts', line: 'renderToken(t)', why: 'the lines about one token' },
  { file: 'keys/softhsm.ts', line: 'tokens.map', why: 'the tokens one test or rehearsal makes' },
  { file: 'cli/commands/rotate.ts', line: 'describeEventKeyChanges', why: 'the keys one rotation changes' },
  { file: 'cli/commands/rotate.ts', line: 'signingSteps', why: 'a fixed list of next steps' },
  { file: 'cli/commands/resign.ts', line: 'describeResignProof', why: 'the lines about one role' },
  { file: 'cli/commands/resign.ts', line: 'signingSteps', why: 'a fixed list of next steps' },
  { file: 'cli/commands/recover.ts', line: 'signingSteps', why: 'a fixed list of next steps' },
];

describe('calls with one argument per element', () => {
  it('no spread into push, Math.max, Math.min and the like in src/, except over the short fixed lists named here', () => {
    const found: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (!SPREAD_CALL.test(text) || text.trim().startsWith('//') || text.trim().startsWith('*')) return;
          if (ALLOWED.some((a) => a.file === rel && text.includes(a.line))) return;
          found.push(`src/${rel}:${i + 1}: ${text.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('the pattern finds the spreads it is for, and not object or array spreads', () => {
    expect(SPREAD_CALL.test('stack.push(...children)')).toBe(true);
    expect(SPREAD_CALL.test('const w = Math.max(4, ...rows.map((r) => r.length));')).toBe(true);
    expect(SPREAD_CALL.test("lines.push('', ...steps)")).toBe(true);
    expect(SPREAD_CALL.test('out.push({ name, ...rest })')).toBe(false);
    expect(SPREAD_CALL.test('queue.push({ role, chain: [...chain, bin] })')).toBe(false);
  });
});
