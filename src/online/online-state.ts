/**
 * The reference online side's own state folder (docs/online-side.md):
 *
 *   online.json       what the operator set up: expiry periods, project path patterns, the
 *                     unclaimed bins, and the projects registered since the last claim ceremony
 *   offline/          what verified bundles brought (every root, targets, claimed), the import state
 *   repository/       the published consistent-snapshot repository (TUF spec 5.x naming):
 *     metadata/       N.root.json, timestamp.json, N.snapshot.json, N.<role>.json
 *     targets/        <dir>/<hash>.<name>, one name per listed hash
 *
 * Versions of the published roles are read from repository/metadata, never from online.json: a
 * state file restored from a backup cannot make a version go back (TUF spec 5.4.3, 5.5.5).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  fsyncDir,
  mediumError,
  partialPrefix,
  removeQuietly,
  replaceFileAtomically,
  versionsIn,
  writeExclusive,
} from '../bundle/index.js';
import { canonicalize, parseStrictJson } from '../tuf/json/index.js';
import { FieldReader, join as fieldPath, Key, type JsonObject } from '../tuf/model/index.js';
import { FormatError, RefusedError, UsageError, withContext } from '../tuf/base/index.js';
import { roleFileName } from '../tuf/verify/index.js';

export const ONLINE_FORMAT = 'tuf-ceremony-online';
export const ONLINE_FORMAT_VERSION = 1;
export const STATE_FILE = 'online.json';

/** The roles the online keys sign; snapshot and timestamp are named by root, the others by targets. */
export const ONLINE_SIGNED = ['snapshot', 'timestamp', 'recently-claimed', 'unclaimed'] as const;
export type OnlineSigned = (typeof ONLINE_SIGNED)[number];

/** PEP 458's name for the bins of unclaimed (reserved as a project name prefix). */
export const UNCLAIMED_BIN_PREFIX = 'unclaimed-bins';

/** Seconds each online role stays valid: PEP 458 suggests a day for timestamp, a week for snapshot and bins. */
export const DEFAULT_EXPIRES: Readonly<Record<OnlineSigned, number>> = {
  timestamp: 86_400,
  snapshot: 7 * 86_400,
  'recently-claimed': 7 * 86_400,
  unclaimed: 7 * 86_400,
};

export interface Registration {
  keys: Key[];
  threshold: number;
  registered: string;
}

export interface OnlineConfig {
  expires: Record<OnlineSigned, number>;
  /** The plan's project_paths ("{project}" in place of the name). */
  projectPaths: string[];
  /** 2^k succinct bins under unclaimed (PEP 458, TAP 15), or none. */
  unclaimedBits: number | undefined;
  /** PEP 480: projects registered since the last claim ceremony, by normalized name. */
  recentlyClaimed: Map<string, Registration>;
}

export class OnlineState {
  readonly dir: string;
  readonly statePath: string;
  readonly offlineDir: string;
  readonly repoDir: string;
  readonly metadataDir: string;
  readonly targetsDir: string;
  readonly importStatePath: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.statePath = join(this.dir, STATE_FILE);
    this.offlineDir = join(this.dir, 'offline');
    this.repoDir = join(this.dir, 'repository');
    this.metadataDir = join(this.repoDir, 'metadata');
    this.targetsDir = join(this.repoDir, 'targets');
    this.importStatePath = join(this.dir, 'import-state.json');
  }

  /**
   * A new state folder trusting `rootBytes` (the root the operator got out of band). It is made
   * whole under a hidden `.<name>.partial-<random>` beside its name, then renamed: a cut leaves
   * no half-made state under the name (the next init removes the partial folder).
   */
  static create(dir: string, rootBytes: Uint8Array, rootVersion: number, config: OnlineConfig): OnlineState {
    const s = new OnlineState(dir);
    if (existsSync(s.dir))
      throw new RefusedError(`${dir} exists already; the online state is made in a new folder`, 'E_EXISTS');
    const parent = dirname(s.dir);
    const prefix = partialPrefix(s.dir);
    const temp = join(parent, `${prefix}${randomBytes(6).toString('hex')}`);
    try {
      for (const name of readdirSync(parent)) if (name.startsWith(prefix)) removeQuietly(join(parent, name));
      const t = new OnlineState(temp);
      for (const d of [t.dir, t.offlineDir, t.repoDir, t.metadataDir, t.targetsDir]) mkdirSync(d);
      writeExclusive(join(t.offlineDir, roleFileName('root', rootVersion)), rootBytes);
      writeExclusive(t.statePath, encodeConfig(config));
      for (const d of [t.offlineDir, t.metadataDir, t.targetsDir, t.repoDir, t.dir]) fsyncDir(d);
      renameSync(temp, s.dir);
      fsyncDir(parent);
    } catch (e) {
      removeQuietly(temp);
      throw mediumError(e, parent, 'no online state was made');
    }
    return s;
  }

  static open(dir: string): OnlineState {
    const s = new OnlineState(dir);
    if (!existsSync(s.statePath))
      throw new UsageError(`${dir} is not an online state folder (no ${STATE_FILE}); make one with online init`);
    return s;
  }

  config(): OnlineConfig {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.statePath);
    } catch (e) {
      throw new UsageError(`cannot read ${this.statePath}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', {
        cause: e,
      });
    }
    return withContext(this.statePath, () => decodeConfig(parseStrictJson(bytes)));
  }

  saveConfig(config: OnlineConfig): void {
    replaceFileAtomically(this.statePath, encodeConfig(config));
  }

  /** The newest root that a verified bundle brought (or the first trusted one): the next import's trusted root. */
  trustedRootPath(): string {
    const v = versionsIn(readdirSync(this.offlineDir), 'root').at(-1);
    if (v === undefined) throw new UsageError(`${this.offlineDir} holds no N.root.json`, 'E_NO_METADATA');
    return join(this.offlineDir, `${v}.root.json`);
  }

  /** Whether the repository was published at least once (a timestamp names a snapshot). */
  published(): boolean {
    return existsSync(join(this.metadataDir, 'timestamp.json'));
  }
}

function encodeConfig(c: OnlineConfig): Buffer {
  const rc: JsonObject = {};
  for (const [name, r] of [...c.recentlyClaimed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    rc[name] = { keys: r.keys.map((k) => k.toJSON()), threshold: r.threshold, registered: r.registered };
  const doc: JsonObject = {
    format: ONLINE_FORMAT,
    format_version: ONLINE_FORMAT_VERSION,
    expires: { ...c.expires },
    project_paths: c.projectPaths,
    unclaimed_bins: c.unclaimedBits === undefined ? null : { bit_length: c.unclaimedBits },
    recently_claimed: rc,
  };
  return Buffer.concat([canonicalize(doc), Buffer.from('\n')]);
}

function decodeConfig(v: unknown): OnlineConfig {
  const r = FieldReader.of(v, '');
  if (r.string('format') !== ONLINE_FORMAT) throw new FormatError(r.at('format'), `expected ${ONLINE_FORMAT}`);
  if (r.integer('format_version') !== ONLINE_FORMAT_VERSION)
    throw new FormatError(r.at('format_version'), `expected ${ONLINE_FORMAT_VERSION}`);
  const e = FieldReader.of(r.raw('expires'), r.at('expires'));
  const expires = {} as Record<OnlineSigned, number>;
  for (const role of ONLINE_SIGNED) expires[role] = e.integer(role, 60);
  const projectPaths = r.stringArray('project_paths', true);
  const bins = r.raw('unclaimed_bins');
  const unclaimedBits =
    bins === null ? undefined : FieldReader.of(bins, r.at('unclaimed_bins')).integer('bit_length', 1);
  const recentlyClaimed = new Map<string, Registration>();
  const rc = r.object('recently_claimed');
  for (const name of Object.keys(rc)) {
    const p = FieldReader.of(rc[name], fieldPath(r.at('recently_claimed'), name));
    recentlyClaimed.set(name, {
      keys: p.array('keys').map((k, i) => Key.fromJSON(k, fieldPath(p.at('keys'), i))),
      threshold: p.integer('threshold', 1),
      registered: p.string('registered'),
    });
  }
  return { expires, projectPaths, unclaimedBits, recentlyClaimed };
}
