/**
 * Navigation in canonical JSON bytes (TUF specification 1.0.x section 4.1) without parsing them:
 * where a value, an object's members or an array's elements start and end. Canonical JSON escapes
 * only `"` and `\` inside strings, so a `"` not escaped opens or closes a string, and structure
 * outside strings is `{}[]:,` between values. For bytes the strict reader accepted; a 246 MB flat
 * claimed role is walked in place rather than made into a tree (docs/performance.md).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The end (after the closing quote) of the string whose opening quote is at `pos`. */
function stringEnd(buf: Buffer, pos: number): number {
  let i = pos + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, i);
    if (q < 0) return -1;
    let slashes = 0;
    while (buf[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** The end of the JSON value starting at `pos` (bytes the strict reader accepted). */
export function valueEnd(buf: Buffer, pos: number): number {
  const c = buf[pos];
  if (c === QUOTE) return stringEnd(buf, pos);
  if (c !== 0x7b && c !== 0x5b) {
    let i = pos;
    while (i < buf.length && buf[i] !== 0x2c && buf[i] !== 0x7d && buf[i] !== 0x5d) i++;
    return i;
  }
  let depth = 0;
  for (let i = pos; i < buf.length; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      i = stringEnd(buf, i) - 1;
      if (i < 0) return -1;
    } else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A plain string (no escape, ASCII) starting at `pos`, or undefined. */
export function plainString(buf: Buffer, pos: number): { text: string; end: number } | undefined {
  if (buf[pos] !== QUOTE) return undefined;
  const end = stringEnd(buf, pos);
  if (end < 0) return undefined;
  for (let i = pos + 1; i < end - 1; i++) if (buf[i]! >= 0x80 || buf[i] === BACKSLASH) return undefined;
  return { text: buf.toString('latin1', pos + 1, end - 1), end };
}

export interface Member {
  name: string;
  /** Where the value starts and ends. */
  start: number;
  end: number;
}

/**
 * Each member of the object at `open`, in order: `visit(name, valueStart, valueEnd)`, where the
 * member itself starts `name.length + 3` bytes before its value (`"name":`). The end of the
 * object, or -1 when it is malformed, a name is not a plain string, or `visit` returns false.
 * Nothing is kept per member: a flat claimed role's keys object has a million.
 */
export function eachMember(
  buf: Buffer,
  open: number,
  visit: (name: string, start: number, end: number) => boolean | void,
): number {
  if (buf[open] !== 0x7b) return -1;
  let pos = open + 1;
  if (buf[pos] === 0x7d) return pos + 1;
  for (;;) {
    const name = plainString(buf, pos);
    if (!name || buf[name.end] !== 0x3a) return -1;
    const start = name.end + 1;
    const end = valueEnd(buf, start);
    if (end < 0 || visit(name.text, start, end) === false) return -1;
    if (buf[end] === 0x7d) return end + 1;
    if (buf[end] !== 0x2c) return -1;
    pos = end + 1;
  }
}

/** The members of the object at `open`, or undefined when a name is not a plain string. */
export function membersOf(buf: Buffer, open: number): { members: Member[]; end: number } | undefined {
  const members: Member[] = [];
  const end = eachMember(buf, open, (name, start, valueEnd) => {
    members.push({ name, start, end: valueEnd });
  });
  return end < 0 ? undefined : { members, end };
}

/**
 * Each element of the array at `open`: `visit(start, end)`. The end of the array, or -1 when it
 * is malformed or `visit` returns false.
 */
export function eachElement(buf: Buffer, open: number, visit: (start: number, end: number) => boolean | void): number {
  if (buf[open] !== 0x5b) return -1;
  let pos = open + 1;
  if (buf[pos] === 0x5d) return pos + 1;
  for (;;) {
    const end = valueEnd(buf, pos);
    if (end < 0 || visit(pos, end) === false) return -1;
    if (buf[end] === 0x5d) return end + 1;
    if (buf[end] !== 0x2c) return -1;
    pos = end + 1;
  }
}

/**
 * The canonical bytes of the object without the named top-level members, as slices of `buf` (no
 * copy): what canonicalize writes for the object with those members deleted. Each member is cut
 * with one of its separating commas. Undefined when a member's name is not a plain string.
 */
export function withoutTopLevelMembers(buf: Buffer, names: readonly string[]): Buffer[] | undefined {
  const top = membersOf(buf, 0);
  if (!top) return undefined;
  const out: Buffer[] = [];
  let from = 0;
  for (const m of top.members) {
    if (!names.includes(m.name)) continue;
    // From the member's opening quote: its name is a plain string, so `"name":` is its length + 3.
    let cutStart = m.start - m.name.length - 3;
    let cutEnd = m.end;
    // The comma before the member, or, when it has none left (the first member, or the one
    // before was cut with it), the one after it.
    if (buf[cutStart - 1] === 0x2c && cutStart - 1 >= from) cutStart--;
    else if (buf[cutEnd] === 0x2c) cutEnd++;
    if (cutStart > from) out.push(buf.subarray(from, cutStart));
    from = Math.max(from, cutEnd);
  }
  out.push(buf.subarray(from));
  return out;
}

/** Whether two sequences of slices hold the same bytes, compared in place. */
export function sameBytes(a: Buffer[], b: Buffer[]): boolean {
  const total = (s: Buffer[]) => s.reduce((t, x) => t + x.length, 0);
  if (total(a) !== total(b)) return false;
  let i = 0;
  let j = 0;
  let ai = 0;
  let bj = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const n = Math.min(x.length - ai, y.length - bj);
    if (x.compare(y, bj, bj + n, ai, ai + n) !== 0) return false;
    ai += n;
    bj += n;
    if (ai === x.length) {
      i++;
      ai = 0;
    }
    if (bj === y.length) {
      j++;
      bj = 0;
    }
  }
  return true;
}
