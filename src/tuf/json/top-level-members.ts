/**
 * The canonical JSON of an object without some of its top-level members, as slices of the
 * object's own canonical bytes (TUF specification 1.0.x section 4.1): what `canonicalize` would
 * write for the object with those members deleted, without making the object. A re-sign changes
 * only `version` and `expires`; comparing the rest of a 246 MB flat claimed role as a JSON tree
 * took gigabytes (docs/performance.md).
 *
 * Canonical JSON escapes only `"` and `\` inside strings, so a byte `"` that is not escaped opens
 * or closes a string, and structure outside strings is `{}[]:,` between values.
 */
import { InternalError } from '../base/errors.js';

/** Where one top-level member lies: from its key's opening quote to the end of its value. */
interface MemberSpan {
  start: number;
  end: number;
}

/** The end of the string whose opening quote is at `open`: the position after its closing quote. */
function stringEnd(buf: Buffer, open: number): number {
  let p = open + 1;
  for (;;) {
    const q = buf.indexOf(0x22, p);
    if (q < 0) throw new InternalError('canonical JSON: unterminated string');
    // An odd run of backslashes before the quote escapes it.
    let k = q - 1;
    while (buf[k] === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    p = q + 1;
  }
}

/** The end of the value starting at `pos` (an object, array, string or bare literal). */
function valueEnd(buf: Buffer, pos: number): number {
  const c = buf[pos];
  if (c === 0x22) return stringEnd(buf, pos);
  if (c !== 0x7b && c !== 0x5b) {
    let p = pos;
    while (p < buf.length && buf[p] !== 0x2c && buf[p] !== 0x7d && buf[p] !== 0x5d) p++;
    return p;
  }
  let depth = 0;
  let p = pos;
  while (p < buf.length) {
    const b = buf[p]!;
    if (b === 0x22) {
      p = stringEnd(buf, p);
      continue;
    }
    if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return p + 1;
    }
    p++;
  }
  throw new InternalError('canonical JSON: unterminated value');
}

/** The top-level members of a canonical JSON object whose keys are in `names`. */
function spansOf(buf: Buffer, names: ReadonlySet<string>): MemberSpan[] {
  if (buf[0] !== 0x7b) throw new InternalError('canonical JSON: not an object');
  const spans: MemberSpan[] = [];
  let p = 1;
  while (buf[p] !== 0x7d) {
    const keyEnd = stringEnd(buf, p);
    const key = buf.toString('utf8', p + 1, keyEnd - 1);
    if (buf[keyEnd] !== 0x3a) throw new InternalError('canonical JSON: expected ":"');
    const end = valueEnd(buf, keyEnd + 1);
    if (names.has(key)) spans.push({ start: p, end });
    p = end;
    if (buf[p] === 0x2c) p++;
    else if (buf[p] !== 0x7d) throw new InternalError('canonical JSON: expected "," or "}"');
  }
  return spans;
}

/**
 * The canonical bytes of the object without the named top-level members, as slices of `buf` (no
 * copy). Each member is cut with one of its separating commas, as canonicalize writes the rest.
 */
export function withoutTopLevelMembers(buf: Buffer, names: readonly string[]): Buffer[] {
  const spans = spansOf(buf, new Set(names));
  const out: Buffer[] = [];
  let from = 0;
  for (const s of spans) {
    // The comma before the member, or, when it has none left (the first member, or the one
    // before was cut with it), the one after it.
    let cutStart = s.start;
    let cutEnd = s.end;
    if (buf[cutStart - 1] === 0x2c && cutStart - 1 >= from) cutStart--;
    else if (buf[cutEnd] === 0x2c) cutEnd++;
    if (cutStart > from) out.push(buf.subarray(from, cutStart));
    from = Math.max(from, cutEnd);
  }
  out.push(buf.subarray(from));
  return out;
}
