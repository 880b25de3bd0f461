/**
 * Reading the delegations of a targets role as the bytes go by. A claimed role delegates to up to
 * a million projects (PEP 480): every key and every role is still checked as strictly as
 * Delegations.fromJSON checks them (TUF specification 1.0.x section 4.5: unique role names,
 * thresholds >= 1, every keyid a role lists present in "keys"), but each entry is dropped once
 * checked. When the bytes are the object's canonical JSON they are kept instead, and become
 * objects only when first used (CompactDelegations; docs/performance.md).
 *
 * Entries of the usual shape (an Ed25519 key; a role with plain ASCII names and no custom fields)
 * are checked straight on the bytes, making no object at all. Anything else, and anything that
 * would fail a check, is declined: the container is then read again the general way, which makes
 * the objects and gives the error message.
 */
import { FormatError } from './errors.js';
import { asArray, asObject, FieldReader, join, type JsonObject } from './fields.js';
import { Key } from './key.js';
import { NameTable } from './name-table.js';
import { DelegatedRole, Delegations, SuccinctRoles, TOP_LEVEL_ROLES } from './roles.js';
import { parseStrictJson, StreamedContainer, type ReadPlan } from './strict-json.js';

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
/**
 * A delegation to one Ed25519 key takes about 360 bytes (a key and a role): the tables are made
 * about the right size for a role made of delegations, instead of growing a dozen times.
 */
const BYTES_PER_DELEGATION = 320;
/** More keyids in one role than this go the general way. */
const MAX_FAST_KEYIDS = 32;

export class DelegationsReading {
  private keyids: NameTable | undefined;
  private names: NameTable | undefined;
  /** Roles read before any key (keys after roles: not canonical order, but valid JSON). */
  private deferred: Array<{ at: string; keyids: readonly string[] }> = [];
  private keysBegun = false;
  /** The previous keyid read fast, as a byte range, for the order check. */
  private previousKeyid = { start: -1, end: -1 };
  /** One role's keyids as byte ranges: start, end, start, end, … */
  private readonly roleKeyids = new Float64Array(2 * MAX_FAST_KEYIDS);
  /** Whether the plan met a delegations value (whose keys and roles may then be streamed). */
  met = false;
  /** Where the delegations object lies in the input. */
  range: ByteRange | undefined;
  /** Where the keys object and the roles array lie in the input, and whether they are canonical there. */
  private keysAt: ByteRange | undefined;
  private rolesAt: ByteRange | undefined;
  /**
   * The first entry that failed its check. Kept, not thrown, until the role is known to be
   * targets: under another role's custom field "delegations" anything goes (nothing is lost).
   */
  private failure: FormatError | undefined;
  readonly plan: ReadPlan;

  /**
   * `buf`: the whole input being read. `fast`: whether to check usual entries on the bytes (off
   * only to compare the two ways in tests).
   */
  constructor(
    private readonly path: string,
    private readonly buf: Buffer,
    fast = true,
  ) {
    const keysAt = join(path, 'keys');
    const rolesAt = join(path, 'roles');
    this.plan = {
      range: (start, end, canonical) => {
        this.met = true;
        this.range = { start, end, canonical };
      },
      members: {
        keys: {
          range: (start, end, canonical) => (this.keysAt = { start, end, canonical }),
          begin: (kind) => {
            // Roles are checked against keys only once keys are known to be an object.
            this.keysBegun = kind === 'object';
            this.keyids = undefined;
            this.previousKeyid = { start: -1, end: -1 };
          },
          each: (keyid, value) => this.checked(() => this.key(keysAt, keyid, value)),
          fast: fast ? (_, pos) => this.fastKey(pos) : undefined,
        },
        roles: {
          range: (start, end, canonical) => (this.rolesAt = { start, end, canonical }),
          begin: () => {
            this.names = undefined;
            this.deferred = [];
          },
          each: (index, value) => this.checked(() => this.role(rolesAt, index, value)),
          fast: fast ? (_, pos) => this.fastRole(pos) : undefined,
        },
      },
    };
  }

  private checked(check: () => void): void {
    if (this.failure !== undefined) return;
    try {
      check();
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      this.failure = err;
    }
  }

  private keyTable(): NameTable {
    return (this.keyids ??= new NameTable(this.buf, this.buf.length / BYTES_PER_DELEGATION));
  }

  private nameTable(): NameTable {
    return (this.names ??= new NameTable(this.buf, this.buf.length / BYTES_PER_DELEGATION));
  }

  private key(keysAt: string, keyid: string | number, value: unknown): void {
    if (typeof keyid !== 'string') throw new FormatError(keysAt, 'expected an object, got an array');
    Key.fromJSON(value, join(keysAt, keyid));
    this.keyTable().addString(keyid);
  }

  private role(rolesAt: string, index: string | number, value: unknown): void {
    if (typeof index !== 'number') throw new FormatError(rolesAt, 'expected an array, got an object');
    const at = join(rolesAt, index);
    const role = DelegatedRole.fromJSON(value, at);
    if (!this.nameTable().addString(role.name)) throw new FormatError(at, `role "${role.name}" is delegated twice`);
    if (this.keysBegun) this.checkKeyids(at, role.keyids);
    else this.deferred.push({ at, keyids: role.keyids });
  }

  private checkKeyids(at: string, keyids: readonly string[]): void {
    for (const keyid of keyids) {
      if (!this.keyids?.hasString(keyid)) throw new FormatError(`${at}.keyids`, `keyid ${keyid} is not in delegations.keys`);
    }
  }

  /** `"<keyid>":{"keytype":"ed25519","keyval":{"public":"<64 hex>"},"scheme":"ed25519"}`, keyids in order. */
  private fastKey(pos: number): number {
    const buf = this.buf;
    const table = this.keyTable();
    if (buf[pos] !== 0x22) return -1;
    const start = pos + 1;
    const end = plainStringEnd(buf, start);
    if (end < 0) return -1;
    const previous = this.previousKeyid;
    if (previous.start >= 0 && compareBytes(buf, previous.start, previous.end, start, end) >= 0) return -1;
    let p = match(buf, end, KEY_HEAD);
    // An ed25519 public value is 64 lowercase hex characters (Key.fromJSON).
    if (p < 0 || !isLowerHex(buf, p, p + 64)) return -1;
    p = match(buf, p + 64, KEY_TAIL);
    if (p < 0 || !table.addBytes(start, end) || table.crowded) return -1;
    this.previousKeyid = { start, end };
    return p;
  }

  /**
   * `{"keyids":[…],"name":"…","path_hash_prefixes"|"paths":[…],"terminating":true|false,"threshold":N}`
   * with plain ASCII strings, no other field, and every check of DelegatedRole.fromJSON and of the
   * delegations object passing.
   */
  private fastRole(pos: number): number {
    const buf = this.buf;
    const keyids = this.keyids;
    if (!this.keysBegun || keyids === undefined) return -1;
    let p = match(buf, pos, ROLE_HEAD);
    if (p < 0) return -1;
    // keyids: plain strings, unique within the role, each one in keys.
    const ranges = this.roleKeyids;
    let count = 0;
    if (buf[p] !== 0x5d) {
      for (;;) {
        if (buf[p] !== 0x22 || count === MAX_FAST_KEYIDS) return -1;
        const end = plainStringEnd(buf, p + 1);
        if (end < 0 || !keyids.hasBytes(p + 1, end)) return -1;
        for (let k = 0; k < count; k++) if (compareBytes(buf, ranges[2 * k]!, ranges[2 * k + 1]!, p + 1, end) === 0) return -1;
        ranges[2 * count] = p + 1;
        ranges[2 * count + 1] = end;
        count++;
        p = end + 1;
        if (buf[p] === 0x5d) break;
        if (buf[p] !== 0x2c) return -1;
        p++;
      }
    }
    p = match(buf, p + 1, ROLE_NAME);
    if (p < 0) return -1;
    // name: not empty, not a top-level role's name, not delegated before.
    const nameStart = p;
    const nameEnd = plainStringEnd(buf, p);
    if (nameEnd <= nameStart || RESERVED_NAMES.some((r) => r.length === nameEnd - nameStart && buf.compare(r, 0, r.length, nameStart, nameEnd) === 0)) return -1;
    p = nameEnd + 1;
    // Exactly one of path_hash_prefixes (lowercase hex, not empty) and paths (plain strings).
    let q = match(buf, p, ROLE_PREFIXES);
    if (q >= 0) p = plainStringList(buf, q, true);
    else {
      q = match(buf, p, ROLE_PATHS);
      p = q < 0 ? -1 : plainStringList(buf, q, false);
    }
    if (p < 0) return -1;
    p = match(buf, p, ROLE_TERMINATING);
    if (p < 0) return -1;
    const afterBoolean = Math.max(match(buf, p, TRUE), match(buf, p, FALSE));
    if (afterBoolean < 0) return -1;
    p = match(buf, afterBoolean, ROLE_THRESHOLD);
    // threshold: an integer >= 1, as canonical JSON writes it (no leading zero), of at most 15 digits.
    if (p < 0 || !(buf[p]! >= 0x31 && buf[p]! <= 0x39)) return -1;
    const digitsStart = p;
    while (buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    if (p - digitsStart > 15 || buf[p] !== 0x7d) return -1;
    const names = this.nameTable();
    if (!names.addBytes(nameStart, nameEnd) || names.crowded || keyids.crowded) return -1;
    return p + 1;
  }

  /**
   * The Delegations for the object the plan read (`value`, with StreamedContainers for keys and
   * roles). `bytes` holds the object's bytes from `offset` on: the input, or a copy of part of it.
   */
  delegations(value: unknown, bytes: Buffer, offset: number): Delegations {
    if (this.failure) throw this.failure;
    const r = FieldReader.of(value, this.path);
    const keys = r.raw('keys');
    if (!(keys instanceof StreamedContainer)) asObject(keys, r.at('keys'));
    else if (keys.kind !== 'object') throw new FormatError(r.at('keys'), 'expected an object, got an array');
    let hasRoles = false;
    if (r.has('roles')) {
      const roles = r.raw('roles');
      if (!(roles instanceof StreamedContainer)) asArray(roles, r.at('roles'));
      else if (roles.kind !== 'array') throw new FormatError(r.at('roles'), 'expected an array, got an object');
      hasRoles = true;
    }
    const succinct = r.has('succinct_roles') ? SuccinctRoles.fromJSON(r.raw('succinct_roles'), r.at('succinct_roles')) : undefined;
    if (hasRoles === (succinct !== undefined)) throw new FormatError(this.path, 'exactly one of "roles" and "succinct_roles" must be set');
    for (const d of this.deferred) this.checkKeyids(d.at, d.keyids);
    if (succinct) this.checkKeyids(r.at('succinct_roles'), succinct.keyids);
    const unrecognized = r.rest();
    const own = (at: ByteRange): Buffer => bytes.subarray(at.start - offset, at.end - offset);
    const keysAt = this.keysAt!;
    const rolesAt = hasRoles ? this.rolesAt! : undefined;
    if (keysAt.canonical && (rolesAt === undefined || rolesAt.canonical)) {
      return Delegations.compact({ keys: own(keysAt), roles: rolesAt && own(rolesAt), path: this.path }, succinct, unrecognized);
    }
    // Checked, but not in canonical form (whitespace, say): read again, keeping everything.
    const json: JsonObject = { ...(value as JsonObject), keys: parseStrictJson(own(keysAt), this.path) };
    if (rolesAt) json['roles'] = parseStrictJson(own(rolesAt), this.path);
    return Delegations.fromJSON(json, this.path);
  }
}

interface ByteRange {
  start: number;
  end: number;
  canonical: boolean;
}

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

/** `"…","…"]` from `pos` (just after `[`): the position after `]`, or -1. */
function plainStringList(buf: Buffer, pos: number, hex: boolean): number {
  let p = pos;
  if (buf[p] === 0x5d) return p + 1;
  for (;;) {
    if (buf[p] !== 0x22) return -1;
    const end = plainStringEnd(buf, p + 1);
    if (end < 0 || (hex && (end === p + 1 || !isLowerHex(buf, p + 1, end)))) return -1;
    p = end + 1;
    if (buf[p] === 0x5d) return p + 1;
    if (buf[p] !== 0x2c) return -1;
    p++;
  }
}

function isLowerHex(buf: Buffer, start: number, end: number): boolean {
  if (end > buf.length) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Byte order, which is code point order for plain ASCII strings. */
function compareBytes(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = buf[aStart + i]! - buf[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}
