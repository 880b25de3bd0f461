/**
 * The TUF metadata model: root, targets, snapshot, timestamp and the signed envelope
 * (TUF specification 1.0.x section 4). Parsing names the bad field;
 * unknown fields are kept and signed over; nothing is dropped on a round trip.
 */
import { canonicalizeEncoded, EncodedJson, JSON_VALUE, serializeJson } from '../json/canonical-json.js';
import { isLowerHex } from './digest.js';
import { FormatError, RefusedError, VerificationError, withContext } from '../base/errors.js';
import { FieldReader, join, NO_FIELDS, setField, type JsonObject } from './fields.js';
import { copyJson, freezeJson, freezeMap, frozenDate } from './frozen.js';
import { Key } from './key.js';
import { Delegations, Role, TOP_LEVEL_ROLES, type TopLevelRole } from './roles.js';
import type { Signer } from './signer.js';
import { DelegationsReading } from '../large-roles/delegations-reader.js';
import { detached, parseStrictJson, unescapeControls, type ReadPlan } from '../json/strict-json.js';
import { formatExpires, parseExpires } from '../base/time.js';

export const SPEC_VERSION = '1.0.31';
export type RoleType = 'root' | 'targets' | 'snapshot' | 'timestamp';

function copyUnrecognized(out: JsonObject, extra: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(extra)) setField(out, k, v);
  return out;
}

/**
 * Fields common to every signed part. A signed part is mutable until frozen (`freeze()`, which
 * Metadata does when it is read or signed): then it and every container in it refuse changes, and
 * `copy()` gives a mutable deep copy to change (Metadata#edit). The values in it (Key, Role,
 * DelegatedRole, SuccinctRoles, MetaFile, TargetFile) are frozen when made.
 */
export abstract class Signed {
  abstract readonly type: RoleType;
  version: number;
  expires: Date;
  specVersion: string;
  unrecognized: JsonObject;

  constructor(common: { version: number; expires: Date; specVersion?: string; unrecognized?: JsonObject }) {
    this.version = common.version;
    this.expires = common.expires;
    this.specVersion = common.specVersion ?? SPEC_VERSION;
    this.unrecognized = common.unrecognized ?? {};
  }

  protected static readCommon(r: FieldReader, expectedType: RoleType) {
    const type = r.string('_type');
    if (type !== expectedType) throw new FormatError(r.at('_type'), `expected "${expectedType}", got "${type}"`);
    const specVersion = r.string('spec_version');
    // Accept any 1.x[.y] (TUF specification 1.0.x section 4.2).
    if (!/^1\.\d+(\.\d+)?$/.test(specVersion))
      throw new FormatError(r.at('spec_version'), `unsupported spec_version "${specVersion}"`);
    const version = r.integer('version', 1);
    const expires = parseExpires(r.raw('expires'), r.at('expires'));
    return { version, expires, specVersion };
  }

  protected commonJSON(): JsonObject {
    return {
      _type: this.type,
      spec_version: this.specVersion,
      version: this.version,
      expires: formatExpires(this.expires),
    };
  }

  abstract toJSON(): JsonObject;

  /** A mutable deep copy: new containers (Maps, arrays, custom fields), the same frozen values. */
  abstract copy(): this;

  /** The containers of the subclass, frozen in place. */
  protected abstract freezeMembers(): void;

  /** Make this read-only, and everything in it; `expires` becomes a Date whose setters throw. */
  freeze(): this {
    if (Object.isFrozen(this)) return this;
    this.expires = frozenDate(this.expires);
    freezeJson(this.unrecognized);
    this.freezeMembers();
    Object.freeze(this);
    return this;
  }

  get frozen(): boolean {
    return Object.isFrozen(this);
  }

  /** The common fields, copied, for copy(). */
  protected copyCommon() {
    return {
      version: this.version,
      expires: new Date(this.expires.getTime()),
      specVersion: this.specVersion,
      unrecognized: copyJson(this.unrecognized),
    };
  }

  /** What the encoder writes: the same value as toJSON(), made as it is written where that is cheaper. */
  [JSON_VALUE](): JsonObject {
    return this.toJSON();
  }

  isExpired(at: Date): boolean {
    return this.expires.getTime() <= at.getTime();
  }
}

export class Root extends Signed {
  readonly type = 'root' as const;
  keys: Map<string, Key>;
  roles: Record<TopLevelRole, Role>;
  consistentSnapshot: boolean | undefined;

  constructor(
    init: ConstructorParameters<typeof Signed>[0] & {
      keys: Map<string, Key>;
      roles: Record<TopLevelRole, Role>;
      consistentSnapshot?: boolean;
    },
  ) {
    super(init);
    this.keys = init.keys;
    this.roles = init.roles;
    this.consistentSnapshot = init.consistentSnapshot;
  }

  static fromJSON(v: unknown, path = 'signed'): Root {
    const r = FieldReader.of(v, path);
    const common = Signed.readCommon(r, 'root');
    const keysObj = r.object('keys');
    const keys = new Map<string, Key>();
    for (const keyid of Object.keys(keysObj)) keys.set(keyid, Key.fromJSON(keysObj[keyid], join(r.at('keys'), keyid)));
    const rolesReader = FieldReader.of(r.raw('roles'), r.at('roles'));
    const roles = {} as Record<TopLevelRole, Role>;
    for (const name of TOP_LEVEL_ROLES) {
      const role = Role.fromJSON(rolesReader.raw(name), rolesReader.at(name));
      role.keyids.forEach((keyid, i) => {
        if (!keys.has(keyid))
          throw new FormatError(join(`${rolesReader.at(name)}.keyids`, i), `keyid ${keyid} is not in signed.keys`);
      });
      roles[name] = role;
    }
    const extraRoles = Object.keys(rolesReader.rest());
    if (extraRoles.length > 0)
      throw new FormatError(
        r.at('roles'),
        `root lists only root, targets, snapshot and timestamp; found "${extraRoles[0]}"`,
      );
    const cs = r.optional('consistent_snapshot');
    if (cs !== undefined && typeof cs !== 'boolean')
      throw new FormatError(r.at('consistent_snapshot'), 'expected true or false');
    return new Root({ ...common, keys, roles, consistentSnapshot: cs, unrecognized: r.rest() });
  }

  toJSON(): JsonObject {
    const keys: JsonObject = {};
    for (const [keyid, key] of this.keys) setField(keys, keyid, key.toJSON());
    const roles: JsonObject = {};
    for (const name of TOP_LEVEL_ROLES) roles[name] = this.roles[name].toJSON();
    const out = { ...this.commonJSON(), keys, roles };
    if (this.consistentSnapshot !== undefined) (out as JsonObject)['consistent_snapshot'] = this.consistentSnapshot;
    return copyUnrecognized(out, this.unrecognized);
  }

  copy(): this {
    return new Root({
      ...this.copyCommon(),
      keys: new Map(this.keys),
      roles: { ...this.roles },
      consistentSnapshot: this.consistentSnapshot,
    }) as this;
  }

  protected freezeMembers(): void {
    freezeMap(this.keys);
    Object.freeze(this.roles);
  }

  /** Add a key to a role, keeping the keys table; the keyid is computed from the key as written. */
  addKey(role: TopLevelRole, key: Key): void {
    const keyid = key.keyid;
    const entry = this.roles[role];
    if (entry.keyids.includes(keyid)) throw new RefusedError(`key ${keyid} is already a ${role} key`);
    this.keys.set(keyid, key);
    this.roles[role] = new Role([...entry.keyids, keyid], entry.threshold, entry.unrecognized);
  }

  /** Remove a key from a role; the key leaves the table when no role uses it any more. */
  revokeKey(role: TopLevelRole, keyid: string): void {
    const entry = this.roles[role];
    if (!entry.keyids.includes(keyid)) throw new RefusedError(`key ${keyid} is not a ${role} key`);
    this.roles[role] = new Role(
      entry.keyids.filter((id) => id !== keyid),
      entry.threshold,
      entry.unrecognized,
    );
    if (!TOP_LEVEL_ROLES.some((r) => this.roles[r].keyids.includes(keyid))) this.keys.delete(keyid);
  }
}

/** A value: frozen when made, its hashes and custom fields too (frozen in place). */
export class MetaFile {
  constructor(
    readonly version: number,
    readonly length?: number,
    readonly hashes?: Readonly<Record<string, string>>,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    Object.freeze(hashes);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path: string): MetaFile {
    const r = FieldReader.of(v, path);
    const version = r.integer('version', 1);
    const length = r.has('length') ? r.integer('length', 0) : undefined;
    const hashes = r.has('hashes') ? readHashes(r.raw('hashes'), r.at('hashes')) : undefined;
    r.optional('length');
    r.optional('hashes');
    return new MetaFile(version, length, hashes, r.rest());
  }

  toJSON(): JsonObject {
    const out: JsonObject = { version: this.version };
    if (this.length !== undefined) out['length'] = this.length;
    if (this.hashes !== undefined) out['hashes'] = this.hashes;
    return copyUnrecognized(out, this.unrecognized);
  }
}

function readHashes(v: unknown, path: string): Record<string, string> {
  const r = FieldReader.of(v, path);
  const out: Record<string, string> = {};
  const names = Object.keys(r.obj);
  if (names.length === 0) throw new FormatError(path, 'at least one hash is required');
  for (const alg of names) {
    const h = r.string(alg);
    if (!isLowerHex(h) || h.length === 0) throw new FormatError(r.at(alg), 'expected lowercase hex');
    setField(out, alg, h);
  }
  return out;
}

/** A value: frozen when made, its hashes and custom fields too (frozen in place). */
export class TargetFile {
  constructor(
    readonly length: number,
    readonly hashes: Readonly<Record<string, string>>,
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    Object.freeze(hashes);
    freezeJson(unrecognized);
    Object.freeze(this);
  }

  static fromJSON(v: unknown, path: string): TargetFile {
    const r = FieldReader.of(v, path);
    return new TargetFile(r.integer('length', 0), readHashes(r.raw('hashes'), r.at('hashes')), r.rest());
  }

  toJSON(): JsonObject {
    return copyUnrecognized({ length: this.length, hashes: this.hashes }, this.unrecognized);
  }
}

export class Targets extends Signed {
  readonly type = 'targets' as const;
  targets: Map<string, TargetFile>;
  delegations: Delegations | undefined;

  constructor(
    init: ConstructorParameters<typeof Signed>[0] & { targets?: Map<string, TargetFile>; delegations?: Delegations },
  ) {
    super(init);
    this.targets = init.targets ?? new Map<string, TargetFile>();
    this.delegations = init.delegations;
  }

  /** `reading`: the delegations were checked as they were read (see DelegationsReading). */
  static fromJSON(v: unknown, path = 'signed', reading?: DelegationsReading): Targets {
    const r = FieldReader.of(v, path);
    const common = Signed.readCommon(r, 'targets');
    const tObj = r.object('targets');
    const targets = new Map<string, TargetFile>();
    for (const name of Object.keys(tObj))
      targets.set(name, TargetFile.fromJSON(tObj[name], join(r.at('targets'), name)));
    let delegations: Delegations | undefined;
    if (r.has('delegations')) {
      const raw = r.raw('delegations');
      delegations = reading ? reading.delegations(raw) : Delegations.fromJSON(raw, r.at('delegations'));
    }
    r.optional('delegations');
    return new Targets({ ...common, targets, delegations, unrecognized: r.rest() });
  }

  toJSON(): JsonObject {
    return this.json(this.delegations?.toJSON());
  }

  copy(): this {
    return new Targets({
      ...this.copyCommon(),
      targets: new Map(this.targets),
      delegations: this.delegations?.copy(),
    }) as this;
  }

  protected freezeMembers(): void {
    freezeMap(this.targets);
    this.delegations?.freeze();
  }

  override [JSON_VALUE](): JsonObject {
    return this.json(this.delegations);
  }

  private json(delegations: unknown): JsonObject {
    const targets: JsonObject = {};
    for (const [name, t] of this.targets) setField(targets, name, t.toJSON());
    const out: JsonObject = { ...this.commonJSON(), targets };
    if (delegations !== undefined) out['delegations'] = delegations;
    return copyUnrecognized(out, this.unrecognized);
  }
}

export class Snapshot extends Signed {
  readonly type = 'snapshot' as const;
  meta: Map<string, MetaFile>;

  constructor(init: ConstructorParameters<typeof Signed>[0] & { meta: Map<string, MetaFile> }) {
    super(init);
    this.meta = init.meta;
  }

  static fromJSON(v: unknown, path = 'signed'): Snapshot {
    const r = FieldReader.of(v, path);
    const common = Signed.readCommon(r, 'snapshot');
    const metaObj = r.object('meta');
    const meta = new Map<string, MetaFile>();
    for (const name of Object.keys(metaObj)) meta.set(name, MetaFile.fromJSON(metaObj[name], join(r.at('meta'), name)));
    return new Snapshot({ ...common, meta, unrecognized: r.rest() });
  }

  toJSON(): JsonObject {
    const meta: JsonObject = {};
    for (const [name, m] of this.meta) setField(meta, name, m.toJSON());
    return copyUnrecognized({ ...this.commonJSON(), meta }, this.unrecognized);
  }

  copy(): this {
    return new Snapshot({ ...this.copyCommon(), meta: new Map(this.meta) }) as this;
  }

  protected freezeMembers(): void {
    freezeMap(this.meta);
  }
}

export class Timestamp extends Signed {
  readonly type = 'timestamp' as const;
  snapshotMeta: MetaFile;

  constructor(init: ConstructorParameters<typeof Signed>[0] & { snapshotMeta: MetaFile }) {
    super(init);
    this.snapshotMeta = init.snapshotMeta;
  }

  static fromJSON(v: unknown, path = 'signed'): Timestamp {
    const r = FieldReader.of(v, path);
    const common = Signed.readCommon(r, 'timestamp');
    const meta = FieldReader.of(r.raw('meta'), r.at('meta'));
    const snapshotMeta = MetaFile.fromJSON(meta.raw('snapshot.json'), meta.at('snapshot.json'));
    const extra = Object.keys(meta.rest());
    if (extra.length > 0)
      throw new FormatError(r.at('meta'), `timestamp lists only snapshot.json; found "${extra[0]}"`);
    return new Timestamp({ ...common, snapshotMeta, unrecognized: r.rest() });
  }

  toJSON(): JsonObject {
    return copyUnrecognized(
      { ...this.commonJSON(), meta: { 'snapshot.json': this.snapshotMeta.toJSON() } },
      this.unrecognized,
    );
  }

  copy(): this {
    return new Timestamp({ ...this.copyCommon(), snapshotMeta: this.snapshotMeta }) as this;
  }

  protected freezeMembers(): void {
    // snapshotMeta is a MetaFile, frozen when made.
  }
}

export type AnySigned = Root | Targets | Snapshot | Timestamp;

export interface Signature {
  readonly keyid: string;
  readonly sig: string;
}

const PARSERS: Record<RoleType, (v: unknown, path: string, reading?: DelegationsReading) => AnySigned> = {
  root: (v, path) => Root.fromJSON(v, path),
  targets: (v, path, reading) => Targets.fromJSON(v, path, reading),
  snapshot: (v, path) => Snapshot.fromJSON(v, path),
  timestamp: (v, path) => Timestamp.fromJSON(v, path),
};

export type SignMode = 'append' | 'replace';

/**
 * The signed envelope: `{"signed": …, "signatures": [{"keyid", "sig"}]}`.
 *
 * Read-only or mutable (docs/decisions/0005-payload-from-canonical-bytes.md, "What is cached
 * when"). Metadata read (fromBytes, fromJSON) is read-only: `signed` and everything in it refuse
 * changes, and its payload is computed once and kept. Metadata made with `new` or `edit()` is
 * mutable: its payload is computed from `signed` each time it is asked for, so no change can be
 * left out of what is signed. Signing freezes it (a signature covers the content as it is), and
 * so does `freeze()`. `signatures` stays mutable in both: signing adds to it.
 */
export class Metadata<T extends AnySigned = AnySigned> {
  /** keyid → signature, in the order they were added; keyids are unique (TUF specification 1.0.x section 4.2). */
  readonly signatures: Map<string, Signature>;
  /** The payload of frozen metadata, made on first use (or read with it); never of mutable metadata. */
  private cached: EncodedJson | undefined;

  constructor(
    readonly signed: T,
    signatures: Iterable<Signature> = [],
    readonly unrecognized: JsonObject = NO_FIELDS,
  ) {
    this.signatures = new Map();
    for (const s of signatures) this.signatures.set(s.keyid, s);
    Object.defineProperty(this, 'signed', { writable: false });
    Object.defineProperty(this, 'unrecognized', { writable: false });
  }

  /** Whether `signed` is read-only (read, signed or frozen), so that its payload is kept. */
  get frozen(): boolean {
    return this.signed.frozen;
  }

  /** Make `signed` (and the envelope's custom fields) read-only; the payload is kept from now on. */
  freeze(): this {
    this.signed.freeze();
    freezeJson(this.unrecognized);
    return this;
  }

  /**
   * A mutable copy to change: `signed` deep-copied (new Maps, arrays and custom fields; keys, roles
   * and file entries are values and shared), `change` applied to it, and no signatures. Compact
   * delegations stay compact in the copy until its keys or roles are used.
   */
  edit(change: (signed: T) => void = () => {}): Metadata<T> {
    const signed = this.signed.copy() as T;
    change(signed);
    return new Metadata<T>(signed, [], copyJson(this.unrecognized));
  }

  static fromJSON<T extends AnySigned = AnySigned>(
    v: unknown,
    expected?: T['type'],
    reading?: DelegationsReading,
  ): Metadata<T> {
    const r = FieldReader.of(v, '');
    const signedObj = FieldReader.of(r.raw('signed'), 'signed');
    const type = signedObj.string('_type');
    if (!(type in PARSERS)) throw new FormatError('signed._type', `unknown metadata type "${type}"`);
    if (expected && type !== expected) throw new FormatError('signed._type', `expected "${expected}", got "${type}"`);
    const signed = PARSERS[type as RoleType](signedObj.obj, 'signed', reading) as T;
    const sigs: Signature[] = [];
    const seen = new Set<string>();
    r.array('signatures').forEach((sv, i) => {
      const sr = FieldReader.of(sv, `signatures[${i}]`);
      // Kept with the metadata, whose delegations may be only bytes: not a slice of the whole file.
      const keyid = detached(sr.string('keyid'));
      const sig = detached(sr.string('sig'));
      if (!isLowerHex(sig)) throw new FormatError(sr.at('sig'), 'expected lowercase hex');
      // keyids in signatures are unique (TUF specification 1.0.x section 4.2): a second one is refused, not ignored.
      if (seen.has(keyid)) throw new FormatError(sr.at('keyid'), `keyid ${keyid} signs twice`);
      seen.add(keyid);
      sigs.push({ keyid, sig });
    });
    return new Metadata<T>(signed, sigs, r.rest()).freeze();
  }

  /** Parse metadata bytes; errors name `source` (a file name) and the field. */
  static fromBytes<T extends AnySigned = AnySigned>(
    bytes: Uint8Array,
    source: string,
    expected?: T['type'],
  ): Metadata<T> {
    const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return withContext(source, () => {
      let signedAt: { start: number; end: number; canonical: boolean; controls: number } | undefined;
      const reading =
        expected === undefined || expected === 'targets'
          ? new DelegationsReading('signed.delegations', input)
          : undefined;
      const plan: ReadPlan = {
        members: {
          signed: {
            range: (start, end, canonical, controls) => (signedAt = { start, end, canonical, controls }),
            members: reading ? { delegations: reading.plan } : undefined,
          },
        },
      };
      let json = parseStrictJson(input, '', plan);
      // Streamed delegations belong to targets only; anywhere else (a custom field of another
      // role) the document is read again as plain JSON, so that nothing is lost.
      if (reading?.met && (json as { signed?: { _type?: unknown } }).signed?._type !== 'targets')
        json = parseStrictJson(input, '');
      // The metadata keeps its own copy of the signed bytes, never a view of the caller's buffer.
      // When they are canonical they are the payload: signatures cover the canonical JSON of
      // `signed` (TUF specification 1.0.x sections 4.1 and 4.2), which these bytes are exactly (decision 0005).
      const signed = signedAt?.canonical ? Buffer.from(input.subarray(signedAt.start, signedAt.end)) : undefined;
      // Compact delegations keep their bytes as slices of that copy rather than a second one.
      if (signed) reading?.keepBytesFrom(signed, signedAt!.start);
      const md = Metadata.fromJSON<T>(json, expected, reading?.met ? reading : undefined);
      // Control characters are escaped in the file and raw in the payload (docs/decisions/0001-canonical-json.md).
      const controls = signedAt?.controls ?? 0;
      if (signed) md.cached = new EncodedJson(controls === 0 ? signed : unescapeControls(signed), controls);
      return md;
    });
  }

  toJSON(): JsonObject {
    return this.envelope(this.signed.toJSON());
  }

  private envelope(signed: unknown, extra: readonly Signature[] = []): JsonObject {
    const out: JsonObject = {
      signed,
      signatures: [...this.signatures.values(), ...extra].map((s) => ({ keyid: s.keyid, sig: s.sig })),
    };
    return copyUnrecognized(out, this.unrecognized);
  }

  /**
   * The file form: compact JSON with sorted keys and a final newline. The signed part is written
   * from its canonical bytes (the payload when already made), not encoded a second time.
   */
  toBytes(): Buffer {
    return serializeJson(this.envelope(this.encodedPayload()));
  }

  /**
   * The file form with `extra` signatures after the present ones, this object unchanged: what a
   * signing event writes before it keeps the new signatures in memory.
   */
  toBytesWith(extra: readonly Signature[]): Buffer {
    return serializeJson(this.envelope(this.encodedPayload(), extra));
  }

  /**
   * The exact bytes a signature covers: canonical JSON of `signed` only (TUF specification 1.0.x section 4.2).
   * Kept once `signed` is frozen; made afresh each time while it can still change.
   */
  payload(): Buffer {
    return this.encodedPayload().canonical as Buffer;
  }

  private encodedPayload(): EncodedJson {
    if (!this.signed.frozen) return canonicalizeEncoded(this.signed);
    return (this.cached ??= canonicalizeEncoded(this.signed));
  }

  /**
   * A signature by `signer` over the payload, verified in software before it is returned
   * (docs/threat-model.md section 2); nothing is kept. `signed` is frozen first: what is signed
   * cannot change afterwards, a later change goes through edit() (a new object).
   */
  async signatureBy(signer: Signer): Promise<Signature> {
    this.freeze();
    const payload = this.payload();
    const raw = await signer.sign(payload);
    if (!signer.key.verifyMadeHere(payload, raw)) {
      throw new VerificationError(
        `the signature just made by ${signer.description ?? signer.key.keyid} does not verify; it was not kept`,
        'E_BAD_NEW_SIGNATURE',
      );
    }
    return { keyid: signer.key.keyid, sig: Buffer.from(raw).toString('hex') };
  }

  /**
   * Sign with an asynchronous signer (an HSM signs asynchronously). `append` adds a signature and
   * refuses a second one by the same key; `replace` drops all signatures first. The new signature
   * is verified in software before it is kept (docs/threat-model.md section 2).
   */
  async sign(signer: Signer, mode: SignMode): Promise<Signature> {
    const keyid = signer.key.keyid;
    if (mode === 'append' && this.signatures.has(keyid)) {
      throw new RefusedError(
        `${this.signed.type} v${this.signed.version} is already signed by key ${keyid}`,
        'E_ALREADY_SIGNED',
      );
    }
    const signature = await this.signatureBy(signer);
    if (mode === 'replace') this.signatures.clear();
    this.signatures.set(keyid, signature);
    return signature;
  }

  /** Add a signature made elsewhere, after checking it against `key`. */
  addVerifiedSignature(key: Key, signature: Signature): void {
    if (signature.keyid !== key.keyid)
      throw new RefusedError(`signature keyid ${signature.keyid} is not the key's keyid ${key.keyid}`);
    this.freeze();
    if (!key.verify(this.payload(), Buffer.from(signature.sig, 'hex'))) {
      throw new VerificationError(
        `signature by ${signature.keyid} does not verify over ${this.signed.type} v${this.signed.version}`,
      );
    }
    this.signatures.set(signature.keyid, signature);
  }
}
