/**
 * Bundles to and from a repository state folder (docs/formats/bundle.md):
 * - export: every N.root.json, the current version of every offline-signed role and the
 *   transcript, to a new folder on removable media; the sequence comes from `exports.json`, and
 *   the files that are new since the last export are named. The repository's own metadata is
 *   verified from its first root before anything is written: a bundle the online side would
 *   refuse is never made.
 * - import: a bundle from the online side (recently-claimed and current metadata) into
 *   `<repo>/online/`, verified from the repository's current root.
 * Each appends a transcript record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BundleFile,
  type ExportLogEntry,
  type ExportResult,
  exportWithLog,
  importBundle,
  type ImportResult,
  settleExportLog,
  TRANSCRIPT_NAME,
  verifyBundleMetadata,
} from '../../bundle/index.js';
import { sha256Hex } from '../../tuf/model/index.js';
import { CeremonyError, RefusedError, UsageError } from '../../tuf/base/index.js';
import { parseRoleFileName, roleFileName } from '../../tuf/verify/index.js';
import { EXPORTS_FILE, METADATA_DIR, type Repository } from './repository.js';
import { appendTranscript, readTranscript, verifyTranscriptBytes } from './transcript.js';

export interface RepositoryExportOptions {
  /** `--to`: the new bundle folder, or an existing folder (the medium) to put `bundle-NNNNNN` in. */
  to: string;
  toolVersion: string;
  now: Date;
}

export interface RepositoryExportResult extends ExportResult {
  sequence: number;
  /** Files not carried by any earlier export (name and content). */
  newSinceLast: string[];
  previousSequence: number | undefined;
}

/** Every root, the current version of every other role, and the transcript, as the bundle carries them. */
export function repositoryBundleFiles(repo: Repository): BundleFile[] {
  const files: BundleFile[] = repo
    .rootVersions()
    .map((v) => ({ name: roleFileName('root', v), bytes: repo.readBytes('root', v) }));
  for (const role of repo.roles()) {
    if (role === 'root') continue;
    const v = repo.currentVersion(role)!;
    files.push({ name: roleFileName(role, v), bytes: repo.readBytes(role, v) });
  }
  return files;
}

export async function exportRepository(
  repo: Repository,
  opts: RepositoryExportOptions,
): Promise<RepositoryExportResult> {
  const logPath = join(repo.dir, EXPORTS_FILE);
  const files = repositoryBundleFiles(repo);
  const roots = repo.rootVersions();
  if (roots.length === 0)
    throw new RefusedError(
      `the repository in ${repo.dir} has no root metadata yet; nothing to export`,
      'E_NOTHING_TO_EXPORT',
    );

  // The online side verifies from the root it trusts; check here from the first root, now.
  try {
    verifyBundleMetadata(new Map(files.map((f) => [f.name, f.bytes])), repo.readBytes('root', roots[0]!), opts.now);
  } catch (e) {
    if (e instanceof CeremonyError)
      throw new RefusedError(
        `the repository's metadata does not verify, so it is not exported: ${e.message}`,
        'E_EXPORT_UNVERIFIED',
        { cause: e },
      );
    throw e;
  }

  // The transcript travels with its head, which the admins initial (docs/formats/transcript.md);
  // a bundle without them is refused on the other side (docs/formats/bundle.md, "The manifest").
  // Read once: the bytes checked are the bytes exported.
  const bytes = existsSync(repo.transcriptPath) ? readFileSync(repo.transcriptPath) : Buffer.alloc(0);
  const check = verifyTranscriptBytes(bytes);
  if (!check.ok)
    throw new RefusedError(
      `the transcript does not verify (${check.reason}); it is not exported`,
      'E_TRANSCRIPT_BROKEN',
    );
  if (check.records === 0)
    throw new RefusedError(
      `the transcript ${repo.transcriptPath} holds no record; a bundle carries the ceremony transcript, so nothing is exported`,
      'E_TRANSCRIPT_BROKEN',
    );
  files.push({ name: TRANSCRIPT_NAME, bytes });
  const transcriptHead = check.head;

  const digests = Object.fromEntries(files.map((f) => [f.name, sha256Hex(f.bytes)]));
  // base_root_version: the newest root the previous bundle carried, which the online side trusts by now.
  const rootVersionOf = (name: string): number[] => {
    const p = parseRoleFileName(name);
    return p?.quoted === 'root' && p.version !== undefined ? [p.version] : [];
  };
  const baseRootOf = (log: ExportLogEntry[]): number =>
    log.length
      ? Object.keys(log.at(-1)!.files)
          .flatMap(rootVersionOf)
          .reduce((a, b) => Math.max(a, b), 1)
      : 1;

  const result = await exportWithLog(logPath, opts.to, (log) => ({
    files,
    baseRootVersion: baseRootOf(log),
    toolVersion: opts.toolVersion,
    now: opts.now,
    transcriptHead,
  }));
  const { sequence, log } = result;
  const exported = new Set(log.flatMap((e) => Object.entries(e.files).map(([n, h]) => `${n} ${h}`)));
  const newSinceLast = files
    .filter((f) => f.name !== TRANSCRIPT_NAME && !exported.has(`${f.name} ${digests[f.name]}`))
    .map((f) => f.name);
  // A rerun that found this very bundle written may find its record written too: never twice.
  const recorded =
    result.recovered &&
    existsSync(repo.transcriptPath) &&
    readTranscript(repo.transcriptPath).some(
      (r) => r.step === 'bundle-export' && r.outputs['bundle.json'] === result.manifestSha256,
    );
  if (!recorded) {
    appendTranscript(repo.dir, {
      step: 'bundle-export',
      inputs: Object.fromEntries(
        files.map((f) => [
          f.name === TRANSCRIPT_NAME ? TRANSCRIPT_NAME : `${METADATA_DIR}/${f.name}`,
          digests[f.name]!,
        ]),
      ),
      outputs: { 'bundle.json': result.manifestSha256 },
      details: { sequence, bundle: result.dir, direction: 'offline-to-online', new: newSinceLast },
    });
  }
  settleExportLog(logPath, sequence, 'written');
  return { ...result, sequence, newSinceLast, previousSequence: log.at(-1)?.sequence };
}

/** Import an online-to-offline bundle into `<repo>/online/`, trusting the repository's current root. */
export function importIntoRepository(
  repo: Repository,
  bundleDir: string,
  at: Date,
  note?: (line: string) => void,
): ImportResult {
  const current = repo.currentVersion('root');
  if (current === undefined)
    throw new UsageError(`the repository in ${repo.dir} has no root metadata yet`, 'E_NO_VERSION');
  const res = importBundle(bundleDir, {
    target: repo.onlineDir,
    trustedRoot: repo.readBytes('root', current),
    direction: 'online-to-offline',
    at,
    ...(note ? { note } : {}),
  });
  appendTranscript(repo.dir, {
    step: 'bundle-import',
    inputs: { 'bundle.json': res.bundle.manifestSha256 },
    outputs: Object.fromEntries([...res.bundle.files].map(([name, bytes]) => [`online/${name}`, sha256Hex(bytes)])),
    details: {
      sequence: res.bundle.manifest.sequence,
      bundle: bundleDir,
      direction: 'online-to-offline',
      trusted_root_version: current,
      trusted_root_sha256: res.bundle.trustedRootSha256,
    },
  });
  return res;
}
