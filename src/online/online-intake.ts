/**
 * What the online side takes in: bundles from the offline ceremony (verified by the bundle
 * library from the root the online side trusts, refused otherwise), project registrations for
 * recently-claimed (PEP 480), and developers' uploads (checked as `upload check` checks them).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkUpload,
  importBundle,
  type ImportResult,
  readUpload,
  type UploadVerdict,
  VerifiedFolder,
  writeNewFile,
} from '../bundle/index.js';
import { checkProjectName, type Key, Metadata, type Root } from '../tuf/model/index.js';
import { formatExpires, RefusedError, UsageError } from '../tuf/base/index.js';
import type { OnlineState } from './online-state.js';
import { newestVersions } from './online-publish.js';

export interface OnlineImport {
  result: ImportResult;
  /** The root trusted before, and the one trusted for the next import (newer after a rotation). */
  trustedBefore: number;
  trustedNow: number;
}

/** Import a bundle into the state's offline folder; importBundle verifies it first and writes nothing when it fails. */
export function importIntoState(
  state: OnlineState,
  bundleDir: string,
  at: Date,
  o: { note?: (line: string) => void } = {},
): OnlineImport {
  const trustedPath = state.trustedRootPath();
  const before = Metadata.fromBytes<Root>(readFileSync(trustedPath), trustedPath, 'root').signed.version;
  const result = importBundle(bundleDir, {
    target: state.offlineDir,
    trustedRoot: readFileSync(trustedPath),
    statePath: state.importStatePath,
    direction: 'offline-to-online',
    at,
    ...(o.note ? { note: o.note } : {}),
  });
  const now = newestVersions([...result.bundle.files.keys()]).get('root') ?? before;
  return { result, trustedBefore: before, trustedNow: Math.max(before, now) };
}

/** The published repository read from the trusted root, as a client reads it. */
function publishedFolder(state: OnlineState, at: Date): VerifiedFolder {
  if (!state.published())
    throw new UsageError(`${state.metadataDir} was never published: run online publish first`, 'E_NO_METADATA');
  return VerifiedFolder.open(state.metadataDir, state.trustedRootPath(), at);
}

export interface Registered {
  project: string;
  /** False when the project was registered already with these keys. */
  added: boolean;
}

/**
 * PEP 480: a new project is delegated by recently-claimed to the keys its developer registered,
 * until a claim ceremony moves it to claimed. A project claimed already, or registered with other
 * keys, is refused: its keys change only at a claim ceremony.
 */
export function registerProject(
  state: OnlineState,
  o: { project: string; keys: Key[]; threshold: number; at: Date },
): Registered {
  const project = checkProjectName(o.project, '--project');
  const ids = o.keys.map((k) => k.keyid);
  if (new Set(ids).size !== ids.length) throw new UsageError('--key: a key is given twice');
  if (o.threshold < 1 || o.threshold > ids.length)
    throw new UsageError(`--threshold ${o.threshold}: must be from 1 to the number of keys (${ids.length})`);
  const config = state.config();
  if (state.published()) {
    const claimed = publishedFolder(state, o.at).findProject('claimed', project);
    if (claimed)
      throw new RefusedError(
        `${project} is claimed already (delegated by ${claimed.delegator}); its keys change only at a claim ceremony`,
        'E_REFUSED',
      );
  }
  const known = config.recentlyClaimed.get(project);
  if (known) {
    const same =
      known.threshold === o.threshold &&
      known.keys.length === ids.length &&
      known.keys.every((k) => ids.includes(k.keyid));
    if (same) return { project, added: false };
    throw new RefusedError(
      `${project} was registered on ${known.registered} with other keys; keys change only at a claim ceremony`,
      'E_REFUSED',
    );
  }
  config.recentlyClaimed.set(project, { keys: o.keys, threshold: o.threshold, registered: formatExpires(o.at) });
  state.saveConfig(config);
  return { project, added: true };
}

export interface TakenUpload {
  verdict: UploadVerdict;
  /** Files added to the repository (metadata and targets), relative to it; none when refused. */
  written: string[];
}

/**
 * A developer's upload (PEP 480 "Snapshot Process"): checked against the published repository as
 * `upload check` checks it; when accepted, the project's role goes to repository/metadata and each
 * uploaded file to repository/targets under one `<hash>.<name>` per listed hash (TUF spec 5.7.3,
 * consistent snapshots), all under new names that no snapshot lists yet. The next publish lists them.
 */
export function takeUpload(state: OnlineState, path: string, o: { at: Date; project?: string }): TakenUpload {
  const folder = publishedFolder(state, o.at);
  const upload = readUpload(path);
  const verdict = checkUpload(folder, upload, { at: o.at, project: o.project, allowDelegations: false });
  if (!verdict.ok) return { verdict, written: [] };
  const written: string[] = [];
  for (const t of verdict.targets) {
    if (!t.uploaded) continue;
    const bytes = upload.files.get(`targets/${t.path}`)!;
    const slash = t.path.lastIndexOf('/');
    const dir = slash < 0 ? '' : t.path.slice(0, slash);
    const base = t.path.slice(slash + 1);
    for (const hash of new Set(Object.values(t.hashes))) {
      const rel = join(dir, `${hash}.${base}`);
      const dest = join(state.targetsDir, rel);
      if (existsSync(dest)) {
        // Named by its hash: the same name holds the same bytes, unless the folder was tampered with.
        if (!readFileSync(dest).equals(bytes))
          throw new RefusedError(`${dest} exists with other bytes than its hash names`, 'E_EXISTS');
        continue;
      }
      mkdirSync(dirname(dest), { recursive: true });
      writeNewFile(dest, bytes);
      written.push(join('targets', rel));
    }
  }
  for (const r of verdict.roles) {
    const name = r.file.slice('metadata/'.length);
    writeNewFile(join(state.metadataDir, name), upload.files.get(r.file)!);
    written.push(join('metadata', name));
  }
  return { verdict, written };
}
