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
import { DelegatedRole, Delegations, SuccinctRoles } from './roles.js';
import { parseStrictJson, StreamedContainer, type ReadPlan } from './strict-json.js';
import { compareBytes, RoleEntry, scanUsualKey, scanUsualRole, usualKeys, usualRoles, type KeyEntry } from './usual-entries.js';

/**
 * A delegation to one Ed25519 key takes about 360 bytes (a key and a role): the tables are made
 * about the right size for a role made of delegations, instead of growing a dozen times.
 */
const BYTES_PER_DELEGATION = 320;

export class DelegationsReading {
  private keyids: NameTable | undefined;
  private names: NameTable | undefined;
  /** Roles read before any key (keys after roles: not canonical order, but valid JSON). */
  private deferred: Array<{ at: string; keyids: readonly string[] }> = [];
  private keysBegun = false;
  /** Whether the roles container is an array: the fast reader reads array items only. */
  private rolesAreArray = false;
  /** The previous keyid read fast, as a byte range, for the order check. */
  private previousKeyid = { start: -1, end: -1 };
  private readonly keyEntry: KeyEntry = { keyidStart: 0, keyidEnd: 0, publicStart: 0 };
  private readonly roleEntry = new RoleEntry();
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
            // Roles are checked against keys only once keys are known to be an object; the fast
            // reader reads object members only (inside [ ] its members would not be JSON).
            this.keysBegun = kind === 'object';
            this.keyids = undefined;
            this.previousKeyid = { start: -1, end: -1 };
          },
          each: (keyid, value) => this.checked(() => this.key(keysAt, keyid, value)),
          fast: fast ? (_, pos) => this.fastKey(pos) : undefined,
        },
        roles: {
          range: (start, end, canonical) => (this.rolesAt = { start, end, canonical }),
          begin: (kind) => {
            this.rolesAreArray = kind === 'array';
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

  /** A key of the usual shape, keyids in strictly increasing order (so none repeats). */
  private fastKey(pos: number): number {
    if (!this.keysBegun) return -1;
    const buf = this.buf;
    const e = this.keyEntry;
    const next = scanUsualKey(buf, pos, e);
    if (next < 0) return -1;
    const previous = this.previousKeyid;
    if (previous.start >= 0 && compareBytes(buf, previous.start, previous.end, e.keyidStart, e.keyidEnd) >= 0) return -1;
    const table = this.keyTable();
    if (!table.addBytes(e.keyidStart, e.keyidEnd) || table.crowded) return -1;
    this.previousKeyid = { start: e.keyidStart, end: e.keyidEnd };
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
    const names = this.nameTable();
    if (!names.addBytes(e.nameStart, e.nameEnd) || names.crowded || keyids.crowded) return -1;
    return next;
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
      return Delegations.compact({ keys: own(keysAt), roles: rolesAt && own(rolesAt), path: this.path, usualKeys, usualRoles }, succinct, unrecognized);
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
