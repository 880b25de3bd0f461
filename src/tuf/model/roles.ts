/**
 * Roles and delegations: who may sign what, with which threshold, for which target paths
 * (TUF specification 1.0.x sections 4.3 and 4.5; TAP 15 for succinct hash bins).
 */
import { EncodedJson, JSON_VALUE, WRITE_JSON, type JsonWriter } from '../json/canonical-json.js';
import { sha256 } from './digest.js';
import { FormatError } from '../base/errors.js';
import { FieldReader, hasFields, join, NO_FIELDS, setField, type JsonObject } from './fields.js';
import { copyJson, freezeJson, freezeMap } from './frozen.js';
import { Key } from './key.js';
import type { CompactIndex } from '../large-roles/compact-index.js';
import type { DelegationsBytesDiff } from '../large-roles/compact-diff.js';
import { matchPathPattern } from './path-pattern.js';

export { matchPathPattern };
export type { DelegationsBytesDiff };

export const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type TopLevelRole = (typeof TOP_LEVEL_ROLES)[number];

/** The keys and threshold that authorize one role. */
export interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

/**
 * Role, DelegatedRole and SuccinctRoles are values: frozen when made, their arrays and custom
 * fields too (the arrays passed in are frozen in place). A changed role is a new one.
 */
export class Role implements RoleKeys {
  constructor(
    readonly keyids: readonly string[],
    readonly threshold: number,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    if (threshold < 1) throw new FormatError('threshold', `must be >= 1, got ${threshold}`);
    Object.freeze(keyids);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path: string): Role {
    const r = FieldReader.of(v, path);
    // A role's keyids are unique and its threshold >= 1 (TUF specification 1.0.x sections 4.3 and 4.5).
    return new Role(r.stringArray('keyids', true), r.integer('threshold', 1), r.rest());
  }

  toJSON(): JsonObject {
    const out: JsonObject = { keyids: this.keyids, threshold: this.threshold };
    for (const [k, v] of Object.entries(this.unrecognized)) setField(out, k, v);
    return out;
  }
}

export class DelegatedRole implements RoleKeys {
  constructor(
    readonly name: string,
    readonly keyids: readonly string[],
    readonly threshold: number,
    readonly terminating: boolean,
    readonly paths: readonly string[] | undefined,
    readonly pathHashPrefixes: readonly string[] | undefined,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    if (threshold < 1) throw new FormatError('threshold', `must be >= 1, got ${threshold}`);
    if ((paths === undefined) === (pathHashPrefixes === undefined)) {
      throw new FormatError(name, 'exactly one of "paths" and "path_hash_prefixes" must be set');
    }
    Object.freeze(keyids);
    Object.freeze(paths ?? pathHashPrefixes);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path: string): DelegatedRole {
    const r = FieldReader.of(v, path);
    const name = r.string('name');
    if (name === '' || (TOP_LEVEL_ROLES as readonly string[]).includes(name)) {
      throw new FormatError(r.at('name'), `"${name}" cannot be a delegated role name`);
    }
    const keyids = r.stringArray('keyids', true);
    const threshold = r.integer('threshold', 1);
    const terminating = r.boolean('terminating');
    const paths = r.has('paths') ? r.stringArray('paths') : undefined;
    const prefixes = r.has('path_hash_prefixes') ? r.stringArray('path_hash_prefixes') : undefined;
    if ((paths === undefined) === (prefixes === undefined)) {
      throw new FormatError(path, 'exactly one of "paths" and "path_hash_prefixes" must be set');
    }
    prefixes?.forEach((p, i) => {
      if (!/^[0-9a-f]+$/.test(p))
        throw new FormatError(join(r.at('path_hash_prefixes'), i), `"${p}" is not lowercase hex`);
    });
    return new DelegatedRole(name, keyids, threshold, terminating, paths, prefixes, r.rest());
  }

  toJSON(): JsonObject {
    const out: JsonObject = {
      name: this.name,
      keyids: this.keyids,
      threshold: this.threshold,
      terminating: this.terminating,
    };
    if (this.paths !== undefined) out['paths'] = this.paths;
    if (this.pathHashPrefixes !== undefined) out['path_hash_prefixes'] = this.pathHashPrefixes;
    for (const [k, v] of Object.entries(this.unrecognized)) setField(out, k, v);
    return out;
  }

  [JSON_VALUE](): JsonObject {
    return this.toJSON();
  }

  /**
   * Members in canonical order: keyids, name, path_hash_prefixes or paths, terminating,
   * threshold (custom fields: the general way).
   */
  [WRITE_JSON](w: JsonWriter, depth: number): boolean {
    if (hasFields(this.unrecognized)) return false;
    w.ascii('{"keyids":');
    w.member('keyids', this.keyids, depth);
    w.ascii(',"name":');
    w.member('name', this.name, depth);
    if (this.pathHashPrefixes !== undefined) {
      w.ascii(',"path_hash_prefixes":');
      w.member('path_hash_prefixes', this.pathHashPrefixes, depth);
    } else {
      w.ascii(',"paths":');
      w.member('paths', this.paths, depth);
    }
    w.ascii(this.terminating ? ',"terminating":true,"threshold":' : ',"terminating":false,"threshold":');
    w.member('threshold', this.threshold, depth);
    w.ascii('}');
    return true;
  }

  /** Whether this role is trusted for `targetPath` (by pattern, or by hash prefix of the path). */
  isDelegatedPath(targetPath: string): boolean {
    if (this.paths) return this.paths.some((p) => matchPathPattern(targetPath, p));
    const hash = sha256(targetPath).toString('hex');
    return this.pathHashPrefixes!.some((p) => hash.startsWith(p));
  }
}

/** TAP 15 succinct hash bins: 2^bit_length terminating roles named `<prefix>-<hex bin>`. */
export class SuccinctRoles implements RoleKeys {
  constructor(
    readonly keyids: readonly string[],
    readonly threshold: number,
    readonly bitLength: number,
    readonly namePrefix: string,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    if (!Number.isInteger(bitLength) || bitLength < 1 || bitLength > 32) {
      throw new FormatError('bit_length', `must be an integer from 1 to 32, got ${bitLength}`);
    }
    Object.freeze(keyids);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path: string): SuccinctRoles {
    const r = FieldReader.of(v, path);
    const keyids = r.stringArray('keyids', true);
    const threshold = r.integer('threshold', 1);
    const bitLength = r.integer('bit_length', 1);
    if (bitLength > 32) throw new FormatError(r.at('bit_length'), `must be from 1 to 32, got ${bitLength}`);
    return new SuccinctRoles(keyids, threshold, bitLength, r.string('name_prefix'), r.rest());
  }

  toJSON(): JsonObject {
    const out: JsonObject = {
      keyids: this.keyids,
      threshold: this.threshold,
      bit_length: this.bitLength,
      name_prefix: this.namePrefix,
    };
    for (const [k, v] of Object.entries(this.unrecognized)) setField(out, k, v);
    return out;
  }

  get numberOfBins(): number {
    return 2 ** this.bitLength;
  }

  private get suffixWidth(): number {
    return (this.numberOfBins - 1).toString(16).length;
  }

  binName(bin: number): string {
    return `${this.namePrefix}-${bin.toString(16).padStart(this.suffixWidth, '0')}`;
  }

  /** The bin of a target: first 4 bytes of sha256(path), big-endian, shifted (TAP 15). */
  binForPath(targetPath: string): number {
    return sha256(targetPath).readUInt32BE(0) >>> (32 - this.bitLength);
  }

  roleForTarget(targetPath: string): string {
    return this.binName(this.binForPath(targetPath));
  }

  /** The bin number for a role name of this set, or undefined when the name is not one of its bins. */
  binOfName(name: string): number | undefined {
    if (!name.startsWith(`${this.namePrefix}-`)) return undefined;
    const suffix = name.slice(this.namePrefix.length + 1);
    if (suffix.length !== this.suffixWidth || !/^[0-9a-f]+$/.test(suffix)) return undefined;
    const bin = parseInt(suffix, 16);
    return bin < this.numberOfBins ? bin : undefined;
  }
}

/**
 * A delegations object read from bytes that are already its canonical JSON, every field checked
 * while it was read (src/tuf/large-roles/delegations-reader.ts). Its keys and roles become objects only when
 * first used: a verifier that checks the role's signatures never makes a million of them.
 */
export interface CompactDelegations {
  /** The canonical JSON of the "keys" object. */
  readonly keys: Buffer;
  /** The canonical JSON of the "roles" array, when the delegations have one. */
  readonly roles: Buffer | undefined;
  /** Their objects, made from those bytes (checked while read) when first used. */
  readonly objects: () => { keys: Map<string, Key>; roles: DelegatedRole[] | undefined };
  /** Lookups of one role or key without making the others; undefined when the entries are not all of the usual shape. */
  readonly index: () => CompactIndex | undefined;
}

/**
 * The state of a Delegations, in an object of its own: a frozen Delegations (read-only metadata)
 * still makes its keys and roles from compact bytes on first use, and keeps its by-name index.
 */
interface DelegationsState {
  keys: Map<string, Key> | undefined;
  roles: DelegatedRole[] | undefined;
  compact: CompactDelegations | undefined;
  /** Read-only: the keys Map and the roles array are frozen (when made, for compact ones). */
  frozen: boolean;
  /** name → role, made on first lookup and only for frozen delegations, whose roles cannot change. */
  byName: Map<string, DelegatedRole> | undefined;
  /** For compact delegations: lookups into their bytes (null: none possible). */
  index: CompactIndex | null | undefined;
}

export class Delegations {
  private readonly state: DelegationsState;

  constructor(
    keys: Map<string, Key>,
    roles: DelegatedRole[] | undefined,
    readonly succinctRoles: SuccinctRoles | undefined,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    if ((roles === undefined) === (succinctRoles === undefined)) {
      throw new FormatError('delegations', 'exactly one of "roles" and "succinct_roles" must be set');
    }
    this.state = { keys, roles, compact: undefined, frozen: false, byName: undefined, index: undefined };
  }

  /** Delegations kept as their canonical bytes until first used (see CompactDelegations). */
  static compact(
    compact: CompactDelegations,
    succinctRoles: SuccinctRoles | undefined,
    unrecognized: JsonObject,
  ): Delegations {
    const d = new Delegations(new Map(), compact.roles ? [] : undefined, succinctRoles, unrecognized);
    d.state.compact = compact;
    d.state.keys = undefined;
    d.state.roles = undefined;
    return d;
  }

  /**
   * keyid → key. In read-only metadata a frozen Map; in metadata being edited the Map to change
   * (Metadata#edit: the payload is then made from it each time it is asked for).
   */
  get keys(): Map<string, Key> {
    this.materialize();
    return this.state.keys!;
  }

  get roles(): DelegatedRole[] | undefined {
    this.materialize();
    return this.state.roles;
  }

  get frozen(): boolean {
    return this.state.frozen;
  }

  /** Whether the keys and roles are still the canonical bytes they were read from (CompactDelegations). */
  get keptAsBytes(): boolean {
    return this.state.compact !== undefined;
  }

  /**
   * Make these delegations read-only: their keys Map and roles array (now, or when made from
   * compact bytes) and custom fields. The roles and keys in them are values, frozen when made.
   */
  freeze(): this {
    const st = this.state;
    if (st.frozen) return this;
    st.frozen = true;
    freezeJson(this.unrecognized);
    if (st.compact === undefined) this.freezeMembers();
    Object.freeze(this);
    return this;
  }

  private freezeMembers(): void {
    freezeMap(this.state.keys!);
    Object.freeze(this.state.roles);
  }

  /**
   * A mutable copy: a new keys Map and roles array holding the same (frozen) keys and roles, and
   * custom fields copied. Compact delegations stay compact: their objects are made, fresh and
   * mutable, when the copy's keys or roles are first used.
   */
  copy(): Delegations {
    const st = this.state;
    const unrecognized = copyJson(this.unrecognized);
    if (st.compact !== undefined) return Delegations.compact(st.compact, this.succinctRoles, unrecognized);
    return new Delegations(new Map(st.keys), st.roles && [...st.roles], this.succinctRoles, unrecognized);
  }

  static fromJSON(v: unknown, path: string): Delegations {
    const r = FieldReader.of(v, path);
    const keysObj = r.object('keys');
    const keysAt = r.at('keys');
    const rolesAt = r.at('roles');
    const keys = new Map<string, Key>();
    for (const keyid of Object.keys(keysObj)) keys.set(keyid, Key.fromJSON(keysObj[keyid], join(keysAt, keyid)));
    let roles: DelegatedRole[] | undefined;
    let succinct: SuccinctRoles | undefined;
    if (r.has('roles')) {
      const names = new Set<string>();
      roles = r.array('roles').map((rv, i) => {
        const role = DelegatedRole.fromJSON(rv, join(rolesAt, i));
        if (names.has(role.name)) throw new FormatError(join(rolesAt, i), `role "${role.name}" is delegated twice`);
        names.add(role.name);
        return role;
      });
    }
    if (r.has('succinct_roles')) succinct = SuccinctRoles.fromJSON(r.raw('succinct_roles'), r.at('succinct_roles'));
    r.optional('roles');
    if ((roles === undefined) === (succinct === undefined))
      throw new FormatError(path, 'exactly one of "roles" and "succinct_roles" must be set');
    // Every keyid a role lists is in keys; the path is only built for the error.
    const refs: RoleKeys[] = roles ?? [succinct!];
    for (let i = 0; i < refs.length; i++) {
      for (const keyid of refs[i]!.keyids) {
        if (!keys.has(keyid))
          throw new FormatError(
            `${roles ? join(rolesAt, i) : r.at('succinct_roles')}.keyids`,
            `keyid ${keyid} is not in delegations.keys`,
          );
      }
    }
    return new Delegations(keys, roles, succinct, r.rest());
  }

  /** Make the keys and roles of compact delegations; from then on they are the only truth. */
  private materialize(): void {
    const st = this.state;
    if (st.compact === undefined) return;
    const { keys, roles } = st.compact.objects();
    st.keys = keys;
    st.roles = roles;
    st.compact = undefined;
    if (st.frozen) this.freezeMembers();
  }

  toJSON(): JsonObject {
    const keys: JsonObject = {};
    for (const [keyid, key] of this.keys) setField(keys, keyid, key.toJSON());
    return this.withMembers(
      keys,
      this.roles?.map((r) => r.toJSON()),
      this.succinctRoles?.toJSON(),
    );
  }

  /** For the encoder: keys and roles as they are, each entry's JSON made only when written. */
  [JSON_VALUE](): unknown {
    // Compact keys and roles were read from their canonical bytes, which hold no control
    // characters; the rest (succinct_roles, custom fields) is written from the model.
    const c = this.state.compact;
    if (c !== undefined)
      return this.withMembers(
        new EncodedJson(c.keys, 0),
        c.roles && new EncodedJson(c.roles, 0),
        this.succinctRoles?.toJSON(),
      );
    return this.withMembers(this.keys, this.roles, this.succinctRoles?.toJSON());
  }

  private withMembers(keys: unknown, roles: unknown, succinct: unknown): JsonObject {
    const out: JsonObject = { keys };
    if (roles !== undefined) out['roles'] = roles;
    if (succinct !== undefined) out['succinct_roles'] = succinct;
    for (const [k, v] of Object.entries(this.unrecognized)) setField(out, k, v);
    return out;
  }

  /** The delegated roles trusted for a target path, in priority order, with their terminating flag. */
  *rolesForTarget(targetPath: string): Generator<{ name: string; terminating: boolean }> {
    const index = this.compactIndex();
    if (index) {
      yield* index.rolesForTarget(targetPath);
      return;
    }
    if (this.roles) {
      for (const role of this.roles) {
        if (role.isDelegatedPath(targetPath)) yield { name: role.name, terminating: role.terminating };
      }
    } else if (this.succinctRoles) {
      yield { name: this.succinctRoles.roleForTarget(targetPath), terminating: true };
    }
  }

  /** Lookups into compact bytes, while the delegations are still compact (their bytes cannot change). */
  private compactIndex(): CompactIndex | undefined {
    const st = this.state;
    if (st.compact === undefined || st.compact.roles === undefined) return undefined;
    if (st.index === undefined) st.index = st.compact.index() ?? null;
    return st.index ?? undefined;
  }

  /**
   * These delegations, the version after `before`, compared with it on their bytes, making objects
   * only of the keys and roles that differ (src/tuf/large-roles/compact-diff.ts): undefined unless
   * both are still compact, with roles, and every entry of the usual shape.
   */
  bytesDiffFrom(before: Delegations, orderNames: number): DelegationsBytesDiff | undefined {
    const a = before.compactIndex();
    const b = this.compactIndex();
    return a && b ? b.diffFrom(a, orderNames) : undefined;
  }

  /** How many roles are delegated (undefined for succinct roles), without making them. */
  get roleCount(): number | undefined {
    return this.compactIndex()?.roleCount ?? this.roles?.length;
  }

  /** The names of the delegated roles in priority order, without making the roles. */
  roleNames(): Iterable<string> {
    return this.compactIndex()?.roleNames() ?? (this.roles ?? []).map((r) => r.name);
  }

  /** The key listed under `keyid`, without making the others. */
  key(keyid: string): Key | undefined {
    const index = this.compactIndex();
    if (index) {
      const found = index.key(keyid);
      // null: the keys are not all of the usual shape, so the index cannot answer.
      if (found !== null) return found;
    }
    return this.keys.get(keyid);
  }

  /** The keys and threshold of a delegated role by name (a bin name for succinct roles). */
  roleKeys(name: string): DelegatedRole | SuccinctRoles | undefined {
    const index = this.compactIndex();
    if (index) return index.role(name);
    const roles = this.roles;
    if (roles) {
      // Only frozen roles are indexed: an index of roles that can still change could go stale.
      if (!this.state.frozen) return roles.find((r) => r.name === name);
      this.state.byName ??= new Map(roles.map((r) => [r.name, r]));
      return this.state.byName.get(name);
    }
    if (this.succinctRoles && this.succinctRoles.binOfName(name) !== undefined) return this.succinctRoles;
    return undefined;
  }
}
