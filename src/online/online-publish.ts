/**
 * Publish: the online roles signed with the online keys and a consistent-snapshot repository
 * written so that a client reading it at any instant finds a valid repository (TUF spec 5.x file
 * naming; docs/online-side.md):
 *
 *  1. every new versioned file (offline roles from verified bundles, recently-claimed, unclaimed
 *     and its bins) is written under a hidden staging folder of the state, fsynced, then linked
 *     to its name in repository/metadata (link(2) never replaces): no client asks for them yet;
 *  2. the new snapshot the same way, then the new roots (a client that sees a new root at once
 *     asks for the timestamp signed with its keys);
 *  3. timestamp.json last, replaced atomically (rename), naming the new snapshot.
 *
 * A cut anywhere leaves the old timestamp naming the old snapshot, whose files are all still
 * there. Every version is one above the newest file of its role in the folder, so versions only
 * go up whatever the state file says (TUF spec 5.4.3, 5.5.5, 5.6.5).
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, removeQuietly, replaceFileAtomically, writeExclusiveFiles } from '../bundle/index.js';
import {
  DelegatedRole,
  Delegations,
  Metadata,
  MetaFile,
  type Root,
  type Signer,
  Snapshot,
  SuccinctRoles,
  Targets,
  Timestamp,
  sameContent,
  sha256Hex,
  type Key,
  type RoleKeys,
} from '../tuf/model/index.js';
import { addSeconds, formatExpires, RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import { decodeRoleName, parseRoleFileName, roleFileName, snapshotMetaName } from '../tuf/verify/index.js';
import { type OnlineConfig, type OnlineSigned, type OnlineState, UNCLAIMED_BIN_PREFIX } from './online-state.js';

export const RECENTLY_CLAIMED = 'recently-claimed';
export const UNCLAIMED = 'unclaimed';

export interface PublishOptions {
  at: Date;
  /** The online keys given, by keyid. */
  signers: ReadonlyMap<string, Signer>;
}

export interface PublishedRole {
  role: string;
  version: number;
  expires: string;
  /** Whether this run signed it (false: the published version is still current). */
  signed: boolean;
}

export interface PublishResult {
  roles: PublishedRole[];
  /** Files this run added to repository/metadata, in the order they appeared. */
  written: string[];
  /** Registered projects that claimed delegates now, gone from recently-claimed. */
  pruned: string[];
  rootVersion: number;
}

/** The newest version of every role with N.<role>.json in `names`. */
export function newestVersions(names: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of names) {
    const parsed = parseRoleFileName(name);
    if (!parsed || parsed.version === undefined) continue;
    const role = decodeRoleName(parsed.quoted);
    if (role === undefined) continue;
    if ((out.get(role) ?? 0) < parsed.version) out.set(role, parsed.version);
  }
  return out;
}

function readRole<T extends Root | Targets | Snapshot | Timestamp>(
  dir: string,
  file: string,
  type: T['type'],
): Metadata<T> {
  return Metadata.fromBytes<T>(readFileSync(join(dir, file)), file, type);
}

/** Signers given for a threshold of the keys the delegator names for `role`. */
function signersFor(role: string, keys: RoleKeys, given: ReadonlyMap<string, Signer>): Signer[] {
  const have = keys.keyids.map((id) => given.get(id)).filter((s): s is Signer => s !== undefined);
  if (have.length < keys.threshold)
    throw new UsageError(
      `no key given for ${role}: it needs ${keys.threshold} of keyid(s) ${keys.keyids.join(', ')} (give the online key file with --key)`,
    );
  return have.slice(0, keys.threshold);
}

type Versioned = Targets | Snapshot;

interface Staged {
  name: string;
  bytes: Uint8Array;
}

/** Project names that claimed (or a bin of it) delegates in the newest offline files. */
function claimedProjects(offlineDir: string, versions: Map<string, number>): Set<string> {
  const names = new Set<string>();
  for (const [role, v] of versions) {
    if (role === 'root' || role === 'targets') continue;
    const md = readRole<Targets>(offlineDir, roleFileName(role, v), 'targets');
    for (const r of md.signed.delegations?.roles ?? []) names.add(r.name);
  }
  return names;
}

function recentlyClaimedRole(config: OnlineConfig, claimed: Set<string>): { targets: Targets; pruned: string[] } {
  const keys = new Map<string, Key>();
  const roles: DelegatedRole[] = [];
  const pruned: string[] = [];
  for (const [name, r] of [...config.recentlyClaimed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // PEP 480: recently-claimed holds the projects registered since the last claim ceremony.
    if (claimed.has(name)) {
      pruned.push(name);
      continue;
    }
    for (const k of r.keys) keys.set(k.keyid, k);
    const paths = config.projectPaths.map((p) => p.split('{project}').join(name));
    roles.push(
      new DelegatedRole(
        name,
        r.keys.map((k) => k.keyid),
        r.threshold,
        true,
        paths,
        undefined,
      ),
    );
  }
  return {
    targets: new Targets({ version: 1, expires: new Date(0), delegations: new Delegations(keys, roles, undefined) }),
    pruned,
  };
}

/** What the offline side signed, as the newest verified bundle brought it. */
interface Offline {
  versions: Map<string, number>;
  root: Root;
  targets: Targets;
}

function readOffline(state: OnlineState): Offline {
  const versions = newestVersions(readdirSync(state.offlineDir));
  const rootVersion = versions.get('root')!;
  const targetsVersion = versions.get('targets');
  if (targetsVersion === undefined)
    throw new UsageError(
      `${state.offlineDir} holds no targets yet: import a bundle first (online import)`,
      'E_NO_METADATA',
    );
  const root = readRole<Root>(state.offlineDir, roleFileName('root', rootVersion), 'root').signed;
  if (root.consistentSnapshot !== true)
    throw new UsageError(
      `root v${rootVersion} does not set consistent_snapshot; this online side writes consistent snapshots only`,
    );
  const targets = readRole<Targets>(state.offlineDir, roleFileName('targets', targetsVersion), 'targets').signed;
  return { versions, root, targets };
}

/** One publication: what it stages, in order, and the roles it reports. */
class Publication {
  readonly staged: Staged[] = [];
  readonly roots: Staged[] = [];
  readonly roles: PublishedRole[] = [];
  /** The newest version of every role in repository/metadata, and of what this run staged. */
  private readonly versions: Map<string, number>;

  constructor(
    private readonly state: OnlineState,
    private readonly config: OnlineConfig,
    private readonly o: PublishOptions,
  ) {
    this.versions = newestVersions(readdirSync(state.metadataDir));
  }

  /** What verified bundles brought: new names only; a different file under a published name is a fork. */
  takeOffline(): void {
    for (const name of readdirSync(this.state.offlineDir)) {
      if (!/^[1-9]\d*\..+\.json$/.test(name)) continue;
      const bytes = readFileSync(join(this.state.offlineDir, name));
      let published: Buffer | undefined;
      try {
        published = readFileSync(join(this.state.metadataDir, name));
      } catch {
        published = undefined;
      }
      if (published && !published.equals(bytes))
        throw new VerificationError(
          `${name}: differs from the ${name} already published (two different versions with one number: a fork)`,
          'E_BUNDLE_FORK',
        );
      if (published) continue;
      (/^\d+\.root\.json$/.test(name) ? this.roots : this.staged).push({ name, bytes });
      const parsed = parseRoleFileName(name)!;
      const role = decodeRoleName(parsed.quoted);
      if (role !== undefined && (this.versions.get(role) ?? 0) < parsed.version!)
        this.versions.set(role, parsed.version!);
    }
  }

  /**
   * `make(version, expires)` is the role as it should be now. When the newest published version
   * holds the same content and is in the first half of its validity it stays; else the next
   * version is signed with the online keys and staged.
   */
  async signIfChanged<T extends Versioned>(
    name: string,
    type: T['type'],
    period: OnlineSigned,
    keys: RoleKeys,
    make: (version: number, expires: Date) => T,
  ): Promise<{ version: number; bytes: Uint8Array; signed: boolean }> {
    const seconds = this.config.expires[period];
    const v = this.versions.get(name);
    const file = v === undefined ? undefined : roleFileName(name, v);
    const bytes = file === undefined ? undefined : readFileSync(join(this.state.metadataDir, file));
    const currentMd = bytes && Metadata.fromBytes<T>(bytes, file!, type);
    const current = currentMd && currentMd.signed;
    const next = make((v ?? 0) + 1, addSeconds(this.o.at, seconds));
    const md = new Metadata<T>(next);
    // The content, version and expiry aside, decides whether the role must be signed again.
    if (
      current &&
      this.o.at.getTime() < current.expires.getTime() - (seconds * 1000) / 2 &&
      sameContent(currentMd, md)
    ) {
      this.roles.push({ role: name, version: v!, expires: formatExpires(current.expires), signed: false });
      return { version: v!, bytes, signed: false };
    }
    for (const s of signersFor(name, keys, this.o.signers)) await md.sign(s, 'append');
    const out = md.toBytes();
    this.staged.push({ name: roleFileName(name, next.version), bytes: out });
    this.versions.set(name, next.version);
    this.roles.push({ role: name, version: next.version, expires: formatExpires(next.expires), signed: true });
    return { version: next.version, bytes: out, signed: true };
  }

  targetsRole(name: string, period: OnlineSigned, keys: RoleKeys, content: Targets) {
    return this.signIfChanged<Targets>(
      name,
      'targets',
      period,
      keys,
      (version, expires) =>
        new Targets({ version, expires, targets: content.targets, delegations: content.delegations }),
    );
  }

  /** unclaimed, and its succinct bins when the plan has them (PEP 458, TAP 15); the bins stay empty. */
  async unclaimed(delegation: DelegatedRole, keys: ReadonlyMap<string, Key>): Promise<void> {
    const bits = this.config.unclaimedBits;
    const succinct =
      bits === undefined ? undefined : new SuccinctRoles(delegation.keyids, 1, bits, UNCLAIMED_BIN_PREFIX);
    const ownKeys = new Map(delegation.keyids.map((id) => [id, keys.get(id)!]));
    const uc = new Targets({
      version: 1,
      expires: new Date(0),
      ...(succinct ? { delegations: new Delegations(ownKeys, undefined, succinct) } : {}),
    });
    const renewed = (await this.targetsRole(UNCLAIMED, 'unclaimed', delegation, uc)).signed;
    if (!succinct) return;
    for (let i = 0; i < succinct.numberOfBins; i++) {
      const bin = succinct.binName(i);
      if (!renewed && this.versions.has(bin)) continue;
      await this.targetsRole(bin, 'unclaimed', succinct, new Targets({ version: 1, expires: new Date(0) }));
    }
  }

  /** Snapshot: the newest version of every targets-type role, published or staged (TUF spec 4.4). */
  snapshot(keys: RoleKeys) {
    const meta = new Map<string, MetaFile>();
    for (const [role, v] of [...this.versions].sort(([a], [b]) => (a < b ? -1 : 1)))
      if (role !== 'root' && role !== 'snapshot' && role !== 'timestamp')
        meta.set(snapshotMetaName(role), new MetaFile(v));
    return this.signIfChanged<Snapshot>(
      'snapshot',
      'snapshot',
      'snapshot',
      keys,
      (version, expires) => new Snapshot({ version, expires, meta }),
    );
  }

  /** Timestamp: a new version at every publish, one above the published one (TUF spec 5.4). */
  async timestamp(keys: RoleKeys, snapshot: { version: number; bytes: Uint8Array }): Promise<Buffer> {
    const path = join(this.state.metadataDir, 'timestamp.json');
    const before = existsSync(path)
      ? readRole<Timestamp>(this.state.metadataDir, 'timestamp.json', 'timestamp').signed.version
      : 0;
    const ts = new Metadata(
      new Timestamp({
        version: before + 1,
        expires: addSeconds(this.o.at, this.config.expires.timestamp),
        snapshotMeta: new MetaFile(snapshot.version, snapshot.bytes.length, { sha256: sha256Hex(snapshot.bytes) }),
      }),
    );
    for (const s of signersFor('timestamp', keys, this.o.signers)) await ts.sign(s, 'append');
    this.roles.push({
      role: 'timestamp',
      version: ts.signed.version,
      expires: formatExpires(ts.signed.expires),
      signed: true,
    });
    return ts.toBytes();
  }

  /** Staged files (the snapshot after what it lists), then the new roots, then the timestamp. */
  write(timestamp: Uint8Array): string[] {
    const isSnapshot = (s: Staged) => /^\d+\.snapshot\.json$/.test(s.name);
    const order = [...this.staged.filter((s) => !isSnapshot(s)), ...this.staged.filter(isSnapshot), ...this.roots];
    const written = linkIntoPlace(this.state, order);
    replaceFileAtomically(join(this.state.metadataDir, 'timestamp.json'), timestamp, stagingDir(this.state));
    written.push('timestamp.json');
    removeQuietly(stagingDir(this.state));
    return written;
  }
}

export async function publish(state: OnlineState, o: PublishOptions): Promise<PublishResult> {
  const config = state.config();
  const offline = readOffline(state);
  const p = new Publication(state, config, o);
  p.takeOffline();
  const delegation = (name: string) => offline.targets.delegations?.roles?.find((r) => r.name === name);
  let pruned: string[] = [];
  const rc = delegation(RECENTLY_CLAIMED);
  if (rc) {
    const role = recentlyClaimedRole(config, claimedProjects(state.offlineDir, offline.versions));
    pruned = role.pruned;
    await p.targetsRole(RECENTLY_CLAIMED, 'recently-claimed', rc, role.targets);
  }
  const uc = delegation(UNCLAIMED);
  if (uc) await p.unclaimed(uc, offline.targets.delegations!.keys);
  const snapshot = await p.snapshot(offline.root.roles.snapshot);
  const timestamp = await p.timestamp(offline.root.roles.timestamp, snapshot);
  const written = p.write(timestamp);
  // Only once published: a project that claimed now delegates leaves the registrations.
  if (pruned.length) {
    for (const name of pruned) config.recentlyClaimed.delete(name);
    state.saveConfig(config);
  }
  return { roles: p.roles, written, rootVersion: offline.versions.get('root')!, pruned };
}

export function stagingDir(state: OnlineState): string {
  return join(state.dir, '.publish-staging');
}

/**
 * Write `files` into the hidden staging folder of the state (same file system), fsync them
 * together, then link each to its name in repository/metadata, in order. link(2) refuses an
 * existing name, so a published version is never replaced.
 */
function linkIntoPlace(state: OnlineState, files: Staged[]): string[] {
  const staging = stagingDir(state);
  removeQuietly(staging);
  mkdirSync(staging);
  writeExclusiveFiles(files.map((f) => [join(staging, f.name), f.bytes] as const));
  fsyncDir(staging);
  const written: string[] = [];
  for (const f of files) {
    try {
      linkSync(join(staging, f.name), join(state.metadataDir, f.name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new RefusedError(
          `${join(state.metadataDir, f.name)} exists already; a published version is never replaced`,
          'E_EXISTS',
        );
      throw e;
    }
    written.push(f.name);
  }
  if (files.length) fsyncDir(state.metadataDir);
  return written;
}
