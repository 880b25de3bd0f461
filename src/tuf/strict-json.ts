/**
 * A strict JSON reader over bytes. JSON.parse is not used for metadata because it silently keeps
 * the last of duplicate keys (two readers could then disagree on what was signed), accepts floats
 * that canonical JSON refuses, rounds large integers, and needs the whole document as one string.
 * This reader refuses all of those and names the byte offset of the problem.
 */
import { FormatError } from './errors.js';

const MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseStrictJson(bytes: Uint8Array, source = ''): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = buf.length;
  let pos = 0;

  const fail = (why: string): never => {
    throw new FormatError(source, `not valid JSON at byte ${pos}: ${why}`, 'E_JSON');
  };
  const skipWs = (): void => {
    while (pos < len) {
      const c = buf[pos]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };

  const readString = (): string => {
    pos++; // opening quote
    const start = pos;
    let ascii = true;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === 0x22) {
        const s = ascii ? buf.toString('latin1', start, pos) : decodeUtf8(start, pos);
        pos++;
        return s;
      }
      if (c === 0x5c) break; // escape: take the slow path
      if (c < 0x20) fail('raw control character in a string');
      if (c >= 0x80) ascii = false;
      pos++;
    }
    // Slow path: strings with escapes.
    let out = ascii ? buf.toString('latin1', start, pos) : decodeUtf8(start, pos);
    let runStart = pos;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === 0x22) {
        out += decodeUtf8(runStart, pos);
        pos++;
        if (!out.isWellFormed()) fail('string escape makes a lone surrogate');
        return out;
      }
      if (c < 0x20) fail('raw control character in a string');
      if (c === 0x5c) {
        out += decodeUtf8(runStart, pos);
        const e = buf[pos + 1];
        pos += 2;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            const hex = buf.toString('latin1', pos, pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            pos -= 2;
            fail('unknown escape');
        }
        runStart = pos;
        continue;
      }
      pos++;
    }
    return fail('unexpected end of data inside a string (truncated file?)');
  };

  const decodeUtf8 = (start: number, end: number): string => {
    try {
      return utf8.decode(buf.subarray(start, end));
    } catch {
      return fail('invalid UTF-8');
    }
  };

  const readNumber = (): number => {
    const start = pos;
    if (buf[pos] === 0x2d) pos++;
    const digitsStart = pos;
    while (pos < len && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) pos++;
    const digits = pos - digitsStart;
    if (digits === 0) fail('bad number');
    if (digits > 1 && buf[digitsStart] === 0x30) fail('number with a leading zero');
    const next = buf[pos];
    if (next === 0x2e || next === 0x65 || next === 0x45) fail('a float; only integers are allowed in TUF metadata');
    const n = Number(buf.toString('latin1', start, pos));
    if (!Number.isSafeInteger(n)) fail('integer outside ±2^53-1 cannot be kept exactly');
    return n;
  };

  const expectWord = (word: string, value: unknown): unknown => {
    if (buf.toString('latin1', pos, pos + word.length) !== word) fail('unexpected token');
    pos += word.length;
    return value;
  };

  const readValue = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    skipWs();
    if (pos >= len) fail('unexpected end of data (truncated file?)');
    const c = buf[pos]!;
    if (c === 0x7b) {
      pos++;
      const obj: Record<string, unknown> = {};
      skipWs();
      if (buf[pos] === 0x7d) {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (buf[pos] !== 0x22) fail('expected a string key');
        const key = readString();
        if (Object.hasOwn(obj, key)) fail(`duplicate key "${key}"`);
        skipWs();
        if (buf[pos] !== 0x3a) fail('expected ":"');
        pos++;
        const v = readValue(depth + 1);
        // defineProperty so that a "__proto__" key is data, never the prototype.
        if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[key] = v;
        skipWs();
        const d = buf[pos];
        if (d === 0x2c) { pos++; continue; }
        if (d === 0x7d) { pos++; return obj; }
        fail(pos >= len ? 'unexpected end of data (truncated file?)' : 'expected "," or "}"');
      }
    }
    if (c === 0x5b) {
      pos++;
      const arr: unknown[] = [];
      skipWs();
      if (buf[pos] === 0x5d) {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(readValue(depth + 1));
        skipWs();
        const d = buf[pos];
        if (d === 0x2c) { pos++; continue; }
        if (d === 0x5d) { pos++; return arr; }
        fail(pos >= len ? 'unexpected end of data (truncated file?)' : 'expected "," or "]"');
      }
    }
    if (c === 0x22) return readString();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber();
    if (c === 0x74) return expectWord('true', true);
    if (c === 0x66) return expectWord('false', false);
    if (c === 0x6e) return expectWord('null', null);
    if (c === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) fail('byte order mark');
    return fail('unexpected character');
  };

  const value = readValue(0);
  skipWs();
  if (pos !== len) fail('extra data after the JSON value');
  return value;
}
