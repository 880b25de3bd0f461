/**
 * TUF canonical JSON (TUF specification 1.0.x section 4.1), as securesystemslib's
 * `encode_canonical` writes it: no whitespace, object keys sorted by Unicode code point, only `"`
 * and `\` escaped, every other character (control characters and non-ASCII included) written raw
 * as UTF-8, integers only.
 *
 * This is deliberately not RFC 8785 (docs/decisions/0001-canonical-json.md): JCS escapes control
 * characters and orders keys by UTF-16 code unit, so its bytes differ and signatures over them do
 * not verify in python-tuf or tuf-js.
 *
 * The encoder writes bytes straight into a staging Buffer (ASCII one byte at a time, anything else
 * through Buffer#write), so a role of several hundred megabytes is never held as one JavaScript
 * string (V8 strings stop near 512 MiB); see ByteSink for where the bytes go (docs/performance.md).
 */
import { CanonicalJsonError } from '../base/errors.js';
import { codePointOrder } from './key-order.js';

/**
 * Canonical bytes made earlier (a payload), written as they are where this stands in a value:
 * `canonicalize` copies them, and `serializeJson` copies them with control characters escaped,
 * the only difference between the two forms. So a large signed part is not encoded twice.
 * Only for canonical bytes (`canonicalizeEncoded`, or bytes the strict reader found canonical):
 * they are not checked again.
 */
export class EncodedJson {
  constructor(
    readonly canonical: Uint8Array,
    /** How many control characters (bytes below 0x20, only inside strings) the bytes hold. */
    readonly controlCount: number,
  ) {}
}

/**
 * A model object that gives its JSON value only when the encoder reaches it, so that a role with
 * a million delegations is never held as a second, plain-object tree: each entry's value is made,
 * written and dropped while young (docs/performance.md). Dates and other objects without it are
 * still refused.
 */
export const JSON_VALUE = Symbol('JSON value');
export interface HasJsonValue {
  [JSON_VALUE](): unknown;
}

/**
 * A model object of a common shape (a key, a delegated role) may write its canonical JSON itself:
 * fixed member names as they are and its members in canonical order, without making the object
 * the encoder would sort. It returns false to be written from its JSON_VALUE instead.
 */
export const WRITE_JSON = Symbol('write JSON');
export interface WritesJson {
  [WRITE_JSON](writer: JsonWriter, depth: number): boolean;
}

/** What a model object writes itself with. */
export interface JsonWriter {
  /** Text that is canonical JSON as it stands, ASCII only: punctuation and fixed member names. */
  ascii(text: string): void;
  /** The value of member `key` (named in an error) of an object at `depth`. */
  member(key: string, value: unknown, depth: number): void;
}

/**
 * The staging buffer, kept between calls: a document that fits is one copy of its bytes. Below the
 * size (~1,000,000) from which Node makes latin1 strings external, so the pieces stay in the heap.
 */
const STAGING_BYTES = 1 << 19;
let spareStaging: Buffer | undefined;

/**
 * Where the encoder's bytes go. They are written into a 512 KiB staging Buffer; a full one is kept
 * as a latin1 string (one byte, one character: the bytes come back exactly) and the staging buffer
 * is reused; at the end one Buffer of the exact size receives them all. Large Buffers are avoided
 * on purpose: each one counts toward V8's external memory, and every 64 MiB of that starts a full
 * garbage collection, which a heap holding a million delegations can least afford (1 s each).
 * Heap strings do not count there; the heap grows by its own, much gentler rule.
 */
class ByteSink {
  buf: Buffer;
  pos = 0;
  private readonly staging: Buffer;
  private readonly pieces: Array<string | Uint8Array> = [];
  private piecesLength = 0;

  constructor() {
    this.staging = spareStaging ?? Buffer.allocUnsafe(STAGING_BYTES);
    spareStaging = undefined; // a nested call (from a getter) gets its own
    this.buf = this.staging;
  }

  /** Room for `n` contiguous bytes at `pos`. */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) this.flush(n);
    return this.buf;
  }

  private flush(need: number): void {
    if (this.pos > 0) this.keep(this.buf.toString('latin1', 0, this.pos));
    this.pos = 0;
    // A token larger than the staging buffer (a very long string) gets a buffer of its own.
    this.buf = need > this.staging.length ? Buffer.allocUnsafe(need) : this.staging;
  }

  private keep(piece: string | Uint8Array): void {
    this.pieces.push(piece);
    this.piecesLength += piece.length;
  }

  /** Bytes that are already final (EncodedJson): kept as they are, not copied through staging. */
  bytes(bytes: Uint8Array): void {
    if (bytes.length <= STAGING_BYTES / 4) {
      this.room(bytes.length).set(bytes, this.pos);
      this.pos += bytes.length;
      return;
    }
    this.flush(0);
    this.keep(bytes);
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.piecesLength + this.pos);
    let at = 0;
    for (const piece of this.pieces) {
      if (typeof piece === 'string') at += out.write(piece, at, 'latin1');
      else {
        out.set(piece, at);
        at += piece.length;
      }
    }
    this.buf.copy(out, at, 0, this.pos);
    return out;
  }

  release(): void {
    spareStaging = this.staging;
  }
}

/** Objects with more keys are not looked up among the recent key lists. */
const SHAPE_MAX_KEYS = 32;
/** How many recent key lists of smaller objects are remembered with their sorted form. */
const SHAPES = 8;
/**
 * Recent key lists and their sorted forms, alternately: [keys, sorted, keys, sorted, …]. Shared by
 * every call: both are arrays of immutable strings that the encoder never changes.
 */
const shapes: string[][] = [];
let nextShape = 0;

const ESCAPE_ALL = /["\\]/g;

/** `keys` in canonical (code point) order: the same array when already in order. */
function sortedKeyList(keys: string[]): string[] {
  const order = codePointOrder(keys);
  return order ? Array.from(order, (i) => keys[i]!) : keys;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const HEX = '0123456789abcdef';

/**
 * Walks a value depth-first in canonical order, writing its bytes into `out`. `jsonEscapes`
 * selects the file form (control characters escaped as JSON.stringify does) instead of the
 * canonical form (raw). The path of the current value is kept as a stack and only turned into
 * text for an error.
 */
class Encoder implements JsonWriter {
  private readonly path: Array<string | number> = [];
  /** Control characters written raw (canonical form), so that the file form need not look again. */
  controls = 0;
  constructor(
    private readonly out: ByteSink,
    private readonly jsonEscapes: boolean,
  ) {}

  private fail(message: string): never {
    let at = '';
    for (const seg of this.path) at = typeof seg === 'number' ? `${at}[${seg}]` : at ? `${at}.${seg}` : seg;
    throw new CanonicalJsonError(at, message);
  }

  private byte(b: number): void {
    const out = this.out;
    out.room(1)[out.pos++] = b;
  }

  ascii(text: string): void {
    const out = this.out;
    const n = text.length;
    const buf = out.room(n);
    let p = out.pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    out.pos = p;
  }

  /** A string with its quotes: ASCII written byte by byte, the rest of the string by Buffer#write. */
  private string(s: string): void {
    const out = this.out;
    const n = s.length;
    const buf = out.room(6 * n + 2); // the longest form: every character a \u00XX escape
    let p = out.pos;
    buf[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c === 0x22 || c === 0x5c) buf[p++] = 0x5c;
        buf[p++] = c;
      } else if (c < 0x20) {
        if (this.jsonEscapes) p = writeControlEscape(buf, p, c);
        else {
          buf[p++] = c;
          this.controls++;
        }
      } else {
        p += buf.write(this.escapedRest(s, i), p, 'utf8');
        break;
      }
    }
    buf[p++] = 0x22;
    out.pos = p;
  }

  /** From the first non-ASCII character on: check the whole string has a UTF-8 form, then escape. */
  private escapedRest(s: string, from: number): string {
    if (!s.isWellFormed()) this.fail('string holds a lone surrogate, which has no UTF-8 form');
    const rest = s.slice(from);
    if (this.jsonEscapes) return JSON.stringify(rest).slice(1, -1);
    for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) < 0x20) this.controls++;
    return rest.replace(ESCAPE_ALL, '\\$&');
  }

  value(value: unknown, depth: number): void {
    if (depth > 128) this.fail('nested deeper than 128 levels');
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'number':
        if (!Number.isInteger(value)) this.fail(`${value} is not an integer; canonical JSON has no floats`);
        if (!Number.isSafeInteger(value)) this.fail(`${value} is outside the exactly representable integers (±2^53-1)`);
        this.ascii(String(value));
        return;
      case 'boolean':
        this.ascii(value ? 'true' : 'false');
        return;
      case 'object':
        if (value === null) this.ascii('null');
        else if (Array.isArray(value)) this.array(value, depth);
        else if (isPlainObject(value)) this.object(value as Record<string, unknown>, depth);
        else if (value instanceof EncodedJson) this.encoded(value);
        else if (value instanceof Map) this.map(value, depth);
        else if (WRITE_JSON in value && (value as WritesJson)[WRITE_JSON](this, depth)) return;
        else if (JSON_VALUE in value) this.value((value as HasJsonValue)[JSON_VALUE](), depth);
        else this.fail(`a ${value.constructor?.name ?? 'non-plain'} object has no JSON form`);
        return;
      default:
        this.fail(`${typeof value} has no JSON form`);
    }
  }

  private encoded(value: EncodedJson): void {
    const bytes = value.canonical;
    if (!this.jsonEscapes) this.controls += value.controlCount;
    if (!this.jsonEscapes || value.controlCount === 0) {
      this.out.bytes(bytes);
      return;
    }
    // Each control character becomes a two-byte (\n) or six-byte (\u0001) escape.
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c < 0x20) {
        const out = this.out;
        out.pos = writeControlEscape(out.room(6), out.pos, c);
      } else this.byte(c);
    }
  }

  private array(value: unknown[], depth: number): void {
    const path = this.path;
    this.byte(0x5b);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) this.byte(0x2c);
      path.push(i);
      if (!(i in value)) this.fail('array has a hole');
      this.value(value[i], depth + 1);
      path.pop();
    }
    this.byte(0x5d);
  }

  /**
   * The canonical key order of an object. Objects of one kind (every key, every delegation) have
   * the same keys in the same order, so a few recent key lists are remembered with their order and
   * compared by identity.
   */
  private sortedKeysOf(obj: object): string[] {
    const keys = Object.keys(obj);
    const n = keys.length;
    if (n > SHAPE_MAX_KEYS) return sortedKeyList(keys);
    search: for (let s = 0; s < shapes.length; s += 2) {
      const known = shapes[s]!;
      if (known.length !== n) continue;
      for (let i = 0; i < n; i++) if (known[i] !== keys[i]) continue search;
      return shapes[s + 1]!;
    }
    const sorted = sortedKeyList(keys.slice());
    shapes[nextShape] = keys;
    shapes[nextShape + 1] = sorted;
    nextShape = (nextShape + 2) % (2 * SHAPES);
    return sorted;
  }

  /** A Map with string keys, written as the object it stands for. */
  private map(map: Map<unknown, unknown>, depth: number): void {
    const keys: string[] = [];
    const values: unknown[] = [];
    map.forEach((value, key) => {
      if (typeof key !== 'string') this.fail(`a Map key of type ${typeof key} has no JSON form`);
      keys.push(key);
      values.push(value);
    });
    this.members(keys, values, codePointOrder(keys), depth);
  }

  private object(obj: Record<string, unknown>, depth: number): void {
    const keys = this.sortedKeysOf(obj);
    this.byte(0x7b);
    for (let n = 0; n < keys.length; n++) this.nthMember(n, keys[n]!, obj[keys[n]!], depth);
    this.byte(0x7d);
  }

  /** Members `keys[i]: values[i]`, in the order `order` gives (or as they are). */
  private members(keys: string[], values: unknown[], order: Uint32Array | undefined, depth: number): void {
    this.byte(0x7b);
    for (let n = 0; n < keys.length; n++) {
      const i = order ? order[n]! : n;
      this.nthMember(n, keys[i]!, values[i], depth);
    }
    this.byte(0x7d);
  }

  /** The n-th member of an object: `,"key":value`. */
  private nthMember(n: number, key: string, value: unknown, depth: number): void {
    if (n > 0) this.byte(0x2c);
    this.string(key);
    this.byte(0x3a);
    this.member(key, value, depth);
  }

  member(key: string, value: unknown, depth: number): void {
    this.path.push(key);
    this.value(value, depth + 1);
    this.path.pop();
  }
}

/** JSON.stringify's two-character escapes \b \t \n \f \r; 0 for the others (written \u00xx). */
function shortEscape(c: number): number {
  return c === 0x08 ? 0x62 : c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : c === 0x0c ? 0x66 : c === 0x0d ? 0x72 : 0;
}

function writeControlEscape(buf: Buffer, p: number, c: number): number {
  buf[p++] = 0x5c;
  const short = shortEscape(c);
  if (short !== 0) {
    buf[p++] = short;
    return p;
  }
  buf[p++] = 0x75;
  buf[p++] = 0x30;
  buf[p++] = 0x30;
  buf[p++] = HEX.charCodeAt(c >> 4);
  buf[p++] = HEX.charCodeAt(c & 15);
  return p;
}

function encode(value: unknown, jsonEscapes: boolean, trailer: string): { bytes: Buffer; controls: number } {
  const out = new ByteSink();
  try {
    const encoder = new Encoder(out, jsonEscapes);
    encoder.value(value, 0);
    encoder.ascii(trailer);
    return { bytes: out.finish(), controls: encoder.controls };
  } finally {
    out.release();
  }
}

/** The exact bytes TUF signs for `value`. Throws CanonicalJsonError naming the offending path. */
export function canonicalize(value: unknown): Buffer {
  return encode(value, false, '').bytes;
}

/** The same bytes as `canonicalize`, kept with what the file form needs to know of them. */
export function canonicalizeEncoded(value: unknown): EncodedJson {
  const { bytes, controls } = encode(value, false, '');
  return new EncodedJson(bytes, controls);
}

/**
 * The JSON written to metadata files: the same sorted, compact form, but with standard JSON string
 * escapes so that every JSON reader accepts it. Ends with a newline.
 */
export function serializeJson(value: unknown): Buffer {
  return encode(value, true, '\n').bytes;
}
