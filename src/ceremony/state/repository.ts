/**
 * The repository state folder kept on the offline machine (docs/formats/event.md, "Repository
 * state"):
 *
 *   plan.json         the ceremony plan used at init (its SHA-256 is in the transcript)
 *   metadata/         every finalized version of every offline-signed role, N.<role>.json, never
 *                     overwritten and never deleted; the current version is the highest N
 *   online/           the latest verified online metadata brought in by a bundle
 *   transcript.jsonl  the append-only, hash-chained record of every step
 *   exports.json      the bundle export log
 *
 * and, only while a step is interrupted, the journals of finalize-journal.ts and event-journal.ts;
 * while a guided run is unfinished its state (ceremony-run.json, lifecycle/ceremony-run.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RefusedError, UsageError, VerificationError } from '../../tuf/base/index.js';
import { type AnySigned, Metadata } from '../../tuf/model/index.js';
import { decodeRoleName, parseRoleFileName, roleFileName } from '../../tuf/verify/index.js';
import { fsyncDir, writeNewFile } from '../../bundle/index.js';
import { planFromBytes, type CeremonyPlan } from './plan.js';
import { describeEventRecovery, recoverEventCreation, type EventRecovery } from './event-journal.js';
import { describeRecovery, recoverFinalize, type Recovery } from './finalize-journal.js';
import { TRANSCRIPT_FILE } from './transcript.js';

export const PLAN_FILE = 'plan.json';
export const METADATA_DIR = 'metadata';
export const ONLINE_DIR = 'online';
export const EXPORTS_FILE = 'exports.json';

const toStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export class Repository {
  readonly metadataDir: string;
  readonly onlineDir: string;
  readonly transcriptPath: string;
  readonly planPath: string;
  private cachedPlan: CeremonyPlan | undefined;
  /** The last listing of the metadata folder, and the folder's modification time then. Not to be changed. */
  private listing: { mtime: number; index: Map<string, number[]> } | undefined;

  private constructor(
    readonly dir: string,
    /** Where a step says something a person should know besides its output (one line each). */
    readonly note: (line: string) => void = toStderr,
  ) {
    this.metadataDir = join(dir, METADATA_DIR);
    this.onlineDir = join(dir, ONLINE_DIR);
    this.transcriptPath = join(dir, TRANSCRIPT_FILE);
    this.planPath = join(dir, PLAN_FILE);
  }

  /**
   * Open an existing repository state folder. A finalize or an event creation that a power cut
   * interrupted is completed or undone first (finalize-journal.ts, event-journal.ts), and `note`
   * gets one line saying which.
   */
  static open(dir: string, note: (line: string) => void = toStderr): Repository {
    const abs = resolve(dir);
    if (!existsSync(join(abs, PLAN_FILE)) || !existsSync(join(abs, METADATA_DIR))) {
      throw new UsageError(
        `${dir} is not a repository state folder (no ${PLAN_FILE} and ${METADATA_DIR}/); run \`tuf-ceremony init\` first`,
        'E_NOT_A_REPOSITORY',
      );
    }
    const repo = new Repository(abs, note);
    repo.recovery = recoverFinalize(abs);
    if (repo.recovery) note(describeRecovery(repo.recovery, abs));
    repo.eventRecovery = recoverEventCreation(abs);
    if (repo.eventRecovery) note(describeEventRecovery(repo.eventRecovery, abs));
    return repo;
  }

  /** What opening did about an interrupted finalize, if anything. */
  recovery: Recovery | undefined;
  /** What opening did about an interrupted event creation, if anything. */
  eventRecovery: EventRecovery | undefined;

  /**
   * Make a new state folder holding the plan; refuses a folder that exists and is not empty. `keep`
   * names what an interrupted init left there (its journal): with it, an empty metadata/ of a run
   * cut while it made the folder is taken as it is.
   */
  static create(dir: string, planBytes: Uint8Array, keep: readonly string[] = []): Repository {
    const abs = resolve(dir);
    // A power cut may also leave the temporary file of a write (files.ts names them `.<name>.<hex>.tmp`).
    const temporary = (name: string) =>
      name.endsWith('.tmp') && [...keep, PLAN_FILE].some((k) => name.startsWith(`.${k}.`));
    const leftover = (name: string) =>
      keep.includes(name) ||
      (keep.length > 0 && (temporary(name) || (name === METADATA_DIR && readdirSync(join(abs, name)).length === 0)));
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory() || !readdirSync(abs).every(leftover))
        throw new RefusedError(
          `${dir} exists and is not an empty folder; a repository is never initialized twice`,
          'E_EXISTS',
        );
    } else mkdirSync(abs, { recursive: true });
    mkdirSync(join(abs, METADATA_DIR), { recursive: true });
    writeNewFile(join(abs, PLAN_FILE), planBytes);
    fsyncDir(abs);
    return new Repository(abs);
  }

  plan(): CeremonyPlan {
    this.cachedPlan ??= planFromBytes(readFileSync(this.planPath), this.planPath);
    return this.cachedPlan;
  }

  /**
   * Every role with at least one finalized version, and its versions ascending. The folder is
   * listed again only when it changed (its modification time moved, or this repository wrote a
   * version): a sharded claimed role has thousands of bins, and a step asks for each of them.
   */
  index(): Map<string, number[]> {
    const mtime = statSync(this.metadataDir).mtimeMs;
    if (this.listing?.mtime !== mtime) this.listing = { mtime, index: this.listFolder() };
    return this.listing.index;
  }

  private listFolder(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const name of readdirSync(this.metadataDir)) {
      const p = parseRoleFileName(name);
      if (p?.version === undefined) continue;
      const role = decodeRoleName(p.quoted);
      // A name no TUF client would fetch is not this tool's: refuse it by name, never misread it.
      if (role === undefined)
        throw new VerificationError(
          `${join(this.metadataDir, name)}: not a metadata file name (the role part is not percent-encoded as TUF clients encode role names)`,
          'E_BAD_FILE_NAME',
        );
      const list = out.get(role) ?? [];
      list.push(p.version);
      out.set(role, list);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }

  /** Names of the roles with a finalized version (root, targets, claimed, claimed bins…). */
  roles(): string[] {
    return [...this.index().keys()].sort();
  }

  versions(role: string): number[] {
    return [...(this.index().get(role) ?? [])];
  }

  currentVersion(role: string): number | undefined {
    return this.versions(role).at(-1);
  }

  /** Every N of N.root.json, ascending. */
  rootVersions(): number[] {
    return this.versions('root');
  }

  path(role: string, version: number): string {
    return join(this.metadataDir, roleFileName(role, version));
  }

  readBytes(role: string, version: number): Buffer {
    try {
      return readFileSync(this.path(role, version));
    } catch (e) {
      throw new UsageError(
        `${role} version ${version} is not in ${this.metadataDir}: ${(e as NodeJS.ErrnoException).code}`,
        'E_NO_VERSION',
        { cause: e },
      );
    }
  }

  read<T extends AnySigned = AnySigned>(role: string, version: number): Metadata<T> {
    const expected = (role === 'root' ? 'root' : 'targets') as T['type'];
    return Metadata.fromBytes<T>(this.readBytes(role, version), this.path(role, version), expected);
  }

  /** The highest N.<role>.json, parsed. UsageError when the role has no version yet. */
  current<T extends AnySigned = AnySigned>(role: string): Metadata<T> {
    const v = this.currentVersion(role);
    if (v === undefined)
      throw new UsageError(`the repository in ${this.dir} has no ${role} metadata yet`, 'E_NO_VERSION');
    return this.read<T>(role, v);
  }

  /** Forget the listing of the metadata folder after writing into it. */
  changed(): void {
    this.listing = undefined;
  }

  /** Writes N.<role>.json (N = its version); RefusedError when that version exists. Atomic. */
  writeVersion(role: string, md: Metadata): string {
    const path = this.path(role, md.signed.version);
    // Versions are never overwritten: old root versions stay published (TUF specification 1.0.x section 5.3).
    if (existsSync(path))
      throw new RefusedError(
        `${role} version ${md.signed.version} exists already in ${this.metadataDir}; it is never overwritten`,
        'E_EXISTS',
      );
    writeNewFile(path, md.toBytes());
    this.listing = undefined;
    return path;
  }
}
