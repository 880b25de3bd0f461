/**
 * The order of object keys in canonical JSON: by Unicode code point (REFERENCE.md section 4).
 *
 * JavaScript compares strings by UTF-16 code unit, which differs from code point order only where
 * a surrogate (part of a character above U+FFFF) meets a character from U+E000 to U+FFFF. Ranking
 * each code unit with surrogates moved above U+FFFF gives code point order one unit at a time.
 *
 * A role with a million delegations has a million keyids to order: a most-significant-first radix
 * sort over code units orders them in a few passes, with no comparison callbacks and no moving of
 * the strings themselves (docs/performance.md), where Array#sort takes about a second.
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
  for (let i = 0; i < n; i++) order[i] = i;
  const spare = new Uint32Array(n);
  // Pending ranges as (lo, hi, depth) triples: a stack, not recursion, so that keys sharing a long
  // prefix cannot exhaust the call stack.
  const pending: number[] = [0, n, 0];
  while (pending.length > 0) {
    const depth = pending.pop()!;
    const hi = pending.pop()!;
    const lo = pending.pop()!;
    if (hi - lo < SMALL) insertionSort(keys, order, lo, hi, depth);
    else radixPass(keys, order, spare, lo, hi, depth, pending);
  }
  return order;
}

/** Bucket `order[lo..hi)` by the code unit at `depth` (strings that end first come first). */
function radixPass(keys: readonly string[], order: Uint32Array, spare: Uint32Array, lo: number, hi: number, depth: number, pending: number[]): void {
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
