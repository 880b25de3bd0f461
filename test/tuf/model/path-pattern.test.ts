/**
 * TUF path patterns match as python-tuf matches them (TUF specification section 4.5 "paths"):
 * per `/` component, with CPython 3.11's fnmatch (docs/decisions/0007-path-pattern-semantics.md).
 *
 * Three checks: the cases Python itself computed (scripts/vectors/fnmatch-cases.py); a second,
 * plain implementation on random patterns; and inputs that would make a backtracking matcher run
 * for seconds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fnmatchComponent, matchPathPattern } from '../../../src/tuf/model/path-pattern.js';
import { DelegatedRole, matchPathPattern as matchFromRoles } from '../../../src/tuf/model/roles.js';
import { random } from '../../helpers/random.js';

type Case = [name: string, pattern: string, expected: boolean];
const vectors = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated', 'fnmatch-cases.json'), 'utf8'),
) as { component: Case[]; path: Case[] };

const EMOJI = '\u{1F600}';

// ---------------------------------------------------------------------------------------------
// A second implementation: CPython 3.11's fnmatch.translate transcribed line by line, each item
// made a JavaScript regular expression for one code point, and a recursive matcher over code
// points with memoization. Slow, and written for reading side by side with translate.

const STAR = Symbol('*');

/** translate's set text, as code points, into a JavaScript class (or `.` / `(?!)`). */
function referenceSet(pat: string[], i: number, j: number): string {
  let stuff: string;
  if (!pat.slice(i, j).includes('-')) stuff = pat.slice(i, j).join('').replaceAll('\\', '\\\\');
  else {
    const chunks: string[][] = [];
    let k = pat[i] === '!' ? i + 2 : i + 1;
    for (;;) {
      k = pat.slice(0, j).indexOf('-', k);
      if (k < 0) break;
      chunks.push(pat.slice(i, k));
      i = k + 1;
      k = k + 3;
    }
    const chunk = pat.slice(i, j);
    if (chunk.length > 0) chunks.push(chunk);
    else chunks[chunks.length - 1]!.push('-');
    for (let c = chunks.length - 1; c > 0; c--) {
      if (chunks[c - 1]!.at(-1)!.codePointAt(0)! > chunks[c]![0]!.codePointAt(0)!) {
        chunks[c - 1] = [...chunks[c - 1]!.slice(0, -1), ...chunks[c]!.slice(1)];
        chunks.splice(c, 1);
      }
    }
    stuff = chunks.map((s) => s.join('').replaceAll('\\', '\\\\').replaceAll('-', '\\-')).join('-');
  }
  // Python escapes & ~ | here (set operations); JavaScript without the v flag has none.
  if (!stuff) return '(?!)';
  if (stuff === '!') return '.';
  if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
  else if (stuff[0] === '^' || stuff[0] === '[') stuff = '\\' + stuff;
  // A `]` first in a class is literal in Python; JavaScript would read `[]` as an empty class.
  return `[${stuff.replace(/^(\^?)\]/, '$1\\]')}]`;
}

function referenceTokens(pattern: string): (RegExp | typeof STAR)[] {
  const pat = Array.from(pattern);
  const res: (string | typeof STAR)[] = [];
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i++]!;
    if (c === '*') {
      if (res.at(-1) !== STAR) res.push(STAR);
    } else if (c === '?') res.push('.');
    else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) res.push('\\[');
      else {
        res.push(referenceSet(pat, i, j));
        i = j + 1;
      }
    } else res.push(c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
  }
  return res.map((t) => (t === STAR ? t : new RegExp(`^(?:${t})$`, 'su')));
}

function referenceFnmatch(name: string, pattern: string): boolean {
  const tokens = referenceTokens(pattern);
  const chars = Array.from(name);
  const memo = new Map<number, boolean>();
  const match = (p: number, n: number): boolean => {
    const key = p * (chars.length + 1) + n;
    let result = memo.get(key);
    if (result !== undefined) return result;
    const t = tokens[p];
    if (t === undefined) result = n === chars.length;
    else if (t === STAR) result = match(p + 1, n) || (n < chars.length && match(p, n + 1));
    else result = n < chars.length && t.test(chars[n]!) && match(p + 1, n + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

function referencePathMatch(targetPath: string, pattern: string): boolean {
  const targetParts = targetPath.split('/');
  const patternParts = pattern.split('/');
  return (
    targetParts.length === patternParts.length && patternParts.every((p, i) => referenceFnmatch(targetParts[i]!, p))
  );
}

// ---------------------------------------------------------------------------------------------

describe('path patterns give what Python computed (scripts/vectors/fnmatch-cases.py)', () => {
  it('every component case: fnmatch.fnmatch on one component', () => {
    const wrong = vectors.component.filter(([name, pattern, expected]) => fnmatchComponent(name, pattern) !== expected);
    expect(vectors.component.length).toBeGreaterThan(500);
    expect(wrong).toEqual([]);
  });

  it('every whole-path case: same number of components, each matched by fnmatch', () => {
    const wrong = vectors.path.filter(([path, pattern, expected]) => matchPathPattern(path, pattern) !== expected);
    expect(vectors.path.length).toBeGreaterThan(500);
    expect(wrong).toEqual([]);
  });

  it('the second implementation agrees with Python on every case too', () => {
    expect(vectors.component.filter(([n, p, e]) => referenceFnmatch(n, p) !== e)).toEqual([]);
    expect(vectors.path.filter(([n, p, e]) => referencePathMatch(n, p) !== e)).toEqual([]);
  });
});

describe('path patterns follow fnmatch where a regular expression translation went wrong', () => {
  it.each([
    ['[!]', '[!]', true],
    ['a', '[!]', false],
    [EMOJI, '?', true],
    [`${EMOJI}.whl`, '?.whl', true],
    ['e\u0301', '?', false],
    ['a', '[z-a]', false],
    ['z', '[z-a]', false],
    ['-', '[a-z-0]', true],
    ['\\', '[\\]', true],
    ['[', '[', true],
    ['a\nb', 'a?b', true],
    ['a/b', '*', false],
  ])('%j against %j → %s', (path, pattern, expected) => {
    expect(matchPathPattern(path, pattern)).toBe(expected);
  });

  it('a terminating role whose pattern is `?` trusts a target named by one emoji', () => {
    expect(new DelegatedRole('bin', [], 1, true, ['?'], undefined).isDelegatedPath(EMOJI)).toBe(true);
  });

  it('roles.ts hands on the same function, for the code that imports it from there', () => {
    expect(matchFromRoles).toBe(matchPathPattern);
  });
});

describe('path patterns match in polynomial time and never throw', () => {
  it('rejects "*a" x 30 + "b" against 5000 a without backtracking', () => {
    const pattern = '*a'.repeat(30) + 'b';
    expect(fnmatchComponent('a'.repeat(5000), pattern)).toBe(false);
    expect(matchPathPattern(`x/${'a'.repeat(5000)}`, `*/${pattern}`)).toBe(false);
    expect(fnmatchComponent('a'.repeat(5000) + 'b', pattern)).toBe(true);
  });

  it('agrees with the second implementation on 20,000 random patterns and names', () => {
    const r = random(480);
    const alphabet = ['a', 'b', 'z', '*', '?', '[', ']', '!', '-', '/', '\\', '^', EMOJI];
    const text = (most: number): string => Array.from({ length: r.int(most + 1) }, () => r.pick(alphabet)).join('');
    // Half of the names are made from their pattern, so that many of them match.
    const likely = (pattern: string): string =>
      Array.from(pattern, (c) => (c === '*' ? text(3) : '?[]!'.includes(c) ? r.pick(alphabet) : c)).join('');
    const differ: string[] = [];
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const pattern = text(10);
      const name = r.next() < 0.5 ? likely(pattern) : text(10);
      const component = fnmatchComponent(name, pattern);
      const path = matchPathPattern(name, pattern);
      if (component !== referenceFnmatch(name, pattern)) differ.push(`component ${JSON.stringify([name, pattern])}`);
      if (path !== referencePathMatch(name, pattern)) differ.push(`path ${JSON.stringify([name, pattern])}`);
      if (path) matched++;
    }
    expect(differ).toEqual([]);
    expect(matched).toBeGreaterThan(2_000);
  });

  it('never throws, whatever the text: lone surrogates, unclosed sets, every character', () => {
    const r = random(7);
    const alphabet = [
      '*',
      '?',
      '[',
      ']',
      '!',
      '-',
      '/',
      '\\',
      '\ud800',
      '\udc00',
      EMOJI,
      '\u0000',
      '\n',
      'a',
      '\uffff',
    ];
    const text = (): string => Array.from({ length: r.int(16) }, () => r.pick(alphabet)).join('');
    for (let i = 0; i < 5_000; i++) {
      const [name, pattern] = [text(), text()];
      expect(() => [fnmatchComponent(name, pattern), matchPathPattern(name, pattern)]).not.toThrow();
    }
    // Ranges a-a with a literal `-` between them (Python: a, z and - match, q does not).
    const huge = `[${'a-'.repeat(200_000)}z]`;
    expect(['q', 'a', 'z', '-'].map((c) => fnmatchComponent(c, huge))).toEqual([false, true, true, true]);
    expect(fnmatchComponent('-', `[z-a${'-'.repeat(200_000)}]`)).toBe(true);
  });

  it('stays right after its cache of compiled patterns is full', () => {
    for (let i = 0; i < 12_000; i++) {
      expect(fnmatchComponent(`a${i}x`, `a${i}*`)).toBe(true);
      expect(matchPathPattern(`d/a${i}`, `d/a${i}?`)).toBe(false);
    }
  });
});
