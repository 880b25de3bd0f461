/**
 * A strict JSON reader over bytes. JSON.parse is not used for metadata because it silently keeps
 * the last of duplicate keys (two readers could then disagree on what was signed), accepts floats
 * that canonical JSON refuses, rounds large integers, and needs the whole document as one string.
 * This reader refuses all of those and names the byte offset of the problem.
 *
 * Speed (docs/performance.md): a role with a million delegations is ~360 MB, so strings are not
 * made one native call each. ASCII strings are cut from a window (a 512 KiB latin1 string of the
 * input, decoded once) and short ones, the object keys that repeat on every entry, come from a
 * small cache, so each distinct key is one string that V8 internalizes once.
 */
import { FormatError, InternalError } from '../base/errors.js';
import { compareCodePointsFrom } from './key-order.js';

/**
 * A copy of a string the reader returned that holds only its own characters. Strings are cut from
 * a window of the input, and V8 keeps the whole window (up to 512 KiB) alive while any string cut
 * from it lives: a value kept long after the parse of a document that is otherwise kept as bytes
 * (a signature beside compact delegations) is copied out, so that it keeps only itself.
 */
export function detached(s: string): string {
  // Concatenation then slice makes V8 flatten into a new string of length + 1, then slice that.
  return (' ' + s).slice(1);
}

const MAX_DEPTH = 64;
// ignoreBOM: a U+FEFF inside a string is a character like any other, and it is signed over; by
// default TextDecoder strips it from the start of what it decodes (each string, here).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Above V8's largest regular object (128 KiB), so a window is never copied by the young-generation
 * GC, and below the size (~1,000,000) from which Node makes latin1 strings external: external
 * memory starts a full garbage collection every 64 MiB, heap strings do not.
 */
const WINDOW_BYTES = 1 << 19;
/** Strings up to this length (shorter than a V8 sliced string, so copies) are looked up in the cache. */
const CACHED_MAX_LENGTH = 12;
const CACHE_SLOTS = 1 << 10;
/** Shared by every parse: strings are immutable, so a cached one is as good as a new one. */
const stringCache = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);

/**
 * What to do at one place of a document, for `parseStrictJson`: a tree of plans following object
 * keys from the root. Places without a plan are read as usual.
 */
export interface ReadPlan {
  /** Plans for members of the object found here, by key. */
  readonly members?: Readonly<Record<string, ReadPlan>>;
  /**
   * Told where the value found here lies in the input and whether those bytes are its canonical
   * JSON (docs/decisions/0001-canonical-json.md): no whitespace, keys in code point order, integers written as
   * canonical JSON writes them, no escapes but `\"` and `\\`, except `controls` escapes of
   * control characters in the form the file form writes them (`\n`, `\u001b`), which
   * `unescapeControls` turns back into the raw characters canonical JSON has.
   */
  readonly range?: (start: number, end: number, canonical: boolean, controls: number) => void;
  /**
   * Each member of the container found here is handed over as soon as it is read, and not kept:
   * a container of a million entries never exists as one object. It reads as a StreamedContainer.
   */
  readonly each?: (key: string | number, value: unknown) => void;
  /** Called as a streamed container begins, and again if it is read a second time (see `fast`). */
  readonly begin?: (kind: 'object' | 'array') => void;
  /**
   * For a streamed container: reads one member straight from the bytes when it has the usual
   * shape and is canonical, returning the position just after it; -1 declines. Once a member is
   * declined the whole container is read again from its start, the general way, through `each`,
   * so `fast` must accept nothing that the general way would refuse or read differently.
   * `pos` is at the member's first byte (an object member's key, an array item) in the input.
   */
  readonly fast?: (pos: number) => number;
}

/** A container whose members were handed to a plan's `each` or `fast` (duplicate keys refused as usual). */
export class StreamedContainer {
  constructor(readonly kind: 'object' | 'array') {}
}

/** The raw control character of each short escape letter (b f n r t), 0 for other bytes. */
const SHORT_ESCAPES = new Uint8Array(256);
/** The short escape letter of each control character that has one, 0 for the others. */
const SHORT_FORM = new Uint8Array(0x20);
for (const [letter, code] of [
  ['b', 8],
  ['t', 9],
  ['n', 10],
  ['f', 12],
  ['r', 13],
] as const) {
  SHORT_ESCAPES[letter.charCodeAt(0)] = code;
  SHORT_FORM[code] = letter.charCodeAt(0);
}

/**
 * Canonical JSON from bytes that `parseStrictJson` found canonical but for escapes of control
 * characters (ReadPlan.range): each such escape becomes the raw character, `\"` and `\\` stay.
 * Bytes the reader did not accept break its invariant: an InternalError (a bug), not a FormatError.
 */
export function unescapeControls(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  let p = 0;
  for (let q = bytes.indexOf(0x5c, p); q >= 0; q = bytes.indexOf(0x5c, p)) {
    o += bytes.copy(out, o, p, q);
    const e = bytes[q + 1];
    if (e === undefined) throw new InternalError('unescapeControls: a backslash ends the bytes');
    if (e === 0x75) {
      const code = parseInt(bytes.toString('latin1', q + 2, q + 6), 16);
      if (!(code < 0x20))
        throw new InternalError(
          `unescapeControls: \\u${bytes.toString('latin1', q + 2, q + 6)} is not a control character`,
        );
      out[o++] = code;
      p = q + 6;
    } else if (SHORT_ESCAPES[e] !== 0) {
      out[o++] = SHORT_ESCAPES[e]!;
      p = q + 2;
    } else {
      out[o++] = 0x5c;
      out[o++] = e;
      p = q + 2;
    }
  }
  o += bytes.copy(out, o, p);
  return out.subarray(0, o);
}

export function parseStrictJson(bytes: Uint8Array, source = '', plan?: ReadPlan): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new StrictJsonReader(buf, source).document(plan);
}

class StrictJsonReader {
  private pos = 0;
  /**
   * How many departures from canonical form were seen so far (whitespace, keys out of order,
   * other escapes, "-0"): a value is canonical when the count did not move while it was read.
   */
  private departures = 0;
  /** Escapes of control characters in the file form's own way (not departures; see ReadPlan.range). */
  private controlEscapes = 0;
  private readonly len: number;
  private window = '';
  private windowStart = 0;
  private windowEnd = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly source: string,
  ) {
    this.len = buf.length;
  }

  document(plan?: ReadPlan): unknown {
    this.skipWs();
    const value = this.readPlanned(0, plan);
    this.skipWs();
    if (this.pos !== this.len) this.fail('extra data after the JSON value');
    return value;
  }

  private fail(why: string): never {
    throw new FormatError(this.source, `not valid JSON at byte ${this.pos}: ${why}`, 'E_JSON');
  }

  private skipWs(): void {
    const buf = this.buf;
    let pos = this.pos;
    while (pos < this.len) {
      const c = buf[pos]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    if (pos !== this.pos) this.departures++;
    this.pos = pos;
  }

  /** The ASCII bytes [start, end) as a string: from the cache, or cut from the window. */
  private asciiString(start: number, end: number): string {
    const n = end - start;
    if (n <= CACHED_MAX_LENGTH) {
      const buf = this.buf;
      let hash = n;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
      const slot = (hash ^ (hash >>> 15)) & (CACHE_SLOTS - 1);
      const cached = stringCache[slot];
      if (cached !== undefined && cached.length === n) {
        let same = true;
        for (let i = 0; i < n; i++) {
          if (cached.charCodeAt(i) !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return cached;
      }
      const s = this.cut(start, end);
      stringCache[slot] = s;
      return s;
    }
    return this.cut(start, end);
  }

  private cut(start: number, end: number): string {
    if (start < this.windowStart || end > this.windowEnd) {
      if (end - start > WINDOW_BYTES / 4) return this.buf.toString('latin1', start, end);
      this.windowStart = start;
      this.windowEnd = Math.min(this.len, start + WINDOW_BYTES);
      this.window = this.buf.toString('latin1', start, this.windowEnd);
    }
    return this.window.substring(start - this.windowStart, end - this.windowStart);
  }

  private decodeUtf8(start: number, end: number): string {
    try {
      return utf8.decode(this.buf.subarray(start, end));
    } catch {
      return this.fail('invalid UTF-8');
    }
  }

  private readString(): string {
    const buf = this.buf;
    const len = this.len;
    let pos = ++this.pos; // opening quote
    const start = pos;
    let ascii = true;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === 0x22) {
        this.pos = pos;
        const s = ascii ? this.asciiString(start, pos) : this.decodeUtf8(start, pos);
        this.pos = pos + 1;
        return s;
      }
      if (c === 0x5c) break; // escape: take the slow path
      if (c < 0x20) {
        this.pos = pos;
        this.fail('raw control character in a string');
      }
      if (c >= 0x80) ascii = false;
      pos++;
    }
    this.pos = pos;
    return this.readEscapedString(start, ascii);
  }

  /** Strings with escapes (rare in metadata), from `start`; `this.pos` is at the first backslash. */
  private readEscapedString(start: number, ascii: boolean): string {
    const buf = this.buf;
    const len = this.len;
    let out = ascii ? buf.toString('latin1', start, this.pos) : this.decodeUtf8(start, this.pos);
    let runStart = this.pos;
    while (this.pos < len) {
      const c = buf[this.pos]!;
      if (c === 0x22) {
        out += this.decodeUtf8(runStart, this.pos);
        this.pos++;
        if (!out.isWellFormed()) this.fail('string escape makes a lone surrogate');
        return out;
      }
      if (c < 0x20) this.fail('raw control character in a string');
      if (c === 0x5c) {
        out += this.decodeUtf8(runStart, this.pos);
        const e = buf[this.pos + 1];
        this.pos += 2;
        if (e !== undefined && SHORT_ESCAPES[e] !== 0) this.controlEscapes++;
        else if (e !== 0x22 && e !== 0x5c && e !== 0x75) this.departures++;
        switch (e) {
          case 0x22:
            out += '"';
            break;
          case 0x5c:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          case 0x75: {
            const hex = buf.toString('latin1', this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
            const code = parseInt(hex, 16);
            // The file form writes \u00xx (lowercase) only for control characters without a short escape.
            if (code < 0x20 && SHORT_FORM[code] === 0 && hex === `00${code.toString(16).padStart(2, '0')}`)
              this.controlEscapes++;
            else this.departures++;
            out += String.fromCharCode(code);
            this.pos += 4;
            break;
          }
          default:
            this.pos -= 2;
            this.fail('unknown escape');
        }
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
    return this.fail('unexpected end of data inside a string (truncated file?)');
  }

  private readNumber(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    if (buf[pos] === 0x2d) pos++;
    const digitsStart = pos;
    let n = 0;
    while (pos < this.len && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) n = n * 10 + (buf[pos++]! - 0x30);
    this.pos = pos;
    const digits = pos - digitsStart;
    if (digits === 0) this.fail('bad number');
    if (digits > 1 && buf[digitsStart] === 0x30) this.fail('number with a leading zero');
    const next = buf[pos];
    if (next === 0x2e || next === 0x65 || next === 0x45)
      this.fail('a float; only integers are allowed in TUF metadata');
    // Up to 15 digits the running value is exact; longer ones are read by Number() and checked.
    if (digits > 15) n = Math.abs(Number(buf.toString('latin1', start, pos)));
    if (!Number.isSafeInteger(n)) this.fail('integer outside ±2^53-1 cannot be kept exactly');
    if (digitsStart > start && n === 0) this.departures++; // "-0" is written "0"
    return digitsStart > start ? -n : n;
  }

  private expectWord(word: string, value: unknown): unknown {
    if (this.buf.toString('latin1', this.pos, this.pos + word.length) !== word) this.fail('unexpected token');
    this.pos += word.length;
    return value;
  }

  /** The value here, with its plan (if any) carried out. `pos` is at the value's first byte. */
  private readPlanned(depth: number, plan: ReadPlan | undefined): unknown {
    if (plan === undefined) return this.readValue(depth);
    if (this.pos >= this.len) this.fail('unexpected end of data (truncated file?)');
    const start = this.pos;
    const before = this.departures;
    const controlsBefore = this.controlEscapes;
    const c = this.buf[start];
    let value: unknown;
    if (plan.each !== undefined && (c === 0x7b || c === 0x5b)) value = this.stream(depth, plan, plan.each, c === 0x7b);
    else if (c === 0x7b) value = this.readObject(depth, plan.members);
    else value = this.readValue(depth);
    plan.range?.(start, this.pos, this.departures === before, this.controlEscapes - controlsBefore);
    return value;
  }

  /** `pos` at a key's opening quote: the key, then past the ":" and any whitespace. */
  private readKey(): string {
    if (this.buf[this.pos] !== 0x22) this.fail('expected a string key');
    const key = this.readString();
    this.skipWs();
    if (this.buf[this.pos] !== 0x3a) this.fail('expected ":"');
    this.pos++;
    this.skipWs();
    return key;
  }

  /** Past "," (true, more follow) or the closing `close` (false). */
  private nextMember(close: number, what: string): boolean {
    this.skipWs();
    const d = this.buf[this.pos];
    this.pos++;
    if (d === 0x2c) return true;
    if (d === close) return false;
    this.pos--;
    return this.fail(this.pos >= this.len ? 'unexpected end of data (truncated file?)' : `expected "," or "${what}"`);
  }

  /** Keys must increase strictly in code point order to be canonical; whether this one does. */
  private checkOrder(previous: string | undefined, key: string): boolean {
    if (previous === undefined || compareCodePointsFrom(previous, key) < 0) return true;
    this.departures++;
    return false;
  }

  private stream(
    depth: number,
    plan: ReadPlan,
    each: (key: string | number, value: unknown) => void,
    isObject: boolean,
  ): StreamedContainer {
    const start = this.pos;
    const kind = isObject ? 'object' : 'array';
    plan.begin?.(kind);
    if (plan.fast !== undefined) {
      // An array item the fast way declines is read the general way on its own: items stand
      // alone. An object member cannot (its key's order and uniqueness involve all the others).
      const alone = isObject ? undefined : (pos: number, n: number): number => this.itemAlone(pos, n, depth, each);
      if (this.fastMembers(plan.fast, isObject ? 0x7d : 0x5d, alone)) return new StreamedContainer(kind);
      this.pos = start;
      plan.begin?.(kind);
    }
    if (isObject) this.streamObject(depth, each);
    else this.streamArray(depth, each);
    return new StreamedContainer(kind);
  }

  /**
   * The members of the container at `pos` through `fast`, or through `alone` for one that `fast`
   * declines; false when one was declined and there is no `alone`, or when the members are not
   * separated as canonical JSON separates them.
   */
  private fastMembers(
    fast: (pos: number) => number,
    close: number,
    alone?: (pos: number, n: number) => number,
  ): boolean {
    const buf = this.buf;
    let pos = this.pos + 1;
    if (buf[pos] === close) {
      this.pos = pos + 1;
      return true;
    }
    for (let n = 0; ; n++) {
      const next = fast(pos);
      if (next >= 0) pos = next;
      else if (alone) pos = alone(pos, n);
      else return false;
      const d = buf[pos];
      if (d === close) {
        this.pos = pos + 1;
        return true;
      }
      if (d !== 0x2c) return false;
      pos++;
    }
  }

  /** Item n, at `pos`, read the general way and handed to `each`; the position after it. */
  private itemAlone(pos: number, n: number, depth: number, each: (index: number, value: unknown) => void): number {
    this.pos = pos;
    each(n, this.readValue(depth + 1));
    return this.pos;
  }

  private streamObject(depth: number, each: (key: string, value: unknown) => void): void {
    this.pos++;
    this.skipWs();
    const keys: string[] = [];
    // Keys in strictly increasing order cannot repeat; a set is made only once they are not.
    let seen: Set<string> | undefined;
    if (this.buf[this.pos] === 0x7d) this.pos++;
    else {
      do {
        this.skipWs();
        const key = this.readKey();
        if (!this.checkOrder(keys[keys.length - 1], key)) seen ??= new Set(keys);
        if (seen !== undefined) {
          if (seen.has(key)) this.fail(`duplicate key "${key}"`);
          seen.add(key);
        }
        keys.push(key);
        each(key, this.readValue(depth + 1));
      } while (this.nextMember(0x7d, '}'));
    }
  }

  private streamArray(depth: number, each: (index: number, value: unknown) => void): void {
    this.pos++;
    this.skipWs();
    let n = 0;
    if (this.buf[this.pos] === 0x5d) this.pos++;
    else {
      do {
        this.skipWs();
        each(n++, this.readValue(depth + 1));
      } while (this.nextMember(0x5d, ']'));
    }
  }

  private readObject(depth: number, plans?: Readonly<Record<string, ReadPlan>>): Record<string, unknown> {
    const buf = this.buf;
    this.pos++;
    const obj: Record<string, unknown> = {};
    this.skipWs();
    if (buf[this.pos] === 0x7d) {
      this.pos++;
      return obj;
    }
    let previous: string | undefined;
    for (;;) {
      this.skipWs();
      const key = this.readKey();
      if (Object.hasOwn(obj, key)) this.fail(`duplicate key "${key}"`);
      this.checkOrder(previous, key);
      previous = key;
      const v =
        plans !== undefined && Object.hasOwn(plans, key)
          ? this.readPlanned(depth + 1, plans[key])
          : this.readValue(depth + 1);
      // defineProperty so that a "__proto__" key is data, never the prototype.
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      if (!this.nextMember(0x7d, '}')) return obj;
    }
  }

  private readArray(depth: number): unknown[] {
    const buf = this.buf;
    this.pos++;
    this.skipWs();
    if (buf[this.pos] === 0x5d) {
      this.pos++;
      return [];
    }
    // Most arrays in metadata hold one item (a role's keyids, its paths): those get an array of
    // exactly one slot, not the 17 that a push onto an empty array reserves.
    const arr: unknown[] = [this.readValue(depth + 1)];
    while (this.nextMember(0x5d, ']')) arr.push(this.readValue(depth + 1));
    return arr;
  }

  private readValue(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.skipWs();
    if (this.pos >= this.len) this.fail('unexpected end of data (truncated file?)');
    const buf = this.buf;
    const c = buf[this.pos]!;
    if (c === 0x22) return this.readString();
    if (c === 0x7b) return this.readObject(depth);
    if (c === 0x5b) return this.readArray(depth);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.readNumber();
    if (c === 0x74) return this.expectWord('true', true);
    if (c === 0x66) return this.expectWord('false', false);
    if (c === 0x6e) return this.expectWord('null', null);
    if (c === 0xef && buf[this.pos + 1] === 0xbb && buf[this.pos + 2] === 0xbf) this.fail('byte order mark');
    return this.fail('unexpected character');
  }
}
