/**
 * The trusted set: the metadata a client has verified, and nothing else (TUF specification 1.0.x
 * sections 5.2 to 5.6; the shape of python-tuf's `TrustedMetadataSet`). It is made from the
 * caller's trusted root bytes only; each `update…` verifies before it trusts, in the client's
 * order (root chain, timestamp, snapshot, targets, delegated targets), and throws a TrustError
 * naming the file and the reason. Only verified metadata is reachable from it.
 *
 * A delegated role is verified against the delegator the caller names: the one that delegates it
 * on the search path at hand (spec 5.6.7), never one that happened to reach the same name first.
 * Each edge delegator → role is checked on its own; a role already trusted through one delegator
 * is checked again when another asks for it.
 *
 * Two modes. `client` is the spec's order exactly: no snapshot without a timestamp, no targets
 * without a snapshot, so every version is checked against what timestamp and snapshot list
 * (freshness and rollback protection). `audit` is for a repository folder kept offline, which has
 * no timestamp or snapshot of its own: where they are absent, the version in each file's name
 * stands in for what snapshot would list, and the caller says so in its report.
 */
import { digestHex } from '../model/digest.js';
import { CeremonyError, FormatError, InternalError, VerificationError, type TrustErrorCode } from '../base/errors.js';
import type { Key } from '../model/key.js';
import {
  Metadata,
  type AnySigned,
  type MetaFile,
  type Root,
  type Snapshot,
  type Targets,
  type Timestamp,
} from '../model/metadata.js';
import { snapshotMetaName } from './role-names.js';
import type { RoleKeys } from '../model/roles.js';
import { formatExpires } from '../base/time.js';
import {
  unsupportedText,
  verifyRole,
  verifyRootUpdate,
  verifyWithRoot,
  type VerificationResult,
} from './verification.js';

export type { TrustErrorCode } from '../base/errors.js';

/** A VerificationError of the trusted set: its codes are TrustErrorCode (src/tuf/base/errors.ts). */
export class TrustError extends VerificationError {
  declare readonly code: TrustErrorCode;
  constructor(
    readonly role: string,
    readonly file: string,
    readonly reason: string,
    readonly trustCode: TrustErrorCode,
    /** The signature check behind an E_UNSIGNED. */
    readonly signatures?: VerificationResult,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${reason}`, trustCode, options);
  }
}

export type TrustMode = 'client' | 'audit';

export interface TrustedSetOptions {
  /** The one "now" against which every expiry is checked. */
  at: Date;
  mode: TrustMode;
  /** How reports name the trusted root (a file name, or "trusted root"). */
  trustedRootName?: string;
}

/** A verified document and how it verified. */
export interface Trusted<T extends AnySigned> {
  readonly md: Metadata<T>;
  readonly file: string;
  /** Against the keys that authorize it (for a root: its own root role). */
  readonly signatures: VerificationResult;
}

export interface TrustedRoot extends Trusted<Root> {
  /** For a root after the first: the previous root's root role. */
  readonly previousSignatures?: VerificationResult;
}

/** Where a role comes from when checking it: its delegator's name, or `root` for targets. */
export type Delegator = string;

/**
 * The length and hashes `listedBy` (timestamp or snapshot) lists for `file`, checked against its
 * bytes; a TrustError (E_LENGTH_OR_HASH) naming the file when they differ. The one copy of this
 * check: the bundle's verification uses it too.
 */
export function checkLengthAndHashes(
  role: string,
  file: string,
  bytes: Uint8Array,
  meta: MetaFile,
  listedBy: string,
): void {
  // TUF specification 5.5.2 / 5.6.2: the length and every listed hash must match; a hash this
  // tool cannot compute is a refusal, as in python-tuf.
  if (meta.length !== undefined && meta.length !== bytes.length) {
    throw new TrustError(
      role,
      file,
      `${listedBy} says ${meta.length} bytes, the file has ${bytes.length}`,
      'E_LENGTH_OR_HASH',
    );
  }
  for (const [alg, expected] of Object.entries(meta.hashes ?? {})) {
    const actual = digestHex(alg, bytes);
    if (actual === undefined)
      throw new TrustError(
        role,
        file,
        `${listedBy} lists a ${alg} hash, which this tool cannot compute`,
        'E_LENGTH_OR_HASH',
      );
    if (actual !== expected)
      throw new TrustError(
        role,
        file,
        `${alg} ${actual} differs from ${expected} listed in ${listedBy}`,
        'E_LENGTH_OR_HASH',
      );
  }
}

/** "1 of 2 required signatures by <what> (bad signature from …; missing 1)". */
export function unsignedReason(res: VerificationResult, what: string): string {
  const detail = [
    // Named first: the scheme, not the signature, is why it does not count (decision 0009).
    res.unsupported.length ? unsupportedText(res.unsupported) : '',
    res.bad.length ? `bad signature from ${res.bad.join(', ')}` : '',
    res.missing.length ? `missing ${res.missing.length}` : '',
    res.duplicateMaterial.length ? `${res.duplicateMaterial.length} not counted: the same key as another` : '',
    res.unknown.length ? `${res.unknown.length} from keys not authorized` : '',
  ].filter(Boolean);
  return `${res.signed.length} of ${res.threshold} required signatures by ${what}${detail.length ? ` (${detail.join('; ')})` : ''}`;
}

function parse<T extends AnySigned>(role: string, file: string, bytes: Uint8Array, type: T['type']): Metadata<T> {
  try {
    return Metadata.fromBytes<T>(bytes, file, type);
  } catch (e) {
    // Hostile bytes are a refused file (exit 3), never an internal error.
    // An InternalError of the reader (a broken invariant on these bytes) is refused the same way,
    // with the original kept as the cause.
    if (e instanceof InternalError)
      throw new TrustError(role, file, `not readable metadata (${e.message})`, 'E_BAD_METADATA', undefined, {
        cause: e,
      });
    if (e instanceof FormatError && (e.field === file || e.field.startsWith(`${file}: `))) {
      const field = e.field.slice(file.length + 2);
      throw new TrustError(role, file, field ? `${field}: ${e.reason}` : e.reason, 'E_BAD_METADATA', undefined, {
        cause: e,
      });
    }
    if (e instanceof CeremonyError)
      throw new TrustError(
        role,
        file,
        e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message,
        'E_BAD_METADATA',
        undefined,
        { cause: e },
      );
    if (e instanceof RangeError || e instanceof SyntaxError || e instanceof TypeError) {
      throw new TrustError(role, file, `not readable metadata (${e.message})`, 'E_BAD_METADATA', undefined, {
        cause: e,
      });
    }
    throw e;
  }
}

export class TrustedSet {
  private readonly roots: TrustedRoot[] = [];
  private timestampState: Trusted<Timestamp> | undefined;
  private snapshotState: Trusted<Snapshot> | undefined;
  /** Delegated targets roles (and targets) by name: the first verified copy of each. */
  private readonly targetsRoles = new Map<string, Trusted<Targets>>();
  /**
   * The timestamp and snapshot a client trusted on an earlier run (python-tuf keeps them in its
   * local metadata folder): newer ones must not go back from them (spec 5.4.3, 5.5.5), which is
   * what stops the holder of the online keys from serving an older snapshot.
   */
  private previousTimestamp: Timestamp | undefined;
  private previousSnapshot: Snapshot | undefined;
  /** `delegator \0 role` for every edge verified. */
  private readonly edges = new Set<string>();

  constructor(
    trustedRootBytes: Uint8Array,
    readonly options: TrustedSetOptions,
  ) {
    // Spec 5.2: the trusted root is loaded from the caller; it must be signed by a threshold of
    // its own root keys (python-tuf `_load_trusted_root`).
    const file = options.trustedRootName ?? 'trusted root';
    const md = parse<Root>('root', file, trustedRootBytes, 'root');
    const signatures = verifyWithRoot(md.signed, 'root', md);
    if (!signatures.verified)
      throw new TrustError('root', file, unsignedReason(signatures, 'its own root keys'), 'E_UNSIGNED', signatures);
    this.roots.push({ md, file, signatures });
  }

  get at(): Date {
    return this.options.at;
  }

  /** Every root trusted so far, the caller's first. */
  get rootChain(): readonly TrustedRoot[] {
    return this.roots;
  }

  get root(): Root {
    return this.roots.at(-1)!.md.signed;
  }

  get timestamp(): Trusted<Timestamp> | undefined {
    return this.timestampState;
  }

  get snapshot(): Trusted<Snapshot> | undefined {
    return this.snapshotState;
  }

  /** A trusted targets-type role by name (as first verified; every later edge checked the same file). */
  targets(role = 'targets'): Trusted<Targets> | undefined {
    return this.targetsRoles.get(role);
  }

  /** Whether `delegator → role` was verified. */
  hasEdge(delegator: Delegator, role: string): boolean {
    return this.edges.has(`${delegator}\0${role}`);
  }

  /**
   * Spec 5.3: root N+1 must be version N+1 and signed by a threshold of root N's root keys and
   * of its own. Only before the timestamp: a new root may change the keys of every other role.
   */
  updateRoot(bytes: Uint8Array, file: string): TrustedRoot {
    if (this.timestampState)
      throw new TrustError('root', file, 'a root update after the timestamp was loaded', 'E_ORDER');
    const md = parse<Root>('root', file, bytes, 'root');
    const previous = this.root;
    const res = verifyRootUpdate(previous, md);
    if (!res.previous.verified)
      throw new TrustError(
        'root',
        file,
        unsignedReason(res.previous, `the root keys of version ${previous.version}`),
        'E_UNSIGNED',
        res.previous,
      );
    if (!res.current.verified)
      throw new TrustError('root', file, unsignedReason(res.current, 'its own root keys'), 'E_UNSIGNED', res.current);
    if (!res.versionOk)
      throw new TrustError(
        'root',
        file,
        `version ${md.signed.version} does not follow root version ${previous.version}`,
        'E_VERSION',
      );
    const trusted: TrustedRoot = { md, file, signatures: res.current, previousSignatures: res.previous };
    this.roots.push(trusted);
    return trusted;
  }

  /** Spec 5.3.10: only the final root's expiry matters; checked before the timestamp is read. */
  checkFinalRoot(): void {
    const last = this.roots.at(-1)!;
    this.checkExpiry('root', last.file, last.md);
  }

  /**
   * Load the timestamp and snapshot trusted on an earlier run, before this run's (spec 5.4.3 and
   * 5.5.5 compare against them). They must be signed by the current root's keys (a root rotation
   * that changed those keys makes them worthless: then they are dropped, as python-tuf drops a
   * local copy that no longer verifies); they may have expired since. Returns what was kept.
   */
  loadPrevious(
    timestamp: Uint8Array | undefined,
    snapshot: Uint8Array | undefined,
  ): { timestamp: boolean; snapshot: boolean } {
    if (this.timestampState)
      throw new TrustError(
        'timestamp',
        'previous timestamp',
        "the previous state is loaded before this run's timestamp",
        'E_ORDER',
      );
    const kept = { timestamp: false, snapshot: false };
    const load = <T extends Timestamp | Snapshot>(
      bytes: Uint8Array | undefined,
      role: 'timestamp' | 'snapshot',
    ): T | undefined => {
      if (!bytes) return undefined;
      try {
        const md = parse<T>(role, `previous ${role}`, bytes, role);
        return verifyWithRoot(this.root, role, md).verified ? md.signed : undefined;
      } catch (e) {
        if (e instanceof TrustError) return undefined;
        throw e;
      }
    };
    this.previousTimestamp = load<Timestamp>(timestamp, 'timestamp');
    this.previousSnapshot = load<Snapshot>(snapshot, 'snapshot');
    kept.timestamp = this.previousTimestamp !== undefined;
    kept.snapshot = this.previousSnapshot !== undefined;
    return kept;
  }

  /**
   * Spec 5.4: signed by root's timestamp keys, not expired, and never older than a timestamp
   * trusted before (nor listing an older snapshot).
   */
  updateTimestamp(bytes: Uint8Array, file: string): Trusted<Timestamp> {
    if (this.snapshotState)
      throw new TrustError('timestamp', file, 'a timestamp update after the snapshot was loaded', 'E_ORDER');
    this.checkFinalRoot();
    const md = parse<Timestamp>('timestamp', file, bytes, 'timestamp');
    const signatures = this.requireSigned(
      'timestamp',
      file,
      md,
      this.root.roles.timestamp,
      (k) => this.root.keys.get(k),
      'the timestamp keys of root',
    );
    const old = this.timestampState?.md.signed ?? this.previousTimestamp;
    if (old) {
      if (md.signed.version < old.version)
        throw new TrustError(
          'timestamp',
          file,
          `version ${md.signed.version} is older than the trusted version ${old.version}`,
          'E_ROLLBACK',
        );
      if (md.signed.snapshotMeta.version < old.snapshotMeta.version) {
        throw new TrustError(
          'timestamp',
          file,
          `lists snapshot version ${md.signed.snapshotMeta.version}, older than the trusted ${old.snapshotMeta.version}`,
          'E_ROLLBACK',
        );
      }
    }
    this.checkExpiry('timestamp', file, md);
    this.timestampState = { md, file, signatures };
    return this.timestampState;
  }

  /**
   * Spec 5.5: the length and hashes timestamp lists, signed by root's snapshot keys, the version
   * timestamp lists, no targets role's version lower than in a snapshot trusted before, not
   * expired. In audit mode a folder without a timestamp still has its snapshot checked for
   * everything but what the timestamp would say.
   */
  updateSnapshot(bytes: Uint8Array, file: string): Trusted<Snapshot> {
    const ts = this.timestampState?.md.signed;
    if (!ts && this.options.mode === 'client')
      throw new TrustError(
        'snapshot',
        file,
        'no trusted timestamp: a client reads the snapshot only as the timestamp lists it',
        'E_ORDER',
      );
    if (this.targetsRoles.size > 0)
      throw new TrustError('snapshot', file, 'a snapshot update after targets were loaded', 'E_ORDER');
    if (ts) checkLengthAndHashes('snapshot', file, bytes, ts.snapshotMeta, 'timestamp.json');
    const md = parse<Snapshot>('snapshot', file, bytes, 'snapshot');
    const signatures = this.requireSigned(
      'snapshot',
      file,
      md,
      this.root.roles.snapshot,
      (k) => this.root.keys.get(k),
      'the snapshot keys of root',
    );
    const old = this.snapshotState?.md.signed ?? this.previousSnapshot;
    if (old) {
      if (md.signed.version < old.version)
        throw new TrustError(
          'snapshot',
          file,
          `version ${md.signed.version} is older than the trusted version ${old.version}`,
          'E_ROLLBACK',
        );
      for (const [name, meta] of old.meta) {
        const now = md.signed.meta.get(name);
        if (!now)
          throw new TrustError('snapshot', file, `drops ${name}, which the trusted snapshot lists`, 'E_ROLLBACK');
        if (now.version < meta.version)
          throw new TrustError(
            'snapshot',
            file,
            `lists ${name} version ${now.version}, older than the trusted ${meta.version}`,
            'E_ROLLBACK',
          );
      }
    }
    if (ts && md.signed.version !== ts.snapshotMeta.version)
      throw new TrustError(
        'snapshot',
        file,
        `version ${md.signed.version}, but timestamp.json lists ${ts.snapshotMeta.version}`,
        'E_VERSION',
      );
    this.checkVersionInName('snapshot', file, md);
    this.checkExpiry('snapshot', file, md);
    this.snapshotState = { md, file, signatures };
    return this.snapshotState;
  }

  /**
   * Spec 5.6: a targets-type role, verified against `delegator` (`root` for targets): the length,
   * hashes and version snapshot lists for `<role>.json`, a threshold of the keys the delegator
   * names for it, not expired. Without a snapshot (audit mode only) the version in the file name
   * stands in for snapshot's.
   */
  updateDelegatedTargets(
    role: string,
    delegator: Delegator,
    bytes: Uint8Array | (() => Uint8Array),
    file: string,
  ): Trusted<Targets> {
    let authorization: RoleKeys | undefined;
    let lookup: (keyid: string) => Key | undefined;
    let what: string;
    if (delegator === 'root') {
      if (role !== 'targets')
        throw new TrustError(role, file, 'root delegates only the top-level roles', 'E_NOT_DELEGATED');
      authorization = this.root.roles.targets;
      lookup = (k) => this.root.keys.get(k);
      what = 'the targets keys of root';
    } else {
      const parent = this.targetsRoles.get(delegator)?.md.signed;
      if (!parent) throw new TrustError(role, file, `its delegator ${delegator} is not trusted`, 'E_ORDER');
      const delegations = parent.delegations;
      authorization = delegations?.roleKeys(role);
      if (!delegations || !authorization)
        throw new TrustError(role, file, `${delegator} does not delegate ${role}`, 'E_NOT_DELEGATED');
      lookup = (k) => delegations.key(k);
      what = `the keys ${delegator} delegates ${role} to`;
    }

    const snapshot = this.snapshotState?.md.signed;
    if (!snapshot && this.options.mode === 'client')
      throw new TrustError(
        role,
        file,
        'no trusted snapshot: a client reads targets roles only as the snapshot lists them',
        'E_ORDER',
      );
    const listed = snapshot?.meta.get(snapshotMetaName(role));
    if (snapshot && !listed)
      throw new TrustError(
        role,
        file,
        `${this.snapshotState!.file} does not list ${snapshotMetaName(role)}`,
        'E_NOT_LISTED',
      );
    const md = this.parsedTargets(role, file, bytes, listed);
    const signatures = this.requireSigned(role, file, md, authorization, lookup, what);
    if (listed && md.signed.version !== listed.version)
      throw new TrustError(
        role,
        file,
        `version ${md.signed.version}, but ${this.snapshotState!.file} lists ${listed.version}`,
        'E_VERSION',
      );
    this.checkVersionInName(role, file, md);
    this.checkExpiry(role, file, md);

    const trusted: Trusted<Targets> = { md, file, signatures };
    const first = this.targetsRoles.get(role);
    if (first && first.file !== file)
      throw new TrustError(role, file, `${first.file} is already trusted for ${role}`, 'E_VERSION');
    if (!first) this.targetsRoles.set(role, trusted);
    this.edges.add(`${delegator}\0${role}`);
    return trusted;
  }

  /**
   * A file is read, checked against snapshot's length and hashes, and parsed once, however many
   * delegators are checked against it (each edge still checks the signatures): a role delegated
   * from many places must not be read again for each (a claimed role is hundreds of megabytes).
   * A file that failed those checks fails again for every edge without being read again.
   */
  private readonly parsedFiles = new Map<string, Metadata<Targets> | TrustError>();
  private parsedTargets(
    role: string,
    file: string,
    bytes: Uint8Array | (() => Uint8Array),
    listed: MetaFile | undefined,
  ): Metadata<Targets> {
    const cached = this.parsedFiles.get(file);
    if (cached instanceof TrustError) throw cached;
    if (cached) return cached;
    try {
      const b = typeof bytes === 'function' ? bytes() : bytes;
      if (listed) checkLengthAndHashes(role, file, b, listed, this.snapshotState!.file);
      const md = parse<Targets>(role, file, b, 'targets');
      this.parsedFiles.set(file, md);
      return md;
    } catch (e) {
      if (e instanceof TrustError) this.parsedFiles.set(file, e);
      throw e;
    }
  }

  private requireSigned(
    role: string,
    file: string,
    md: Metadata,
    authorization: RoleKeys,
    lookup: (k: string) => Key | undefined,
    what: string,
  ): VerificationResult {
    const res = verifyRole(md, role, authorization, lookup);
    if (!res.verified) throw new TrustError(role, file, unsignedReason(res, what), 'E_UNSIGNED', res);
    return res;
  }

  private checkExpiry(role: string, file: string, md: Metadata): void {
    if (md.signed.isExpired(this.at))
      throw new TrustError(
        role,
        file,
        `expired at ${formatExpires(md.signed.expires)} (checked at ${formatExpires(this.at)})`,
        'E_EXPIRED',
      );
  }

  /** Consistent snapshots: `N.<role>.json` must hold version N. */
  private checkVersionInName(role: string, file: string, md: Metadata): void {
    const m = /^(\d+)\./.exec(file);
    if (m && Number(m[1]) !== md.signed.version)
      throw new TrustError(
        role,
        file,
        `holds version ${md.signed.version}, not the ${m[1]} its name says`,
        'E_VERSION',
      );
  }
}
