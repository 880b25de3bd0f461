/**
 * Import a verified bundle into a target folder: the online service's metadata folder, or
 * `<repo>/online/` on the offline side. All checks happen before the first write; files are first
 * written into a staging folder beside the target and fsynced, then linked (new names, never
 * replacing) or renamed (the unversioned timestamp.json and the transcript) into place, and only
 * then is the import state updated. A refused bundle leaves the target folder exactly as it was;
 * an interrupted one leaves no temporary file in it, and running it again finishes it.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CeremonyError, RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import { Metadata } from '../tuf/model/index.js';
import { fsyncDir, mediumError, removeQuietly, writeExclusive } from './durable-files.js';
import { defaultStatePath, readImportState, writeImportState } from './import-state.js';
import { MANIFEST_NAME, TRANSCRIPT_NAME, type Direction } from './manifest.js';
import { checkSequence, verifyBundle, type VerifiedBundle } from './verify.js';

export interface ImportOptions {
  /** The folder the files go to; created when missing (its parent must exist). */
  target: string;
  trustedRoot: Uint8Array;
  /** Where the last imported sequence is kept; default `<target>/.tuf-ceremony-import.json`. */
  statePath?: string;
  direction?: Direction;
  at: Date;
  /** More checks on the verified bundle before anything is written (the CLI checks the transcript chain). */
  check?: (bundle: VerifiedBundle) => void;
  /** One line for a person (stderr by default): what an interrupted import left and this one removed. */
  note?: (line: string) => void;
}

export type FileAction = 'new' | 'same' | 'replace';

export interface ImportResult {
  bundle: VerifiedBundle;
  actions: Array<{ name: string; action: FileAction }>;
  statePath: string;
}

/** The order files become visible in: roots first, the timestamp last, so a reader never sees a timestamp ahead of what it names. */
function rank(name: string): number {
  if (/^\d+\.root\.json$/.test(name)) return 0;
  if (name === TRANSCRIPT_NAME) return 4;
  if (/(^|\.)timestamp\.json$/.test(name)) return 3;
  if (/(^|\.)snapshot\.json$/.test(name)) return 2;
  return 1;
}

function versionOf(bytes: Uint8Array, name: string): { type: string; version: number } | undefined {
  try {
    const md = Metadata.fromBytes(bytes, name);
    return { type: md.signed.type, version: md.signed.version };
  } catch {
    return undefined;
  }
}

/** What to do with one file, refusing a conflict with what the target already holds. */
function plan(target: string, name: string, bytes: Buffer): FileAction {
  const dest = join(target, name);
  let st;
  try {
    st = lstatSync(dest);
  } catch {
    return 'new';
  }
  if (!st.isFile())
    throw new RefusedError(
      `${dest} exists and is not a plain file; it was left as it is and nothing was imported`,
      'E_TARGET_NOT_FILE',
    );
  const old = readFileSync(dest);
  if (old.equals(bytes)) return 'same';
  // Versioned files are immutable: a different N.<role>.json is a second, forked version N.
  if (/^\d+\./.test(name))
    throw new VerificationError(
      `${name}: differs from the ${name} already in ${target} (two different versions with one number: a fork)`,
      'E_BUNDLE_FORK',
    );
  // The transcript is append-only: the new one must extend the one already here.
  if (name === TRANSCRIPT_NAME) {
    if (old.length > bytes.length || !bytes.subarray(0, old.length).equals(old)) {
      throw new VerificationError(
        `${name}: does not extend the transcript already in ${target} (records were changed or removed)`,
        'E_BUNDLE_TRANSCRIPT',
      );
    }
    return 'replace';
  }
  // An unversioned role file (timestamp.json) never goes back (TUF spec 5.4.3).
  const before = versionOf(old, name);
  const after = versionOf(bytes, name);
  if (before && after && after.version <= before.version) {
    throw new VerificationError(
      `${name}: version ${after.version} is not newer than version ${before.version} already in ${target} (a rollback)`,
      'E_BUNDLE_ROLLBACK',
    );
  }
  return 'replace';
}

/** `.<target>.import-staging` beside the target folder. */
export function stagingFolderOf(target: string): string {
  const abs = resolve(target);
  return join(dirname(abs), `.${basename(abs)}.import-staging`);
}

/**
 * The furthest a sequence may run ahead of the last one imported (or of 0). The sequence is not
 * signed: without a bound, one bundle carrying 2^53-1 would make every later bundle "older".
 */
export const MAX_SEQUENCE_STEP = 10_000;

export function importBundle(dir: string, opts: ImportOptions): ImportResult {
  const note = opts.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  const statePath = opts.statePath ?? defaultStatePath(opts.target);
  const staging = stagingFolderOf(opts.target);
  if (existsSync(staging)) {
    removeQuietly(staging);
    note(`${staging}: removed what an interrupted import had staged`);
  }
  let state;
  try {
    state = readImportState(statePath);
  } catch (e) {
    if (e instanceof CeremonyError)
      throw new UsageError(`the import state ${statePath} is unreadable: ${e.message}`, 'E_IMPORT_STATE', { cause: e });
    throw e;
  }
  // The state is kept per direction, and the direction is in the manifest: check the sequence after reading it.
  const bundle = verifyBundle(dir, { trustedRoot: opts.trustedRoot, direction: opts.direction, at: opts.at });
  const last = state[bundle.manifest.direction]?.sequence;
  checkSequence(bundle.manifest, last, opts.target);
  if (bundle.manifest.sequence - (last ?? 0) > MAX_SEQUENCE_STEP) {
    throw new VerificationError(
      `${MANIFEST_NAME}: sequence ${bundle.manifest.sequence} is more than ` +
        `${MAX_SEQUENCE_STEP} past the last one imported (${last ?? 'none'}); the sequence is ` +
        'not signed, so such a jump is refused',
      'E_BUNDLE_SEQUENCE',
    );
  }
  opts.check?.(bundle);

  let targetExists = true;
  try {
    if (!lstatSync(opts.target).isDirectory()) throw new UsageError(`${opts.target} is not a folder`);
  } catch (e) {
    if (e instanceof CeremonyError) throw e;
    targetExists = false;
  }
  const names = [...bundle.files.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const actions = names.map((name) => ({
    name,
    action: targetExists ? plan(opts.target, name, bundle.files.get(name)!) : 'new',
  }));

  // Write phase: temporaries first; nothing appears under a final name until all are on disk.
  if (!targetExists) {
    try {
      mkdirSync(opts.target);
    } catch (e) {
      throw mediumError(e, opts.target, 'nothing was imported');
    }
  }
  // Staged beside the target, never in it (a client may be reading the published folder): one
  // folder on the same file system, so each file moves into place with one link or rename.
  const staged = new Map<string, string>();
  try {
    mkdirSync(staging);
    for (const { name, action } of actions) {
      if (action === 'same') continue;
      writeExclusive(join(staging, name), bundle.files.get(name)!);
      staged.set(name, join(staging, name));
    }
    fsyncDir(staging);
  } catch (e) {
    removeQuietly(staging);
    throw mediumError(e, opts.target, 'nothing was imported');
  }
  try {
    // In rank order: new versions (which no client reads until a timestamp names them) first,
    // the timestamp last (TUF spec 5.4-5.6), so the folder verifies at every instant.
    for (const { name, action } of actions) {
      const from = staged.get(name);
      if (!from) continue;
      // link(2) refuses an existing name: a new version never replaces anything.
      if (action === 'new') {
        linkSync(from, join(opts.target, name));
        unlinkSync(from);
      } else renameSync(from, join(opts.target, name));
    }
    fsyncDir(opts.target);
  } catch (e) {
    removeQuietly(staging);
    throw mediumError(
      e,
      opts.target,
      'the import stopped part way; run it again once the cause is fixed (files already in place are kept, never overwritten)',
    );
  }
  // Only now, with every file verified and in place, does the state move on; its temporary file
  // is made in the staging folder, not in the target.
  writeImportState(
    statePath,
    {
      ...state,
      [bundle.manifest.direction]: {
        sequence: bundle.manifest.sequence,
        manifestSha256: bundle.manifestSha256,
        imported: opts.at,
      },
    },
    dirname(resolve(statePath)) === resolve(opts.target) ? staging : undefined,
  );
  removeQuietly(staging);
  fsyncDir(dirname(staging));
  return { bundle, actions, statePath };
}
