/**
 * A signing event (docs/formats/event.md): a folder that travels on removable media, holding the
 * metadata to sign with the signatures collected so far, the SHA-256 of each payload, the version
 * it replaces, a description of the change, and the current metadata it builds on (`base/`), so
 * that an admin at another machine can see what changes and who must sign without the repository.
 *
 *   <event>/event.json          what is signed, by digest (never changes after creation)
 *   <event>/N.<role>.json       the metadata being signed, signatures so far
 *   <event>/base/N.<role>.json  the versions replaced and the delegators' current metadata
 *
 * Nothing in an event is trusted at finalize: the repository's own metadata decides (tuf-on-ci's
 * "trust only your local tool"). The event's own view is for showing and collecting signatures.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canonicalize, parseStrictJson } from '../../tuf/json/index.js';
import {
  FieldReader,
  groupedHex,
  isLowerHex,
  join as joinField,
  type JsonObject,
  type Key,
  Metadata,
  type RoleKeys,
  Root,
  sha256Hex,
  type Signature,
  Targets,
} from '../../tuf/model/index.js';
import {
  FormatError,
  formatExpires,
  parseExpires,
  RefusedError,
  UsageError,
  VerificationError,
  withContext,
} from '../../tuf/base/index.js';
import { roleFileName, verifyRole } from '../../tuf/verify/index.js';
import {
  fsyncDir,
  mediumError,
  partialPrefix,
  readsBackAs,
  removeQuietly,
  replaceWorkingFiles,
  writeExclusiveFiles,
} from '../../bundle/index.js';
import { eventDigest } from './event-digest.js';
import { describeKey, ownerOf } from '../state/holders.js';
import { EVENT_FILE } from '../state/event-journal.js';
import type { Repository } from '../state/repository.js';

export { EVENT_FILE };
export const EVENT_FORMAT = 1;
export const BASE_DIR = 'base';

/** One set of keys whose threshold a role in the event must meet. */
export interface Authorization {
  /** For people: "root v1 (the previous root keys)", "targets v2 → claimed". */
  label: string;
  /** Which metadata says so: role and version. */
  source: { role: string; version: number };
  keyids: string[];
  threshold: number;
  keys: Map<string, Key>;
}

export interface EventRole {
  role: string;
  file: string;
  version: number;
  /** The version this one replaces (absent for a version 1). */
  replaces?: number;
  /** The role whose delegation authorizes this one (root for targets; absent for root). */
  delegatedBy?: string;
  metadata: Metadata;
  payloadSha256: string;
  /** The version replaced, from base/, for the summary. */
  previous?: Metadata;
  /** Every threshold this role must meet (a new root: the previous root's and its own). */
  thresholds: Authorization[];
}

export interface SignerRef {
  keyid: string;
  holder?: string;
}

export interface ThresholdStatus {
  label: string;
  threshold: number;
  have: number;
  need: number;
  met: boolean;
  signed: SignerRef[];
  missing: SignerRef[];
  bad: SignerRef[];
}

export interface RoleStatus {
  role: string;
  version: number;
  file: string;
  payloadSha256: string;
  complete: boolean;
  thresholds: ThresholdStatus[];
}

export interface EventStatus {
  complete: boolean;
  roles: RoleStatus[];
  /** Holders with at least one key whose signature would still help a threshold not met. */
  missingHolders: string[];
}

export interface EventRoleInit {
  role: string;
  metadata: Metadata;
  /** Defaults: root for targets; else the targets-type role (in the event or the base) that delegates it. */
  delegatedBy?: string;
}

export interface CreateEventInit {
  kind: string;
  description: string;
  /** The repository's name; defaults to the plan's. */
  repository?: string;
  roles: EventRoleInit[];
  /** Take the base metadata (versions replaced, delegators) from this repository. */
  repo?: Repository;
  /** Or give it explicitly. */
  base?: Array<{ role: string; metadata: Metadata }>;
  details?: Record<string, unknown>;
  created?: Date;
}

interface BaseEntry {
  role: string;
  version: number;
  metadata: Metadata;
  bytes: Buffer;
}

const ROLE_ORDER = (role: string): number => (role === 'root' ? 0 : role === 'targets' ? 1 : 2);

/**
 * A base entry whose metadata is parsed on first use: finalize, status and merge never look
 * inside `base/`, which for a claim at 2^10 bins holds 1,024 files. `check` runs on the parsed
 * metadata before anyone sees it.
 */
function lazyBaseEntry(
  role: string,
  version: number,
  bytes: Buffer,
  parse: () => Metadata,
  check: (md: Metadata) => void = () => {},
): BaseEntry {
  let md: Metadata | undefined;
  return {
    role,
    version,
    bytes,
    get metadata(): Metadata {
      if (md === undefined) {
        const parsed = parse();
        check(parsed);
        md = parsed;
      }
      return md;
    },
  };
}

function baseFileName(role: string, version: number): string {
  return `${BASE_DIR}/${roleFileName(role, version)}`;
}

/**
 * Why `version` of a role cannot be the next one after the repository's `current`, or undefined
 * when it can: every change is exactly +1 (TUF specification 1.0.x section 4.2).
 */
export function nextVersionProblem(role: string, version: number, current: number | undefined): string | undefined {
  if (current !== undefined && current >= version)
    return `${role} v${version} is in the repository already (was this event finalized before?)`;
  if ((current ?? 0) + 1 !== version)
    return `${role} v${version} does not follow the repository's ${current === undefined ? 'state (no version yet)' : `v${current}`}`;
  return undefined;
}

/** The current metadata an event builds on, from a repository. */
export function baseFromRepository(repo: Repository, roles: EventRoleInit[]): BaseEntry[] {
  const base = new Map<string, BaseEntry>();
  const inEvent = new Set(roles.map((r) => r.role));
  // Each file is read and parsed once, whether it becomes part of the base or was only looked at.
  const read = new Map<string, BaseEntry>();
  const readEntry = (role: string, version: number): BaseEntry => {
    const key = `${version}.${role}`;
    let entry = read.get(key);
    if (entry === undefined) {
      const bytes = repo.readBytes(role, version);
      entry = lazyBaseEntry(role, version, bytes, () =>
        Metadata.fromBytes(bytes, repo.path(role, version), role === 'root' ? 'root' : 'targets'),
      );
      read.set(key, entry);
    }
    return entry;
  };
  const add = (role: string, version: number): void => {
    const key = `${version}.${role}`;
    if (!base.has(key)) base.set(key, readEntry(role, version));
  };
  for (const r of roles) {
    const current = repo.currentVersion(r.role);
    // An event is made against the current version.
    const problem = nextVersionProblem(r.role, r.metadata.signed.version, current);
    if (problem) throw new RefusedError(problem, 'E_NOT_NEXT_VERSION');
    if (current !== undefined) add(r.role, current);
  }
  // The delegators not in the event: their current versions say who signs.
  for (const r of roles) {
    if (r.role === 'root') continue;
    const delegator = r.delegatedBy ?? (r.role === 'targets' ? 'root' : undefined);
    const candidates = delegator
      ? [delegator]
      : ['targets', ...repo.roles().filter((x) => x !== 'root' && x !== 'targets')];
    for (const c of candidates) {
      const inThisEvent = roles.find((x) => x.role === c);
      if (inThisEvent) {
        if (c === 'root' || delegatesTo(inThisEvent.metadata, r.role)) break;
        continue;
      }
      const v = repo.currentVersion(c);
      if (v === undefined) continue;
      if (c === 'root' || delegatesTo(readEntry(c, v).metadata, r.role)) {
        add(c, v);
        break;
      }
    }
  }
  // The root a client trusts: the current one (targets-type roles' keys chain from it).
  const rootVersion = repo.currentVersion('root');
  if (rootVersion !== undefined && !inEvent.has('root')) add('root', rootVersion);
  return [...base.values()];
}

function delegatesTo(md: Metadata, role: string): boolean {
  return md.signed instanceof Targets && md.signed.delegations?.roleKeys(role) !== undefined;
}

function authorizationFrom(md: Metadata, sourceRole: string, role: string, label: string): Authorization | undefined {
  let roleKeys: RoleKeys | undefined;
  let keys: Map<string, Key> | undefined;
  if (md.signed instanceof Root) {
    roleKeys = role === 'root' || role === 'targets' ? md.signed.roles[role] : undefined;
    keys = md.signed.keys;
  } else if (md.signed instanceof Targets && md.signed.delegations) {
    roleKeys = md.signed.delegations.roleKeys(role);
    keys = md.signed.delegations.keys;
  }
  if (!roleKeys || !keys) return undefined;
  const own = new Map<string, Key>();
  for (const id of roleKeys.keyids) {
    const k = keys.get(id);
    if (k) own.set(id, k);
  }
  return {
    label,
    source: { role: sourceRole, version: md.signed.version },
    keyids: [...roleKeys.keyids],
    threshold: roleKeys.threshold,
    keys: own,
  };
}

/** Work out who must sign each role, from the event's own metadata and its base. */
function resolveThresholds(roles: EventRole[], base: BaseEntry[]): void {
  const findIn = (role: string): Metadata | undefined =>
    roles.find((r) => r.role === role)?.metadata ?? latestBase(base, role)?.metadata;
  for (const r of roles) {
    const v = r.version;
    if (r.role === 'root') {
      // A new root needs a threshold of the previous root's keys AND of its own (TUF spec 5.3.4-5.3.5).
      if (r.previous)
        r.thresholds.push(authorizationFrom(r.previous, 'root', 'root', `root v${v - 1} (the previous root keys)`)!);
      r.thresholds.push(authorizationFrom(r.metadata, 'root', 'root', `root v${v} (its own root keys)`)!);
      continue;
    }
    const delegator = r.delegatedBy!;
    const md = findIn(delegator);
    if (!md)
      throw new FormatError(
        `${EVENT_FILE}: roles.${r.role}`,
        `delegated by ${delegator}, which is neither in the event nor in ${BASE_DIR}/`,
      );
    const auth = authorizationFrom(md, delegator, r.role, `${delegator} v${md.signed.version} → ${r.role}`);
    if (!auth)
      throw new FormatError(
        `${EVENT_FILE}: roles.${r.role}`,
        `${delegator} v${md.signed.version} does not delegate ${r.role}`,
      );
    r.thresholds.push(auth);
  }
}

function latestBase(base: BaseEntry[], role: string): BaseEntry | undefined {
  return base.filter((b) => b.role === role).sort((a, b) => b.version - a.version)[0];
}

function defaultDelegator(role: string, roles: EventRoleInit[], base: BaseEntry[]): string {
  if (role === 'targets') return 'root';
  const sources = [...roles.map((r) => ({ role: r.role, metadata: r.metadata })), ...base];
  const preferred = sources.sort((a, b) => (a.role === 'targets' ? -1 : b.role === 'targets' ? 1 : 0));
  const found = preferred.find((s) => s.role !== role && delegatesTo(s.metadata, role));
  if (!found) throw new UsageError(`no role in the event or the repository delegates to ${role}`, 'E_NO_DELEGATOR');
  return found.role;
}

/** An event computed and checked, not yet written: what stageEventFolder writes. */
export interface PreparedEvent {
  /** The event as it will read once written (its id, roles and thresholds are final). */
  event: SigningEvent;
  /** The folder's final path, absolute. */
  dir: string;
  /** event.json as written. */
  eventJson: Buffer;
  files: ReadonlyArray<readonly [string, { bytes: Uint8Array }]>;
  subfolders: string[];
}

/**
 * The first half of writing an event folder so that it appears whole or not at all: everything
 * goes into a hidden `.<name>.partial-<random>` beside it (each file fsynced, then the folders)
 * and is read back. Returns the hidden folder, for installEventFolder. A partial folder a power
 * cut left for this name is removed first (docs/formats/event.md, "Crash safety").
 */
export function stageEventFolder(p: PreparedEvent): string {
  const parent = dirname(p.dir);
  const prefix = partialPrefix(p.dir);
  const temp = join(parent, `${prefix}${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(parent, { recursive: true });
    for (const name of readdirSync(parent))
      if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
    mkdirSync(temp);
    for (const sub of p.subfolders) mkdirSync(join(temp, sub));
    // The folder is new and hidden: each file is written in place (O_EXCL), all are fsynced
    // together, and each folder once after all its entries (a sharded claimed role has thousands
    // of bins).
    writeExclusiveFiles(p.files.map(([file, { bytes }]) => [join(temp, file), bytes] as const));
    for (const sub of p.subfolders) fsyncDir(join(temp, sub));
    fsyncDir(temp);
    // Read back what reached the medium and compare, before it has its name.
    for (const [file, { bytes }] of p.files) {
      if (!readsBackAs(join(temp, file), bytes))
        throw new VerificationError(`${join(temp, file)} does not read back as written`, 'E_MEDIUM_READBACK');
    }
  } catch (e) {
    removeQuietly(temp);
    throw mediumError(e, parent, "nothing was written under the event's name");
  }
  return temp;
}

/** The second half: the staged folder takes its name (rename(2)) and the parent is fsynced. */
export function installEventFolder(temp: string, abs: string): void {
  // rename(2) would replace an empty folder: the check that none is there comes last.
  if (existsSync(abs)) {
    rmSync(temp, { recursive: true, force: true });
    throw new RefusedError(
      `${abs} appeared while the event was being written; a signing event is always a new folder`,
      'E_EXISTS',
    );
  }
  renameSync(temp, abs);
  fsyncDir(dirname(abs));
}

export class SigningEvent {
  readonly dir: string;
  readonly kind: string;
  readonly description: string;
  readonly repository: string;
  readonly created: string;
  readonly details: Record<string, unknown> | undefined;
  /** SHA-256 of event.json: equal for every copy of the same event. */
  readonly id: string;
  /** The event digest over every role's payload digest (event-digest.ts): what each admin confirms. */
  readonly digest: string;
  private readonly eventRoles: EventRole[];
  private readonly base: BaseEntry[];
  private statusMemo: EventStatus | undefined;

  private constructor(dir: string, wire: JsonObject, bytes: Buffer, roles: EventRole[], base: BaseEntry[]) {
    this.dir = dir;
    this.kind = wire['kind'] as string;
    this.description = wire['description'] as string;
    this.repository = wire['repository'] as string;
    this.created = wire['created'] as string;
    this.details = wire['details'] as Record<string, unknown> | undefined;
    this.id = sha256Hex(bytes);
    this.digest = eventDigest(roles);
    this.eventRoles = roles;
    this.base = base;
  }

  /**
   * Write a new event folder; refuses a folder that exists. A command that records the event in a
   * repository's transcript uses createRecordedEvent (event-journal.ts) instead, which writes both
   * as one unit.
   */
  static create(dir: string, init: CreateEventInit): SigningEvent {
    if (existsSync(resolve(dir)))
      throw new RefusedError(`${dir} exists already; a signing event is always a new folder`, 'E_EXISTS');
    const prepared = SigningEvent.prepare(dir, init);
    installEventFolder(stageEventFolder(prepared), prepared.dir);
    return prepared.event;
  }

  /** Compute and check a new event (thresholds resolvable, delegators present); writes nothing. */
  static prepare(dir: string, init: CreateEventInit): PreparedEvent {
    const abs = resolve(dir);
    if (init.roles.length === 0) throw new UsageError('a signing event needs at least one role to sign');
    const names = new Set<string>();
    for (const r of init.roles) {
      if (names.has(r.role)) throw new UsageError(`${r.role} appears twice in one signing event`);
      names.add(r.role);
    }
    const base: BaseEntry[] = init.repo
      ? baseFromRepository(init.repo, init.roles)
      : (init.base ?? []).map((b) => ({
          role: b.role,
          version: b.metadata.signed.version,
          metadata: b.metadata,
          bytes: b.metadata.toBytes(),
        }));
    // What an event asks to sign cannot change afterwards; frozen, each payload is encoded once
    // and the file form is written from it.
    for (const r of init.roles) r.metadata.freeze();
    const roles = [...init.roles].sort((a, b) => ROLE_ORDER(a.role) - ROLE_ORDER(b.role));
    const repository = init.repository ?? init.repo?.plan().repository;
    if (!repository) throw new UsageError('a signing event names its repository');
    // Each digest is computed once: fromParts below checks the same bytes against event.json
    // (1,024 bins and their base are 420 MB to hash at 600k projects in 2^10 bins).
    const digests = new WeakMap<Uint8Array, string>();
    const digest = (bytes: Buffer): string => {
      let d = digests.get(bytes);
      if (d === undefined) digests.set(bytes, (d = sha256Hex(bytes)));
      return d;
    };
    const wireRoles = roles.map((r) => {
      const version = r.metadata.signed.version;
      const out: JsonObject = {
        role: r.role,
        file: roleFileName(r.role, version),
        version,
        payload_sha256: digest(r.metadata.payload()),
      };
      if (version > 1) out['replaces'] = version - 1;
      if (r.role !== 'root') out['delegated_by'] = r.delegatedBy ?? defaultDelegator(r.role, roles, base);
      return out;
    });
    const wire: JsonObject = {
      event_format: EVENT_FORMAT,
      kind: init.kind,
      description: init.description,
      repository,
      created: formatExpires(init.created ?? new Date()),
      roles: wireRoles,
      base: base.map((b) => ({
        role: b.role,
        version: b.version,
        file: baseFileName(b.role, b.version),
        sha256: digest(b.bytes),
      })),
    };
    if (init.details) wire['details'] = init.details;
    // Each file is encoded once; the parsed metadata in hand is reused rather than parsed again
    // (a flat claimed role for a large index is tens of MB).
    const files = new Map<string, { bytes: Buffer; metadata: Metadata }>();
    for (const r of roles)
      files.set(roleFileName(r.role, r.metadata.signed.version), { bytes: r.metadata.toBytes(), metadata: r.metadata });
    for (const b of base)
      files.set(baseFileName(b.role, b.version), {
        bytes: b.bytes,
        get metadata() {
          return b.metadata;
        },
      });
    const eventJson = Buffer.concat([canonicalize(wire), Buffer.from('\n')]);
    // Built from event.json as written, as load would read it: the same event, whichever made it.
    const event = SigningEvent.fromParts(
      abs,
      parseStrictJson(eventJson, join(abs, EVENT_FILE)),
      eventJson,
      (file) => files.get(file)!.bytes,
      (file) => files.get(file)?.metadata,
      digest,
    );
    return {
      event,
      dir: abs,
      eventJson,
      files: [...files, [EVENT_FILE, { bytes: eventJson }] as const],
      subfolders: base.length > 0 ? [BASE_DIR] : [],
    };
  }

  /** Read an event folder and check it: every payload and base file against its recorded digest. */
  static load(dir: string): SigningEvent {
    const abs = resolve(dir);
    const path = join(abs, EVENT_FILE);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new UsageError(
        `${dir} is not a signing event (cannot read ${EVENT_FILE}: ${(e as NodeJS.ErrnoException).code})`,
        'E_NOT_AN_EVENT',
        { cause: e },
      );
    }
    const wire = parseStrictJson(bytes, path) as JsonObject;
    return SigningEvent.fromParts(abs, wire, bytes, (file) => {
      try {
        return readFileSync(join(abs, file));
      } catch (e) {
        throw new UsageError(`${dir}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`, 'E_EVENT_FILE', {
          cause: e,
        });
      }
    });
  }

  /**
   * Check and build an event from its parts. `parsed` may supply metadata already parsed from
   * exactly the bytes `readFile` returns (when creating), to avoid parsing large roles twice.
   */
  private static fromParts(
    abs: string,
    wireIn: unknown,
    bytes: Buffer,
    readFile: (file: string) => Buffer,
    parsed: (file: string) => Metadata | undefined = () => undefined,
    digest: (bytes: Buffer) => string = sha256Hex,
  ): SigningEvent {
    const where = join(abs, EVENT_FILE);
    const { wire, roleEntries, baseEntries } = withContext(where, () => {
      const r = FieldReader.of(wireIn, '');
      const format = r.integer('event_format', 1);
      if (format !== EVENT_FORMAT)
        throw new FormatError('event_format', `this tool reads event_format ${EVENT_FORMAT}, got ${format}`);
      r.string('kind');
      r.string('description');
      r.string('repository');
      parseExpires(r.raw('created'), 'created');
      if (r.has('details')) r.object('details');
      r.optional('details');
      const roleEntries = r.array('roles').map((v, i) => {
        const rr = FieldReader.of(v, joinField('roles', i));
        const role = rr.string('role');
        const version = rr.integer('version', 1);
        const file = rr.string('file');
        // File names are derived, never taken from the medium: no path can escape the folder.
        if (file !== roleFileName(role, version))
          throw new FormatError(rr.at('file'), `expected ${roleFileName(role, version)}`);
        const replaces = rr.has('replaces') ? rr.integer('replaces', 1) : undefined;
        rr.optional('replaces');
        if ((replaces ?? 0) !== version - 1)
          throw new FormatError(rr.at('replaces'), `version ${version} replaces ${version - 1}`);
        const delegatedBy = rr.has('delegated_by') ? rr.string('delegated_by') : undefined;
        rr.optional('delegated_by');
        if ((role === 'root') !== (delegatedBy === undefined))
          throw new FormatError(rr.at('delegated_by'), role === 'root' ? 'root is not delegated' : 'missing');
        const payload = rr.string('payload_sha256');
        if (!isLowerHex(payload, 32))
          throw new FormatError(rr.at('payload_sha256'), 'expected a SHA-256 in lowercase hex');
        return { role, version, file, replaces, delegatedBy, payload };
      });
      if (roleEntries.length === 0) throw new FormatError('roles', 'at least one role');
      const baseEntries = r.array('base').map((v, i) => {
        const br = FieldReader.of(v, joinField('base', i));
        const role = br.string('role');
        const version = br.integer('version', 1);
        const file = br.string('file');
        if (file !== baseFileName(role, version))
          throw new FormatError(br.at('file'), `expected ${baseFileName(role, version)}`);
        const sha = br.string('sha256');
        return { role, version, file, sha };
      });
      const extra = Object.keys(r.rest());
      if (extra.length > 0) throw new FormatError(extra[0]!, 'unknown field');
      return { wire: r.obj, roleEntries, baseEntries };
    });

    const base: BaseEntry[] = baseEntries.map((b) => {
      const fileBytes = readFile(b.file);
      if (digest(fileBytes) !== b.sha)
        throw new VerificationError(
          `${b.file} in ${abs} differs from the SHA-256 recorded in ${EVENT_FILE}`,
          'E_EVENT_TAMPERED',
        );
      return lazyBaseEntry(
        b.role,
        b.version,
        fileBytes,
        () =>
          parsed(b.file) ?? Metadata.fromBytes(fileBytes, join(abs, b.file), b.role === 'root' ? 'root' : 'targets'),
        (md) => {
          if (md.signed.version !== b.version) throw new FormatError(b.file, `holds version ${md.signed.version}`);
        },
      );
    });
    const roles: EventRole[] = roleEntries.map((e) => {
      const md =
        parsed(e.file) ??
        Metadata.fromBytes(readFile(e.file), join(abs, e.file), e.role === 'root' ? 'root' : 'targets');
      if (
        (e.role === 'root') !== (md.signed.type === 'root') ||
        md.signed.type === 'snapshot' ||
        md.signed.type === 'timestamp'
      ) {
        throw new FormatError(e.file, `${e.role} cannot be ${md.signed.type} metadata`);
      }
      if (md.signed.version !== e.version)
        throw new FormatError(e.file, `holds version ${md.signed.version}, ${EVENT_FILE} says ${e.version}`);
      const actual = digest(md.payload());
      // The payload must be exactly what event.json names (what people confirm by digest).
      if (actual !== e.payload)
        throw new VerificationError(
          `${e.file} in ${abs}: its payload SHA-256 ${actual} is not the ${e.payload} recorded in ${EVENT_FILE}; the metadata was changed`,
          'E_EVENT_TAMPERED',
        );
      const previous = e.replaces
        ? base.find((b) => b.role === e.role && b.version === e.replaces)?.metadata
        : undefined;
      return {
        role: e.role,
        file: e.file,
        version: e.version,
        replaces: e.replaces,
        delegatedBy: e.delegatedBy,
        metadata: md,
        payloadSha256: actual,
        previous,
        thresholds: [],
      };
    });
    resolveThresholds(roles, base);
    return new SigningEvent(abs, wire, bytes, roles, base);
  }

  roles(): EventRole[] {
    return this.eventRoles;
  }

  role(name: string): EventRole {
    const r = this.eventRoles.find((x) => x.role === name);
    if (!r) throw new UsageError(`${name} is not signed in the event ${this.dir}`);
    return r;
  }

  /**
   * Differences between what the event was made from and the repository now: a base file that is
   * not the repository's, or a role that does not follow the repository's current version.
   */
  driftFrom(repo: Repository): string[] {
    const problems: string[] = [];
    for (const b of this.base) {
      const current = repo.versions(b.role).includes(b.version)
        ? sha256Hex(repo.readBytes(b.role, b.version))
        : undefined;
      if (current === undefined)
        problems.push(`${b.role} v${b.version}, on which the event builds, is not in the repository`);
      else if (current !== sha256Hex(b.bytes))
        problems.push(`${b.role} v${b.version} in the event's ${BASE_DIR}/ differs from the repository's`);
    }
    for (const r of this.eventRoles) {
      const current = repo.currentVersion(r.role);
      const problem = nextVersionProblem(r.role, r.version, current);
      if (!problem) continue;
      // The role moved on since the event was made: say so, and what to do, rather than guess.
      const built = latestBase(this.base, r.role)?.version;
      problems.push(
        built !== undefined && current !== undefined && current > built
          ? `${r.role} moved on: the event's ${r.role} v${r.version} builds on v${built}, and the ` +
              `repository holds v${current} now (an event was finalized since this one was made); make ` +
              'the event again from the repository'
          : problem,
      );
    }
    return problems;
  }

  /** The files of base/ as read and checked against event.json (`file` is `base/N.<role>.json`). */
  baseFiles(): Array<{ role: string; version: number; file: string; bytes: Buffer; metadata: Metadata }> {
    return this.base.map((b) => ({
      role: b.role,
      version: b.version,
      file: baseFileName(b.role, b.version),
      bytes: b.bytes,
      get metadata() {
        return b.metadata;
      },
    }));
  }

  /** file name → SHA-256 of its bytes now (signatures included), for the transcript. */
  fileDigests(): Record<string, string> {
    return Object.fromEntries(this.eventRoles.map((r) => [r.file, sha256Hex(r.metadata.toBytes())]));
  }

  /** Every key that may sign some role of this event, by keyid. */
  authorizedKeys(): Map<string, Key> {
    const out = new Map<string, Key>();
    for (const r of this.eventRoles) for (const a of r.thresholds) for (const [id, k] of a.keys) out.set(id, k);
    return out;
  }

  /** Have / need for every threshold, and who is missing (verifyRole, TUF spec 5.x "threshold"). */
  status(): EventStatus {
    // Kept until a signature is added: finalize asks twice, and each asks verifies every signature.
    return (this.statusMemo ??= this.computeStatus());
  }

  private computeStatus(): EventStatus {
    const missingHolders = new Set<string>();
    const roles = this.eventRoles.map((r): RoleStatus => {
      const thresholds = r.thresholds.map((a): ThresholdStatus => {
        const res = verifyRole(r.metadata, r.role, a, (k) => a.keys.get(k));
        const ref = (keyid: string): SignerRef => ({ keyid, holder: ownerOf(a.keys.get(keyid)) });
        const have = res.signed.length;
        const met = res.verified;
        if (!met) for (const id of res.missing) missingHolders.add(ownerOf(a.keys.get(id)) ?? `key ${groupedHex(id)}`);
        return {
          label: a.label,
          threshold: a.threshold,
          have,
          need: Math.max(0, a.threshold - have),
          met,
          signed: res.signed.map(ref),
          missing: res.missing.map(ref),
          bad: res.bad.map(ref),
        };
      });
      return {
        role: r.role,
        version: r.version,
        file: r.file,
        payloadSha256: r.payloadSha256,
        complete: thresholds.every((t) => t.met),
        thresholds,
      };
    });
    return { complete: roles.every((r) => r.complete), roles, missingHolders: [...missingHolders].sort() };
  }

  /**
   * Add signatures to one role: each must come from a key some threshold of the role authorizes
   * and verify over the exact payload (docs/threat-model.md section 2); a key that has signed already is
   * refused, not duplicated. All or nothing: the file changes only when every one is good.
   */
  addSignatures(role: string, sigs: Signature[]): void {
    this.addSignaturesToRoles([{ role, sigs }]);
  }

  /**
   * Signatures for several roles at once: each checked (authorized key, never twice, valid over
   * the payload) before any file changes, then the files replaced together (one wait for the
   * device, not one per role: a claim at 2^10 bins has 1,024 roles).
   */
  addSignaturesToRoles(entries: ReadonlyArray<{ role: string; sigs: readonly Signature[] }>): void {
    const writes: { r: EventRole; sigs: readonly Signature[] }[] = [];
    const byRole = new Map<string, Signature[]>();
    for (const { role, sigs } of entries) byRole.set(role, [...(byRole.get(role) ?? []), ...sigs]);
    for (const [role, sigs] of byRole) {
      const r = this.role(role);
      const keys = new Map<string, Key>();
      for (const a of r.thresholds) for (const [id, k] of a.keys) keys.set(id, k);
      const seen = new Set<string>();
      for (const sig of sigs) {
        const key = keys.get(sig.keyid);
        if (r.metadata.signatures.has(sig.keyid) || seen.has(sig.keyid)) {
          throw new RefusedError(
            `${r.file} is already signed by ${describeKey(sig.keyid, key)}; the same key never signs twice`,
            'E_ALREADY_SIGNED',
          );
        }
        if (!key)
          throw new RefusedError(
            `key ${sig.keyid} is not authorized to sign ${role} v${r.version} (${r.thresholds.map((a) => a.label).join('; ')})`,
            'E_NOT_AUTHORIZED',
          );
        // A signature is kept only if it verifies over this role's payload (TUF specification 5.4 and 5.6).
        if (!key.verify(r.metadata.payload(), Buffer.from(sig.sig, 'hex')))
          throw new VerificationError(
            `signature by ${sig.keyid} does not verify over ${r.metadata.signed.type} v${r.version}`,
          );
        seen.add(sig.keyid);
      }
      if (sigs.length > 0) writes.push({ r, sigs });
    }
    replaceWorkingFiles(writes.map(({ r, sigs }) => [join(this.dir, r.file), r.metadata.toBytesWith(sigs)] as const));
    this.statusMemo = undefined;
    for (const { r, sigs } of writes)
      for (const sig of sigs) r.metadata.signatures.set(sig.keyid, { keyid: sig.keyid, sig: sig.sig });
  }
}
