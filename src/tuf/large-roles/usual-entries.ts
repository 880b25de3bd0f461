/**
 * Delegation entries of the usual shape, read straight from canonical bytes: an Ed25519 key, and a
 * role with plain ASCII strings and no custom field. The scanners accept only bytes that are
 * canonical JSON and that Key.fromJSON and DelegatedRole.fromJSON accept (TUF specification 1.0.x
 * sections 4.1, 4.2 and 4.5), and record where each field lies; anything else
 * returns -1, for the general reader to handle (docs/decisions/0005).
 */
import { Key } from '../model/key.js';
import { DelegatedRole, TOP_LEVEL_ROLES } from '../model/roles.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const KEY_HEAD = bytes('":{"keytype":"ed25519","keyval":{"public":"');
const KEY_TAIL = bytes('"},"scheme":"ed25519"}');
const ROLE_HEAD = bytes('{"keyids":[');
const ROLE_NAME = bytes(',"name":"');
const ROLE_PREFIXES = bytes(',"path_hash_prefixes":[');
const ROLE_PATHS = bytes(',"paths":[');
const ROLE_TERMINATING = bytes(',"terminating":');
const ROLE_THRESHOLD = bytes(',"threshold":');
const TRUE = bytes('true');
const FALSE = bytes('false');
const RESERVED_NAMES = TOP_LEVEL_ROLES.map(bytes);
/** More keyids in one role than this go the general way. */
const MAX_USUAL_KEYIDS = 32;

/** Where the fields of one `"<keyid>":{…ed25519 key…}` member lie. */
export interface KeyEntry {
  keyidStart: number;
  keyidEnd: number;
  /** The 64 hex characters of the public key start here. */
  publicStart: number;
}

/** `"<keyid>":{"keytype":"ed25519","keyval":{"public":"<64 lowercase hex>"},"scheme":"ed25519"}`. */
export function scanUsualKey(buf: Buffer, pos: number, out: KeyEntry): number {
  if (buf[pos] !== 0x22) return -1;
  const end = plainStringEnd(buf, pos + 1);
  if (end < 0) return -1;
  let p = match(buf, end, KEY_HEAD);
  // An ed25519 public value is 64 lowercase hex characters (Key.fromJSON).
  if (p < 0 || !isLowerHexRange(buf, p, p + 64)) return -1;
  out.keyidStart = pos + 1;
  out.keyidEnd = end;
  out.publicStart = p;
  p = match(buf, p + 64, KEY_TAIL);
  return p;
}

/** Where the fields of one role lie; arrays hold start, end, start, end, … */
export class RoleEntry {
  readonly keyids = new Float64Array(2 * MAX_USUAL_KEYIDS);
  keyidCount = 0;
  nameStart = 0;
  nameEnd = 0;
  hashPrefixes = false;
  readonly items: number[] = [];
  terminating = false;
  threshold = 0;
}

/**
 * `{"keyids":[…],"name":"…","path_hash_prefixes"|"paths":[…],"terminating":true|false,"threshold":N}`
 * with the checks of DelegatedRole.fromJSON: keyids unique, a name that is not empty nor a
 * top-level role's, prefixes of lowercase hex, a threshold >= 1.
 */
export function scanUsualRole(buf: Buffer, pos: number, out: RoleEntry): number {
  let p = match(buf, pos, ROLE_HEAD);
  if (p < 0) return -1;
  const ranges = out.keyids;
  let count = 0;
  if (buf[p] !== 0x5d) {
    for (;;) {
      if (buf[p] !== 0x22 || count === MAX_USUAL_KEYIDS) return -1;
      const end = plainStringEnd(buf, p + 1);
      if (end < 0) return -1;
      for (let k = 0; k < count; k++)
        if (compareBytes(buf, ranges[2 * k]!, ranges[2 * k + 1]!, p + 1, end) === 0) return -1;
      ranges[2 * count] = p + 1;
      ranges[2 * count + 1] = end;
      count++;
      p = end + 1;
      if (buf[p] === 0x5d) break;
      if (buf[p] !== 0x2c) return -1;
      p++;
    }
  }
  out.keyidCount = count;
  p = match(buf, p + 1, ROLE_NAME);
  if (p < 0) return -1;
  const nameStart = p;
  const nameEnd = plainStringEnd(buf, p);
  if (
    nameEnd <= nameStart ||
    RESERVED_NAMES.some(
      (r) => r.length === nameEnd - nameStart && buf.compare(r, 0, r.length, nameStart, nameEnd) === 0,
    )
  )
    return -1;
  out.nameStart = nameStart;
  out.nameEnd = nameEnd;
  p = nameEnd + 1;
  // Exactly one of path_hash_prefixes (lowercase hex, not empty) and paths (plain strings).
  out.items.length = 0;
  let q = match(buf, p, ROLE_PREFIXES);
  out.hashPrefixes = q >= 0;
  if (q < 0) q = match(buf, p, ROLE_PATHS);
  p = q < 0 ? -1 : plainStringList(buf, q, out.hashPrefixes, out.items);
  p = match(buf, p, ROLE_TERMINATING);
  if (p < 0) return -1;
  const afterTrue = match(buf, p, TRUE);
  out.terminating = afterTrue >= 0;
  p = match(buf, afterTrue >= 0 ? afterTrue : match(buf, p, FALSE), ROLE_THRESHOLD);
  // threshold: an integer >= 1, as canonical JSON writes it (no leading zero), of at most 15 digits.
  if (p < 0 || !(buf[p]! >= 0x31 && buf[p]! <= 0x39)) return -1;
  let threshold = 0;
  const digitsStart = p;
  while (buf[p]! >= 0x30 && buf[p]! <= 0x39) threshold = threshold * 10 + (buf[p++]! - 0x30);
  if (p - digitsStart > 15 || buf[p] !== 0x7d) return -1;
  out.threshold = threshold;
  return p + 1;
}

/** The keys of canonical `keys` bytes, or undefined when an entry is not of the usual shape. */
export function usualKeys(buf: Buffer): Map<string, Key> | undefined {
  const keys = new Map<string, Key>();
  const entry: KeyEntry = { keyidStart: 0, keyidEnd: 0, publicStart: 0 };
  const read = (p: number): number => {
    const next = scanUsualKey(buf, p, entry);
    if (next >= 0) keys.set(latin1(buf, entry.keyidStart, entry.keyidEnd), keyFromEntry(buf, entry));
    return next;
  };
  return members(buf, 0x7b, 0x7d, read) ? inObjectKeyOrder(keys) : undefined;
}

/**
 * The Map in the order Delegations.fromJSON gives (Object.keys of the parsed object): keys that
 * are array indices first, in ascending numeric order, then the others as they came.
 */
export function inObjectKeyOrder(keys: Map<string, Key>): Map<string, Key> {
  const indices: string[] = [];
  for (const k of keys.keys()) {
    const c = k.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39 && ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1) indices.push(k);
  }
  if (indices.length === 0) return keys;
  indices.sort((a, b) => Number(a) - Number(b));
  const ordered = new Map<string, Key>(indices.map((k) => [k, keys.get(k)!]));
  for (const [k, v] of keys) if (!ordered.has(k)) ordered.set(k, v);
  return ordered;
}

const ARRAY_INDEX = /^(0|[1-9]\d{0,9})$/;

/** The roles of canonical `roles` bytes, or undefined when an entry is not of the usual shape. */
export function usualRoles(buf: Buffer): DelegatedRole[] | undefined {
  const roles: DelegatedRole[] = [];
  const e = new RoleEntry();
  const read = (p: number): number => {
    const next = scanUsualRole(buf, p, e);
    if (next >= 0) roles.push(roleFromEntry(buf, e));
    return next;
  };
  return members(buf, 0x5b, 0x5d, read) ? roles : undefined;
}

/** The key a scanned key entry describes. */
export function keyFromEntry(buf: Buffer, e: KeyEntry): Key {
  return new Key('ed25519', 'ed25519', { public: latin1(buf, e.publicStart, e.publicStart + 64) });
}

/** The role a scanned role entry describes. */
export function roleFromEntry(buf: Buffer, e: RoleEntry): DelegatedRole {
  const keyids = new Array<string>(e.keyidCount);
  for (let k = 0; k < e.keyidCount; k++) keyids[k] = latin1(buf, e.keyids[2 * k]!, e.keyids[2 * k + 1]!);
  const items = new Array<string>(e.items.length / 2);
  for (let k = 0; k < items.length; k++) items[k] = latin1(buf, e.items[2 * k]!, e.items[2 * k + 1]!);
  const name = latin1(buf, e.nameStart, e.nameEnd);
  return new DelegatedRole(
    name,
    keyids,
    e.threshold,
    e.terminating,
    e.hashPrefixes ? undefined : items,
    e.hashPrefixes ? items : undefined,
  );
}

/** The whole of `buf` is `open member (, member)* close` (or empty), each read by `read`. */
export function members(buf: Buffer, open: number, close: number, read: (pos: number) => number): boolean {
  if (buf[0] !== open) return false;
  if (buf[1] === close) return buf.length === 2;
  let p = 1;
  for (;;) {
    p = read(p);
    if (p < 0) return false;
    if (buf[p] === 0x2c) p++;
    else return buf[p] === close && p + 1 === buf.length;
  }
}

const latin1 = (buf: Buffer, start: number, end: number): string => buf.toString('latin1', start, end);

/** The position after `expected` when the bytes at `pos` are exactly it, else -1. */
function match(buf: Buffer, pos: number, expected: Buffer): number {
  if (pos < 0 || pos + expected.length > buf.length) return -1;
  for (let i = 0; i < expected.length; i++) if (buf[pos + i] !== expected[i]) return -1;
  return pos + expected.length;
}

/**
 * From the first byte of a string's content: the position of its closing quote when every byte
 * is printable ASCII other than `"` and `\` (a string canonical JSON writes as it is), else -1.
 */
function plainStringEnd(buf: Buffer, pos: number): number {
  const len = buf.length;
  for (let i = pos; i < len; i++) {
    const c = buf[i]!;
    if (c === 0x22) return i;
    if (c < 0x20 || c > 0x7e || c === 0x5c) return -1;
  }
  return -1;
}

/** `"…","…"]` from `pos` (just after `[`), ranges pushed to `out`: the position after `]`, or -1. */
function plainStringList(buf: Buffer, pos: number, hex: boolean, out: number[]): number {
  let p = pos;
  if (buf[p] === 0x5d) return p + 1;
  for (;;) {
    if (buf[p] !== 0x22) return -1;
    const end = plainStringEnd(buf, p + 1);
    if (end < 0 || (hex && (end === p + 1 || !isLowerHexRange(buf, p + 1, end)))) return -1;
    out.push(p + 1, end);
    p = end + 1;
    if (buf[p] === 0x5d) return p + 1;
    if (buf[p] !== 0x2c) return -1;
    p++;
  }
}

/** 1 for the bytes of lowercase hex digits. */
const LOWER_HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

function isLowerHexRange(buf: Buffer, start: number, end: number): boolean {
  if (end > buf.length) return false;
  for (let i = start; i < end; i++) if (LOWER_HEX[buf[i]!] === 0) return false;
  return true;
}

/** Byte order, which is code point order for plain ASCII strings. */
export function compareBytes(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = buf[aStart + i]! - buf[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}
