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
import { canonicalize } from '../tuf/json/index.js';
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

/** The keys of `role` as its delegator names them, and the signers given for them (a threshold). */
function signersFor(
  role: string,
  keyids: readonly string[],
  threshold: number,
  given: ReadonlyMap<string, Signer>,
): Signer[] {
  const have = keyids.map((id) => given.get(id)).filter((s): s is Signer => s !== undefined);
  if (have.length < threshold)
    throw new UsageError(
      `no key given for ${role}: it needs ${threshold} of keyid(s) ${keyids.join(', ')} (give the online key file with --key)`,
    );
  return have.slice(0, threshold);
}

type Versioned = Targets | Snapshot;

/** The content of a role, version and expiry aside: what decides whether it must be signed again. */
function contentOf(signed: Versioned): Buffer {
  const json = signed.toJSON();
  delete json['version'];
  delete json['expires'];
  return canonicalize(json);
}

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

export async function publish(state: OnlineState, o: PublishOptions): Promise<PublishResult & { pruned: string[] }> {
  const config = state.config();
  const at = o.at;
  const offline = readdirSync(state.offlineDir);
  const offlineVersions = newestVersions(offline);
  const rootVersion = offlineVersions.get('root')!;
  const targetsVersion = offlineVersions.get('targets');
  if (targetsVersion === undefined)
    throw new UsageError(
      `${state.offlineDir} holds no targets yet: import a bundle first (online import)`,
      'E_NO_METADATA',
    );
  const root = readRole<Root>(state.offlineDir, roleFileName('root', rootVersion), 'root').signed;
  const targets = readRole<Targets>(state.offlineDir, roleFileName('targets', targetsVersion), 'targets').signed;
  if (root.consistentSnapshot !== true)
    throw new UsageError(
      `root v${rootVersion} does not set consistent_snapshot; this online side writes consistent snapshots only`,
    );

  const published = readdirSync(state.metadataDir);
  const have = new Set(published);
  const pubVersions = newestVersions(published);
  const staged: Staged[] = [];
  const roots: Staged[] = [];
  // 1. What verified bundles brought: new names only; a different file under a published name is a fork.
  for (const name of offline) {
    if (!/^[1-9]\d*\..+\.json$/.test(name)) continue;
    const bytes = readFileSync(join(state.offlineDir, name));
    if (have.has(name)) {
      if (!readFileSync(join(state.metadataDir, name)).equals(bytes))
        throw new VerificationError(
          `${name}: differs from the ${name} already published (two different versions with one number: a fork)`,
          'E_BUNDLE_FORK',
        );
      continue;
    }
    (/^\d+\.root\.json$/.test(name) ? roots : staged).push({ name, bytes });
  }

  const roles: PublishedRole[] = [];
  const delegation = (name: string) => targets.delegations?.roles?.find((r) => r.name === name);
  /**
   * `make(version, expires)` is the role as it should be now. When the newest published version
   * holds the same content and is in the first half of its validity it stays; else the next
   * version is signed with the online keys and staged.
   */
  const signIfChanged = async <T extends Versioned>(
    name: string,
    type: T['type'],
    period: OnlineSigned,
    keys: { keyids: readonly string[]; threshold: number },
    make: (version: number, expires: Date) => T,
  ): Promise<{ version: number; bytes: Uint8Array; signed: boolean }> => {
    const v = pubVersions.get(name);
    const file = v === undefined ? undefined : roleFileName(name, v);
    const bytes = file === undefined ? undefined : readFileSync(join(state.metadataDir, file));
    const current = bytes && Metadata.fromBytes<T>(bytes, file!, type).signed;
    const next = make((v ?? 0) + 1, addSeconds(at, config.expires[period]));
    const renewAt = current ? current.expires.getTime() - (config.expires[period] * 1000) / 2 : 0;
    if (current && at.getTime() < renewAt && contentOf(current).equals(contentOf(next))) {
      roles.push({ role: name, version: v!, expires: formatExpires(current.expires), signed: false });
      return { version: v!, bytes: bytes, signed: false };
    }
    const md = new Metadata<T>(next);
    for (const s of signersFor(name, keys.keyids, keys.threshold, o.signers)) await md.sign(s, 'append');
    const out = md.toBytes();
    staged.push({ name: roleFileName(name, next.version), bytes: out });
    pubVersions.set(name, next.version);
    roles.push({ role: name, version: next.version, expires: formatExpires(next.expires), signed: true });
    return { version: next.version, bytes: out, signed: true };
  };
  const targetsRole = (name: string, period: OnlineSigned, keys: RoleKeys, content: Targets) =>
    signIfChanged<Targets>(
      name,
      'targets',
      period,
      keys,
      (version, expires) =>
        new Targets({ version, expires, targets: content.targets, delegations: content.delegations }),
    );

  // 2. recently-claimed (PEP 480), when targets delegates it.
  let pruned: string[] = [];
  const rcRole = delegation(RECENTLY_CLAIMED);
  if (rcRole) {
    const rc = recentlyClaimedRole(config, claimedProjects(state.offlineDir, offlineVersions));
    pruned = rc.pruned;
    await targetsRole(RECENTLY_CLAIMED, 'recently-claimed', rcRole, rc.targets);
  }
  // 3. unclaimed, and its succinct bins when the plan has them (PEP 458, TAP 15).
  const ucRole = delegation(UNCLAIMED);
  if (ucRole) {
    const succinct =
      config.unclaimedBits === undefined
        ? undefined
        : new SuccinctRoles(ucRole.keyids, 1, config.unclaimedBits, UNCLAIMED_BIN_PREFIX);
    const keys = new Map(ucRole.keyids.map((id) => [id, targets.delegations!.keys.get(id)!]));
    const uc = new Targets({
      version: 1,
      expires: new Date(0),
      ...(succinct ? { delegations: new Delegations(keys, undefined, succinct) } : {}),
    });
    const renewed = (await targetsRole(UNCLAIMED, 'unclaimed', ucRole, uc)).signed;
    if (succinct)
      for (let i = 0; i < succinct.numberOfBins; i++) {
        const bin = succinct.binName(i);
        if (!renewed && pubVersions.has(bin)) continue;
        await targetsRole(bin, 'unclaimed', succinct, new Targets({ version: 1, expires: new Date(0) }));
      }
  }

  // 4. Snapshot: the newest version of every targets-type role, published or about to be.
  const meta = new Map<string, MetaFile>();
  const all = new Map(pubVersions);
  for (const [role, v] of offlineVersions) if ((all.get(role) ?? 0) < v) all.set(role, v);
  for (const [role, v] of [...all].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (role !== 'root' && role !== 'snapshot' && role !== 'timestamp')
      meta.set(snapshotMetaName(role), new MetaFile(v));
  const snapshot = await signIfChanged<Snapshot>(
    'snapshot',
    'snapshot',
    'snapshot',
    root.roles.snapshot,
    (version, expires) => new Snapshot({ version, expires, meta }),
  );

  // 5. Timestamp: a new version at every publish (its freshness is what it is for, spec 5.3.8... 5.4).
  const tsPath = join(state.metadataDir, 'timestamp.json');
  const tsV = existsSync(tsPath)
    ? readRole<Timestamp>(state.metadataDir, 'timestamp.json', 'timestamp').signed.version
    : 0;
  const ts = new Metadata(
    new Timestamp({
      version: tsV + 1,
      expires: addSeconds(at, config.expires.timestamp),
      snapshotMeta: new MetaFile(snapshot.version, snapshot.bytes.length, { sha256: sha256Hex(snapshot.bytes) }),
    }),
  );
  const tsKeys = root.roles.timestamp;
  for (const s of signersFor('timestamp', tsKeys.keyids, tsKeys.threshold, o.signers)) await ts.sign(s, 'append');
  roles.push({
    role: 'timestamp',
    version: ts.signed.version,
    expires: formatExpires(ts.signed.expires),
    signed: true,
  });

  // The writes: staged (hidden, in the state folder) and fsynced, then linked into place.
  const order = [
    ...staged.filter((s) => !/^\d+\.snapshot\.json$/.test(s.name)),
    ...staged.filter((s) => /^\d+\.snapshot\.json$/.test(s.name)),
    ...roots,
  ];
  const written = linkIntoPlace(state, order);
  replaceFileAtomically(tsPath, ts.toBytes(), stagingDir(state));
  written.push('timestamp.json');
  removeQuietly(stagingDir(state));
  if (pruned.length) {
    for (const name of pruned) config.recentlyClaimed.delete(name);
    state.saveConfig(config);
  }
  return { roles, written, rootVersion, pruned };
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
