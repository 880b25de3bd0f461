/**
 * The order of object keys in canonical JSON: by Unicode code point (docs/decisions/0001-canonical-json.md).
 *
 * JavaScript compares strings by UTF-16 code unit, which differs from code point order only where
 * a surrogate (part of a character above U+FFFF) meets a character from U+E000 to U+FFFF. Ranking
 * each code unit with surrogates moved above U+FFFF gives code point order one unit at a time.
 *
 * A role with a million delegations has a million keyids to order: a numeric sort of their first
 * code units, then a most-significant-first radix sort over code units where those are equal,
 * with no comparison callbacks and no moving of the strings themselves (docs/performance.md),
 * where Array#sort takes about a second.
 */

/** The rank of a UTF-16 code unit in code point order. */
function rank(c: number): number {
  return c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800;
}

/** Code point order of a and b, looking from code unit `from` on (the units before are equal). */
export function compareCodePointsFrom(a: string, b: string, from = 0): number {
  const n = Math.min(a.length, b.length);
  for (let i = from; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Ranges smaller than this are finished by insertion sort. */
const SMALL = 48;

/**
 * The permutation that puts `keys` in code point order (`keys[order[0]]` first), or undefined
 * when they are already strictly in order, as in every document this tool wrote or read back.
 */
export function codePointOrder(keys: readonly string[]): Uint32Array | undefined {
  const n = keys.length;
  let inOrder = true;
  for (let i = 1; i < n; i++) {
    if (compareCodePointsFrom(keys[i - 1]!, keys[i]!) >= 0) {
      inOrder = false;
      break;
    }
  }
  if (inOrder) return undefined;
  const order = new Uint32Array(n);
  // Pending ranges as (lo, hi, depth) triples: a stack, not recursion, so that keys sharing a long
  // prefix cannot exhaust the call stack.
  const pending: number[] = [];
  if (n < PREFIX_SORT_FROM || !prefixSort(keys, order, pending)) {
    for (let i = 0; i < n; i++) order[i] = i;
    pending.push(0, n, 0);
  }
  const spare = new Uint32Array(n);
  while (pending.length > 0) {
    const depth = pending.pop()!;
    const hi = pending.pop()!;
    const lo = pending.pop()!;
    if (hi - lo < SMALL) insertionSort(keys, order, lo, hi, depth);
    else radixPass(keys, order, spare, lo, hi, depth, pending);
  }
  return order;
}

/** From this many keys on, they are first ordered by a numeric prefix. */
const PREFIX_SORT_FROM = 4096;
/** How many leading code units a prefix covers at most. */
const PREFIX_UNITS = 8;

/**
 * Orders by the first few code units, packed with the key's index into one exact double, so that
 * one native numeric sort does most of the work and each key is read twice, in the order it was
 * given (a radix pass reads the keys in a shuffled order: a cache miss each). Keys equal on the
 * prefix are left as pending ranges. False when the keys are too many or too varied for it.
 */
function prefixSort(keys: readonly string[], order: Uint32Array, pending: number[]): boolean {
  const n = keys.length;
  const indexBits = 32 - Math.clz32(n - 1);
  // The code units in use, as dense ranks from 1 in code point order (0: the key has ended).
  const dense = new Uint32Array(0x10000);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const m = Math.min(PREFIX_UNITS, k.length);
    for (let j = 0; j < m; j++) dense[rank(k.charCodeAt(j))] = 1;
  }
  let alphabet = 0;
  for (let r = 0; r < dense.length; r++) if (dense[r] !== 0) dense[r] = ++alphabet;
  const unitBits = 32 - Math.clz32(alphabet);
  const units = Math.min(PREFIX_UNITS, Math.floor((53 - indexBits) / unitBits));
  if (units < 2) return false;
  const unitScale = 2 ** unitBits;
  const indexScale = 2 ** indexBits;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let prefix = 0;
    for (let j = 0; j < units; j++) prefix = prefix * unitScale + (j < k.length ? dense[rank(k.charCodeAt(j))]! : 0);
    packed[i] = prefix * indexScale + i; // below 2^53: exact
  }
  packed.sort();
  let runStart = 0;
  let runPrefix = -1;
  for (let i = 0; i < n; i++) {
    const index = packed[i]! % indexScale;
    const prefix = (packed[i]! - index) / indexScale;
    order[i] = index;
    if (prefix !== runPrefix) {
      if (i - runStart > 1) pending.push(runStart, i, units);
      runStart = i;
      runPrefix = prefix;
    }
  }
  if (n - runStart > 1) pending.push(runStart, n, units);
  return true;
}

/** Bucket `order[lo..hi)` by the code unit at `depth` (strings that end first come first). */
function radixPass(
  keys: readonly string[],
  order: Uint32Array,
  spare: Uint32Array,
  lo: number,
  hi: number,
  depth: number,
  pending: number[],
): void {
  let top = 0;
  for (let i = lo; i < hi; i++) {
    const k = keys[order[i]!]!;
    const b = depth < k.length ? rank(k.charCodeAt(depth)) + 1 : 0;
    if (b > top) top = b;
  }
  const start = new Int32Array(top + 2);
  for (let i = lo; i < hi; i++) {
    const k = keys[order[i]!]!;
    start[(depth < k.length ? rank(k.charCodeAt(depth)) + 1 : 0) + 1]!++;
  }
  for (let b = 1; b < start.length; b++) start[b]! += start[b - 1]!;
  // Bucket b holds [lo + start[b], lo + start[b + 1]) once placed; bucket 0 (ended here) needs no more.
  for (let b = 1; b <= top; b++) {
    const size = start[b + 1]! - start[b]!;
    if (size > 1) pending.push(lo + start[b]!, lo + start[b + 1]!, depth + 1);
  }
  for (let i = lo; i < hi; i++) {
    const k = keys[order[i]!]!;
    spare[lo + start[depth < k.length ? rank(k.charCodeAt(depth)) + 1 : 0]!++] = order[i]!;
  }
  order.set(spare.subarray(lo, hi), lo);
}

function insertionSort(keys: readonly string[], order: Uint32Array, lo: number, hi: number, depth: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const item = order[i]!;
    const key = keys[item]!;
    let j = i - 1;
    while (j >= lo && compareCodePointsFrom(keys[order[j]!]!, key, depth) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = item;
  }
}
