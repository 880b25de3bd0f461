/**
 * TUF path patterns (TUF specification 1.0.x section 4.5, "paths"): a target path and a pattern
 * are split on `/`, must have the same number of components, and each component is matched with
 * Python's `fnmatch.fnmatch` (python-tuf `DelegatedRole._is_target_in_pathpattern`; on POSIX that
 * is `fnmatch.fnmatchcase`, no case folding).
 *
 * The semantics are CPython 3.11's `fnmatch.translate`, quirks included, on code points; the
 * matcher is a greedy scan with no backtracking regular expression, so its worst case is
 * O(name × pattern). Why, and where the vectors that pin it come from:
 * docs/decisions/0007-path-pattern-semantics.md.
 */

/** Matches `name.slice(start, end)` (whole code points) against one compiled component. */
type ComponentMatcher = (name: string, start: number, end: number) => boolean;

/**
 * A compiled component is a list of tokens: a code point (>= 0) matches itself, STAR any run of
 * code points, ANY one code point, and SET_BASE - k one code point of the set `sets[k]`.
 */
const STAR = -1;
const ANY = -2;
const SET_BASE = -3;

const CP_STAR = 0x2a; // *
const CP_QUESTION = 0x3f; // ?
const CP_OPEN = 0x5b; // [
const CP_CLOSE = 0x5d; // ]
const CP_BANG = 0x21; // !
const CP_HYPHEN = 0x2d; // -

/** One `[...]` of a pattern: code points and inclusive ranges, possibly negated. */
class CharSet {
  constructor(
    private readonly negate: boolean,
    private readonly singles: ReadonlySet<number>,
    private readonly ranges: readonly (readonly [number, number])[],
  ) {}

  has(cp: number): boolean {
    let found = this.singles.has(cp);
    for (let i = 0; !found && i < this.ranges.length; i++) {
      const [lo, hi] = this.ranges[i]!;
      found = lo <= cp && cp <= hi;
    }
    return found !== this.negate;
  }
}

/**
 * The set that `fnmatch.translate` makes of the text between `[` and `]` (the leading `!` and a
 * `]` just after `[` or `[!` included), as a token. It follows translate step by step, because
 * its results are not always the obvious ones: the text is cut into chunks at each `-` that makes
 * a range; a reversed range (`z-a`) is removed with both of its ends; an empty result never
 * matches, a lone `!` matches any character; and the negation is decided after the removal, so
 * `[z-a!]` matches any character and `[z-a!-c]` is `[^-c]`.
 */
function setToken(stuff: number[], sets: CharSet[]): number {
  let chunks: number[][] = [stuff];
  if (stuff.includes(CP_HYPHEN)) {
    chunks = [];
    let start = 0;
    // A `-` that is the first character (after a `!`) is literal: search from the next one.
    let k = stuff[0] === CP_BANG ? 2 : 1;
    for (;;) {
      k = stuff.indexOf(CP_HYPHEN, k);
      if (k < 0) break;
      chunks.push(stuff.slice(start, k));
      start = k + 1;
      k += 3;
    }
    const last = stuff.slice(start);
    if (last.length > 0) chunks.push(last);
    else chunks[chunks.length - 1]?.push(CP_HYPHEN);
    for (let c = chunks.length - 1; c > 0; c--) {
      const before = chunks[c - 1]!;
      const after = chunks[c]!;
      if (before[before.length - 1]! > after[0]!) {
        chunks[c - 1] = [...before.slice(0, -1), ...after.slice(1)];
        chunks.splice(c, 1);
      }
    }
  }
  // The regular expression set is chunk0 - chunk1 - ... (null below for such a `-`): it joins
  // the last character of one chunk and the first of the next into a range; every other
  // character is literal. Nothing left is the empty set, which matches nothing. A leading `!`
  // negates (a lone `!` is the negated empty set: any character); with nothing else in chunk0,
  // the first `-` follows `^` and is literal in Python's re.
  const negate = chunks[0]![0] === CP_BANG;
  const items: (number | null)[] = [];
  chunks.forEach((chunk, c) => {
    if (c > 0) items.push(null);
    for (const cp of chunk) items.push(cp);
  });
  if (negate) items.shift();
  const singles = new Set<number>();
  const ranges: [number, number][] = [];
  for (let i = 0; i < items.length; i++) {
    const lo = items[i] ?? CP_HYPHEN;
    const hi = items[i + 2];
    if (items[i + 1] === null && hi !== undefined && hi !== null) {
      ranges.push([lo, hi]);
      i += 2;
    } else singles.add(lo);
  }
  sets.push(new CharSet(negate, singles, ranges));
  return SET_BASE - (sets.length - 1);
}

/** The tokens of one component, as `fnmatch.translate` reads it. */
function tokenize(pattern: string): { tokens: number[]; sets: CharSet[] } {
  const pat = Array.from(pattern, (c) => c.codePointAt(0)!);
  const tokens: number[] = [];
  const sets: CharSet[] = [];
  const n = pat.length;
  let i = 0;
  while (i < n) {
    const c = pat[i++]!;
    if (c === CP_STAR) {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === CP_QUESTION) tokens.push(ANY);
    else if (c === CP_OPEN) {
      let j = i;
      if (j < n && pat[j] === CP_BANG) j++;
      if (j < n && pat[j] === CP_CLOSE) j++;
      while (j < n && pat[j] !== CP_CLOSE) j++;
      if (j >= n)
        tokens.push(CP_OPEN); // unclosed: a literal `[`, the rest read on
      else {
        tokens.push(setToken(pat.slice(i, j), sets));
        i = j + 1;
      }
    } else tokens.push(c);
  }
  return { tokens, sets };
}

function compileComponent(pattern: string): ComponentMatcher {
  const { tokens, sets } = tokenize(pattern);
  // Only literals: the pattern is its own text (an unclosed `[` included).
  if (tokens.every((t) => t >= 0)) {
    return (name, start, end) => end - start === pattern.length && name.startsWith(pattern, start);
  }
  if (tokens.length === 1 && tokens[0] === STAR) return () => true;
  const one = (t: number, cp: number): boolean => (t >= 0 ? t === cp : t === ANY || sets[SET_BASE - t]!.has(cp));
  // Greedy scan: each token but STAR takes exactly one code point, so when a match after the
  // last star fails, letting that star take one more code point and retrying from there is
  // enough; an earlier star never needs to take more (whatever it would take, the last star can
  // take instead). Each restart moves the star's start forward: O(name × pattern).
  return (name, start, end) => {
    const last = tokens.length;
    let p = 0;
    let n = start;
    let starP = -1;
    let starN = start;
    while (n < end) {
      if (p < last) {
        const t = tokens[p]!;
        if (t === STAR) {
          starP = ++p;
          starN = n;
          continue;
        }
        const cp = name.codePointAt(n)!;
        if (one(t, cp)) {
          p++;
          n += cp > 0xffff ? 2 : 1;
          continue;
        }
      }
      if (starP < 0) return false;
      p = starP;
      starN += name.codePointAt(starN)! > 0xffff ? 2 : 1;
      n = starN;
    }
    while (p < last && tokens[p] === STAR) p++;
    return p === last;
  };
}

/** Compiled patterns, bounded: the same few patterns are matched against many paths. */
const CACHE_LIMIT = 10_000;
const componentCache = new Map<string, ComponentMatcher>();
const pathCache = new Map<string, ComponentMatcher[]>();

function cached<T>(cache: Map<string, T>, key: string, make: (key: string) => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make(key);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  }
  return value;
}

const componentMatcher = (pattern: string): ComponentMatcher => cached(componentCache, pattern, compileComponent);

/** The index of the first `*`, `?` or `[` in a pattern, or -1. */
function firstMeta(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a || c === 0x3f || c === 0x5b) return i;
  }
  return -1;
}

/** Python's `fnmatch.fnmatchcase(name, pattern)` (CPython 3.11); `/` is an ordinary character here. */
export function fnmatchComponent(name: string, pattern: string): boolean {
  return componentMatcher(pattern)(name, 0, name.length);
}

/** TUF path pattern match: same number of `/` components, each matched by fnmatch (spec 4.5). */
export function matchPathPattern(targetPath: string, pattern: string): boolean {
  // Up to its first `*`, `?` or `[`, a pattern is literal text, each character matching itself
  // alone (`/` included): a target that does not start with that text cannot match, and most
  // patterns of a claimed role (one project's paths each) are refused here without compiling.
  const meta = firstMeta(pattern);
  if (meta < 0) return targetPath === pattern;
  if (!targetPath.startsWith(pattern.slice(0, meta))) return false;
  const parts = cached(pathCache, pattern, (p) => p.split('/').map(componentMatcher));
  let start = 0;
  for (let i = 0; i < parts.length; i++) {
    let end = targetPath.indexOf('/', start);
    if (i === parts.length - 1) {
      if (end >= 0) return false;
      end = targetPath.length;
    } else if (end < 0) return false;
    if (!parts[i]!(targetPath, start, end)) return false;
    start = end + 1;
  }
  return true;
}
