/**
 * TUF canonical JSON, as securesystemslib's `encode_canonical` writes it (REFERENCE.md section 4):
 * no whitespace, object keys sorted by Unicode code point, only `"` and `\` escaped, every other
 * character (control characters and non-ASCII included) written raw as UTF-8, integers only.
 *
 * This is deliberately not RFC 8785 (docs/decisions/0001-canonical-json.md): JCS escapes control
 * characters and orders keys by UTF-16 code unit, so its bytes differ and signatures over them do
 * not verify in python-tuf or tuf-js.
 *
 * The output is a Buffer built from bounded chunks, so a role of several hundred megabytes is
 * never held as one JavaScript string (V8 strings stop near 512 MiB).
 */
import { CanonicalJsonError } from './errors.js';

const CHUNK_CHARS = 1 << 22; // flush pending text to bytes every ~4 Mi characters

class ChunkWriter {
  private chunks: Buffer[] = [];
  private pending = '';
  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }
  private flush(): void {
    if (this.pending.length > 0) {
      this.chunks.push(Buffer.from(this.pending, 'utf8'));
      this.pending = '';
    }
  }
  finish(): Buffer {
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPE_ALL = /["\\]/g;
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

function encodeString(s: string, path: string): string {
  if (!s.isWellFormed()) throw new CanonicalJsonError(path, 'string holds a lone surrogate, which has no UTF-8 form');
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPE_ALL, '\\$&')}"` : `"${s}"`;
}

/** Compare two strings by Unicode code point (UTF-16 code unit order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Object keys in code point order; the default sort is right unless a key has a surrogate. */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  for (const k of keys) {
    if (HAS_SURROGATE.test(k)) return keys.sort(compareCodePoints);
  }
  return keys;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

type StringEncoder = (s: string, path: string) => string;

/** Plain JSON string form for files people read: control characters escaped, keys still sorted. */
function encodeJsonString(s: string, path: string): string {
  if (!s.isWellFormed()) throw new CanonicalJsonError(path, 'string holds a lone surrogate, which has no UTF-8 form');
  return JSON.stringify(s);
}

function encodeValue(w: ChunkWriter, value: unknown, path: string, depth: number, str: StringEncoder = encodeString): void {
  if (depth > 128) throw new CanonicalJsonError(path, 'nested deeper than 128 levels');
  switch (typeof value) {
    case 'string':
      w.write(str(value, path));
      return;
    case 'number':
      if (!Number.isInteger(value)) throw new CanonicalJsonError(path, `${value} is not an integer; canonical JSON has no floats`);
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(path, `${value} is outside the exactly representable integers (±2^53-1)`);
      w.write(String(value));
      return;
    case 'boolean':
      w.write(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) {
        w.write('null');
        return;
      }
      if (Array.isArray(value)) {
        w.write('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) w.write(',');
          if (!(i in value)) throw new CanonicalJsonError(`${path}[${i}]`, 'array has a hole');
          encodeValue(w, value[i], `${path}[${i}]`, depth + 1, str);
        }
        w.write(']');
        return;
      }
      if (!isPlainObject(value)) throw new CanonicalJsonError(path, `a ${value.constructor?.name ?? 'non-plain'} object has no JSON form`);
      {
        w.write('{');
        let first = true;
        const obj = value as Record<string, unknown>;
        for (const key of sortedKeys(obj)) {
          const child = path ? `${path}.${key}` : key;
          if (!first) w.write(',');
          first = false;
          w.write(str(key, child));
          w.write(':');
          encodeValue(w, obj[key], child, depth + 1, str);
        }
        w.write('}');
      }
      return;
    default:
      throw new CanonicalJsonError(path, `${typeof value} has no JSON form`);
  }
}

/** The exact bytes TUF signs for `value`. Throws CanonicalJsonError naming the offending path. */
export function canonicalize(value: unknown): Buffer {
  const w = new ChunkWriter();
  encodeValue(w, value, '', 0);
  return w.finish();
}

/**
 * The JSON written to metadata files: the same sorted, compact form, but with standard JSON string
 * escapes so that every JSON reader accepts it. Ends with a newline.
 */
export function serializeJson(value: unknown): Buffer {
  const w = new ChunkWriter();
  encodeValue(w, value, '', 0, encodeJsonString);
  w.write('\n');
  return w.finish();
}
