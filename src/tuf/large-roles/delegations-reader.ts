/**
 * Reading the delegations of a targets role as the bytes go by. A claimed role delegates to up to
 * a million projects (PEP 480): every key and every role is still checked as strictly as
 * Delegations.fromJSON checks them (TUF specification 1.0.x section 4.5: unique role names,
 * thresholds >= 1, every keyid a role lists present in "keys"), but each entry is dropped once
 * checked. When the bytes are canonical JSON the keys and roles are kept as bytes instead, and
 * become objects only when first used (CompactDelegations; decision 0005).
 *
 * Entries of the usual shape (src/tuf/large-roles/usual-entries.ts) are checked on the bytes, making no object
 * at all. Anything else, and anything that would fail a check, is declined and read the general
 * way, which makes the objects and gives the error message: a role on its own, the keys object
 * again from its start. Errors come in the order Delegations.fromJSON gives them, so both ways
 * name the same first problem.
 */
import { FormatError } from '../base/errors.js';
import { asArray, asObject, FieldReader, join, type JsonObject } from '../model/fields.js';
import { Key } from '../model/key.js';
import { CompactIndex } from './compact-index.js';
import { NameTable } from './name-table.js';
import { DelegatedRole, Delegations, SuccinctRoles } from '../model/roles.js';
import { parseStrictJson, StreamedContainer, type ReadPlan } from '../json/strict-json.js';
import {
  compareBytes,
  inObjectKeyOrder,
  RoleEntry,
  scanUsualKey,
  scanUsualRole,
  usualKeys,
  usualRoles,
  type KeyEntry,
} from './usual-entries.js';

/**
 * A delegation to one Ed25519 key takes about 360 bytes (a key and a role): the tables are made
 * about the right size for a role made of such delegations, instead of growing a dozen times.
 */
const BYTES_PER_DELEGATION = 360;

interface ByteRange {
  start: number;
  end: number;
  canonical: boolean;
}

export class DelegationsReading {
  readonly plan: ReadPlan;
  /** Where the delegations object lies in the input, once the plan met one. */
  range: ByteRange | undefined;
  /** A copy holding the delegations' bytes, and where that copy begins in the input. */
  private copy: { bytes: Buffer; offset: number } | undefined;

  private keysAt: ByteRange | undefined;
  private rolesAt: ByteRange | undefined;
  private keyids: NameTable | undefined;
  private names: NameTable | undefined;
  /** Whether keys is an object being (or done being) read: roles are checked against it then. */
  private keysBegun = false;
  /** Whether roles is an array: the fast reader reads array items only. */
  private rolesAreArray = false;
  /** Roles read before any key (not canonical order, but valid JSON): checked at the end. */
  private deferred: Array<{ at: string; keyids: readonly string[] }> = [];
  /** The previous keyid read fast, as a byte range, for the order check. */
  private previousStart = -1;
  private previousEnd = -1;
  private readonly keyEntry: KeyEntry = { keyidStart: 0, keyidEnd: 0, publicStart: 0 };
  private readonly roleEntry = new RoleEntry();
  /**
   * The first failures, kept rather than thrown until the role is known to be targets (under
   * another role's custom field "delegations" anything goes) and thrown in the general order:
   * a key, then a role or a repeated name, then a keyid missing from keys.
   */
  private keyFailure: FormatError | undefined;
  private roleFailure: FormatError | undefined;
  private missingKeyid: FormatError | undefined;
  /**
   * The objects made by the general way, kept: when the bytes are not canonical as they stand
   * (pretty-printed, or PEM keys with escaped newlines) they are the delegations, and the
   * container need not be read a third time. Undefined when the container went the fast way.
   */
  private keyObjects: Map<string, Key> | undefined;
  private roleObjects: DelegatedRole[] | undefined;
  /** Whether some role went the fast way (then roleObjects holds only the others). */
  private someRolesFast = false;
  /** Where each fast role starts in the input, by its number: an index for lookups later. */
  private roleStarts = new Float64Array(1024);
  private roleCount = 0;

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
      range: (start, end, canonical) => (this.range = { start, end, canonical }),
      members: {
        keys: {
          // Kept as bytes only when they are canonical as they stand (no escaped control character).
          range: (start, end, canonical, controls) =>
            (this.keysAt = { start, end, canonical: canonical && controls === 0 }),
          begin: (kind) => {
            // The fast reader reads object members only: inside [ ] they would not be JSON.
            this.keysBegun = kind === 'object';
            this.keyids = undefined;
            this.keyObjects = undefined;
            this.keyFailure = undefined;
            this.previousStart = this.previousEnd = -1;
          },
          each: (keyid, value) => this.key(keysAt, keyid, value),
          fast: fast ? (pos) => this.fastKey(pos) : undefined,
        },
        roles: {
          range: (start, end, canonical, controls) =>
            (this.rolesAt = { start, end, canonical: canonical && controls === 0 }),
          begin: (kind) => {
            this.rolesAreArray = kind === 'array';
            this.names = undefined;
            this.roleObjects = undefined;
            this.someRolesFast = false;
            this.roleCount = 0;
            this.deferred = [];
            this.roleFailure = this.missingKeyid = undefined;
          },
          each: (index, value) => this.role(rolesAt, index, value),
          fast: fast ? (pos) => this.fastRole(pos) : undefined,
        },
      },
    };
  }

  /** Whether the plan met a delegations value (whose keys and roles may then be streamed). */
  get met(): boolean {
    return this.range !== undefined;
  }

  private keyTable(): NameTable {
    return (this.keyids ??= new NameTable(this.buf, this.buf.length / BYTES_PER_DELEGATION));
  }

  private nameTable(): NameTable {
    return (this.names ??= new NameTable(this.buf, this.buf.length / BYTES_PER_DELEGATION));
  }

  private key(keysAt: string, keyid: string | number, value: unknown): void {
    if (this.keyFailure || typeof keyid !== 'string') return; // [ ]: refused as a whole later
    try {
      const key = Key.fromJSON(value, join(keysAt, keyid));
      this.keyTable().addString(keyid);
      (this.keyObjects ??= new Map()).set(keyid, key);
    } catch (err) {
      this.keyFailure = formatError(err);
    }
  }

  private role(rolesAt: string, index: string | number, value: unknown): void {
    if (this.roleFailure || typeof index !== 'number') return; // { }: refused as a whole later
    const at = join(rolesAt, index);
    try {
      const role = DelegatedRole.fromJSON(value, at);
      if (!this.nameTable().addString(role.name)) throw new FormatError(at, `role "${role.name}" is delegated twice`);
      (this.roleObjects ??= []).push(role);
      if (this.keysBegun) this.checkKeyids(at, role.keyids);
      else this.deferred.push({ at, keyids: role.keyids });
    } catch (err) {
      this.roleFailure = formatError(err);
    }
  }

  /** Notes the first keyid missing from keys (TUF specification 1.0.x section 4.5: every keyid is in keys). */
  private checkKeyids(at: string, keyids: readonly string[]): void {
    if (this.missingKeyid) return;
    for (const keyid of keyids) {
      if (!this.keyids?.hasString(keyid)) {
        this.missingKeyid = new FormatError(`${at}.keyids`, `keyid ${keyid} is not in delegations.keys`);
        return;
      }
    }
  }

  /** A key of the usual shape, keyids in strictly increasing order (so none repeats). */
  private fastKey(pos: number): number {
    if (!this.keysBegun) return -1;
    const buf = this.buf;
    const e = this.keyEntry;
    const next = scanUsualKey(buf, pos, e);
    if (next < 0) return -1;
    if (
      this.previousStart >= 0 &&
      compareBytes(buf, this.previousStart, this.previousEnd, e.keyidStart, e.keyidEnd) >= 0
    )
      return -1;
    const table = this.keyTable();
    if (!table.addBytes(e.keyidStart, e.keyidEnd) || table.crowded) return -1;
    this.previousStart = e.keyidStart;
    this.previousEnd = e.keyidEnd;
    return next;
  }

  /** A role of the usual shape whose keyids are all in keys and whose name is new. */
  private fastRole(pos: number): number {
    const keyids = this.keyids;
    if (!this.keysBegun || !this.rolesAreArray || keyids === undefined) return -1;
    const e = this.roleEntry;
    const next = scanUsualRole(this.buf, pos, e);
    if (next < 0) return -1;
    for (let k = 0; k < e.keyidCount; k++) if (!keyids.hasBytes(e.keyids[2 * k]!, e.keyids[2 * k + 1]!)) return -1;
    // Crowding is checked before the name goes in: a declined role is read again on its own, and
    // must not find its own name already there.
    const names = this.nameTable();
    if (names.crowded || keyids.crowded || !names.addBytes(e.nameStart, e.nameEnd)) return -1;
    this.someRolesFast = true;
    if (this.roleCount === this.roleStarts.length) {
      const grown = new Float64Array(this.roleStarts.length * 2);
      grown.set(this.roleStarts);
      this.roleStarts = grown;
    }
    this.roleStarts[this.roleCount++] = pos;
    return next;
  }

  /**
   * Keep slices of `bytes` (a copy of the input from `offset` on, holding the delegations) rather
   * than a copy of their own: the bytes kept are never a view of the caller's buffer.
   */
  keepBytesFrom(bytes: Buffer, offset: number): void {
    this.copy = { bytes, offset };
  }

  /**
   * The Delegations for the object the plan read (`value`, with StreamedContainers for keys and
   * roles), checked in the order of Delegations.fromJSON.
   */
  delegations(value: unknown): Delegations {
    const r = FieldReader.of(value, this.path);
    const keys = r.raw('keys');
    if (!(keys instanceof StreamedContainer)) asObject(keys, r.at('keys'));
    else if (keys.kind !== 'object') throw new FormatError(r.at('keys'), 'expected an object, got an array');
    if (this.keyFailure) throw this.keyFailure;
    let hasRoles = false;
    if (r.has('roles')) {
      const roles = r.raw('roles');
      if (!(roles instanceof StreamedContainer)) asArray(roles, r.at('roles'));
      else if (roles.kind !== 'array') throw new FormatError(r.at('roles'), 'expected an array, got an object');
      if (this.roleFailure) throw this.roleFailure;
      hasRoles = true;
    }
    const succinct = r.has('succinct_roles')
      ? SuccinctRoles.fromJSON(r.raw('succinct_roles'), r.at('succinct_roles'))
      : undefined;
    if (hasRoles === (succinct !== undefined))
      throw new FormatError(this.path, 'exactly one of "roles" and "succinct_roles" must be set');
    // Roles read before keys come first in the document, so their keyids are checked first.
    const pending = this.missingKeyid;
    this.missingKeyid = undefined;
    for (const d of this.deferred) this.checkKeyids(d.at, d.keyids);
    this.missingKeyid ??= pending;
    if (succinct) this.checkKeyids(r.at('succinct_roles'), succinct.keyids);
    if (this.missingKeyid) throw this.missingKeyid;
    const unrecognized = r.rest();
    const { bytes, offset } = (this.copy ??= {
      bytes: Buffer.from(this.buf.subarray(this.range!.start, this.range!.end)),
      offset: this.range!.start,
    });
    const own = (at: ByteRange): Buffer => bytes.subarray(at.start - offset, at.end - offset);
    const keysAt = this.keysAt!;
    const rolesAt = hasRoles ? this.rolesAt! : undefined;
    const keysPath = r.at('keys');
    const rolesPath = r.at('roles');
    if (keysAt.canonical && (rolesAt === undefined || rolesAt.canonical)) {
      const keys = own(keysAt);
      const roles = rolesAt && own(rolesAt);
      const objects = () => ({
        keys: usualKeys(keys) ?? keysOf(keys, keysPath),
        roles: roles && (usualRoles(roles) ?? rolesOf(roles, rolesPath)),
      });
      // Every entry went the fast way: the reader's table of role names and their positions is the
      // index, and the keys (sorted, all of the usual shape) can be searched by halving.
      const allFast =
        this.keyObjects === undefined &&
        this.roleObjects === undefined &&
        rolesAt !== undefined &&
        this.names !== undefined;
      let located: { names: NameTable; starts: Float64Array } | undefined;
      if (allFast) {
        this.names!.rebase(roles!, rolesAt.start);
        const starts = this.roleStarts.subarray(0, this.roleCount).map((p) => p - rolesAt.start);
        located = { names: this.names!, starts };
      }
      const keysUsual = this.keyObjects === undefined;
      const index = () => (roles ? CompactIndex.of(keys, roles, { located, keysUsual }) : undefined);
      return Delegations.compact({ keys, roles, objects, index }, succinct, unrecognized);
    }
    // Checked, but not canonical as they stand: objects, from the general way or from the bytes
    // of a container that went the fast way (every check already passed).
    const keyObjects = this.keyObjects ? inObjectKeyOrder(this.keyObjects) : keysOf(own(keysAt), keysPath);
    const roleObjects = rolesAt
      ? this.someRolesFast
        ? rolesOf(own(rolesAt), rolesPath)
        : (this.roleObjects ?? [])
      : undefined;
    return new Delegations(keyObjects, roleObjects, succinct, unrecognized);
  }
}

/** The keys of a keys object's bytes, read the general way (every check passed already). */
function keysOf(bytes: Buffer, path: string): Map<string, Key> {
  const obj = parseStrictJson(bytes, path) as JsonObject;
  const keys = new Map<string, Key>();
  for (const keyid of Object.keys(obj)) keys.set(keyid, Key.fromJSON(obj[keyid], join(path, keyid)));
  return keys;
}

/** The roles of a roles array's bytes, read the general way (every check passed already). */
function rolesOf(bytes: Buffer, path: string): DelegatedRole[] {
  return (parseStrictJson(bytes, path) as unknown[]).map((v, i) => DelegatedRole.fromJSON(v, join(path, i)));
}

function formatError(err: unknown): FormatError {
  if (err instanceof FormatError) return err;
  throw err;
}
