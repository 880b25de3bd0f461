/**
 * Write a bundle to removable media: a new folder holding the files, `bundle.json` (the manifest)
 * and `bundle.png` (a QR code of the manifest's SHA-256). Never overwrites: everything is written
 * under a temporary name, fsynced, renamed into place, then read back and compared.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sha256Hex } from '../tuf/model/index.js';
import { RefusedError, UsageError, VerificationError } from '../tuf/base/index.js';
import { fsyncDir, mediumError, partialPrefix, removeQuietly, writeExclusive } from './durable-files.js';
import {
  badFileName,
  lastLineSha256,
  manifestToBytes,
  MANIFEST_NAME,
  parseManifest,
  QR_NAME,
  TRANSCRIPT_NAME,
  transcriptProblem,
  type Direction,
  type Manifest,
} from './manifest.js';
import { qrPng } from './qr.js';
import { present } from './records-folder.js';
import { appendExportLog, nextSequence, readExportLog, recoverExportLog, type ExportLogEntry } from './export-log.js';

export interface BundleFile {
  name: string;
  bytes: Uint8Array;
}

export interface ExportOptions {
  files: BundleFile[];
  /** The bundle folder to create; it must not exist. */
  to: string;
  sequence: number;
  baseRootVersion: number;
  toolVersion: string;
  now: Date;
  direction?: Direction;
  /** SHA-256 of the transcript's last line, when `files` holds transcript.jsonl. */
  transcriptHead?: string;
  /** Called with the manifest's SHA-256 after every check and before the first write. */
  beforeWrite?: (manifestSha256: string) => void;
}

export interface ExportResult {
  dir: string;
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestSha256: string;
}

/** The default bundle folder inside an existing folder on the medium: `bundle-000042`. */
export function bundleFolderName(sequence: number): string {
  return `bundle-${String(sequence).padStart(6, '0')}`;
}

/**
 * Where `--to` puts the bundle: inside it when it is an existing folder (the medium's mount point),
 * else `--to` itself, which is created.
 */
export function resolveBundleDir(to: string, sequence: number): string {
  let isDir = false;
  try {
    isDir = lstatSync(to).isDirectory();
  } catch {
    /* does not exist: it is the new bundle folder */
  }
  if (!isDir) return to;
  // A bundle folder holds exactly its manifest's files: one written inside it would break it.
  if (present(join(to, MANIFEST_NAME))) {
    throw new RefusedError(
      `${to} is a bundle already; give the medium's folder (bundles go inside it as ${bundleFolderName(sequence)}) or a new folder name`,
      'E_EXISTS',
    );
  }
  return join(to, bundleFolderName(sequence));
}

/** The manifest of a bundle, before anything is written. */
function manifestOf(opts: ExportOptions): { manifest: Manifest; manifestBytes: Buffer; manifestSha256: string } {
  const { files } = opts;
  const manifest: Manifest = {
    direction: opts.direction ?? 'offline-to-online',
    sequence: opts.sequence,
    baseRootVersion: opts.baseRootVersion,
    toolVersion: opts.toolVersion,
    created: opts.now,
    files: new Map(files.map((f) => [f.name, { length: f.bytes.length, sha256: sha256Hex(f.bytes) }])),
    ...(opts.transcriptHead !== undefined ? { transcriptHead: opts.transcriptHead } : {}),
  };
  const transcript = files.find((f) => f.name === TRANSCRIPT_NAME);
  // The manifest this writes must be one verifyBundle reads.
  const problem = transcriptProblem(
    manifest.direction,
    transcript !== undefined,
    manifest.transcriptHead !== undefined,
  );
  if (problem) throw new UsageError(`the bundle's ${problem.field}: ${problem.why}`);
  if (transcript && lastLineSha256(transcript.bytes) !== manifest.transcriptHead) {
    throw new UsageError(
      `the transcript head ${manifest.transcriptHead} is not the SHA-256 of the last line of ${TRANSCRIPT_NAME}`,
    );
  }
  const manifestBytes = manifestToBytes(manifest);
  return { manifest, manifestBytes, manifestSha256: sha256Hex(manifestBytes) };
}

function manifestDigestAt(dir: string): string | undefined {
  try {
    return sha256Hex(readFileSync(join(dir, MANIFEST_NAME)));
  } catch {
    return undefined;
  }
}

export interface LoggedExportResult extends ExportResult {
  sequence: number;
  /** The log's settled entries before this export. */
  log: ExportLogEntry[];
  /** The bundle an interrupted run of the same export had written (nothing new was written). */
  recovered?: boolean;
}

/**
 * Export with a log (docs/formats/bundle.md, "Crash safety"): what a crash left of the last export
 * is settled first; the sequence is reserved in the log before the bundle is written, so a crash
 * can never hand it out twice. The caller settles it as written once it has recorded the export.
 * Run again after a crash that came after the bundle appeared, with the same files and time, it
 * returns that bundle instead of writing a second one.
 */
export async function exportWithLog(
  logPath: string,
  to: string,
  make: (log: ExportLogEntry[], sequence: number) => Omit<ExportOptions, 'to' | 'sequence'>,
  note: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<LoggedExportResult> {
  const recovered = readExportLog(logPath).at(-1);
  const line = recoverExportLog(logPath, manifestDigestAt);
  if (line) note(line);
  const log = readExportLog(logPath);
  if (recovered?.reserved && log.at(-1)?.sequence === recovered.sequence && !log.at(-1)!.reserved) {
    const before = log.slice(0, -1);
    const want = make(before, recovered.sequence);
    // The same export run again: the same metadata and time (the transcript may since hold the
    // export's own record, which the bundle cannot carry).
    const same =
      want.now.getTime() === recovered.time.getTime() &&
      want.files.every((f) => f.name === TRANSCRIPT_NAME || recovered.files[f.name] === sha256Hex(f.bytes));
    if (same) {
      const manifestBytes = readFileSync(join(recovered.bundle, MANIFEST_NAME));
      return {
        dir: recovered.bundle,
        manifest: parseManifest(manifestBytes),
        manifestBytes,
        manifestSha256: recovered.manifestSha256,
        sequence: recovered.sequence,
        log: before,
        recovered: true,
      };
    }
  }
  const sequence = nextSequence(log);
  const settled = log.filter((e) => !e.reserved);
  const opts = make(settled, sequence);
  const dir = resolveBundleDir(to, sequence);
  const files = Object.fromEntries(opts.files.map((f) => [f.name, sha256Hex(f.bytes)]));
  const res = await exportBundle({
    ...opts,
    to: dir,
    sequence,
    beforeWrite: (manifestSha256) =>
      appendExportLog(logPath, { sequence, time: opts.now, bundle: dir, manifestSha256, files, reserved: true }),
  });
  return { ...res, sequence, log: settled };
}

export async function exportBundle(opts: ExportOptions): Promise<ExportResult> {
  const { files, to } = opts;
  if (!Number.isSafeInteger(opts.sequence) || opts.sequence < 1)
    throw new UsageError(`sequence must be a positive integer, got ${opts.sequence}`);
  const seen = new Set<string>();
  for (const f of files) {
    const why = badFileName(f.name);
    if (why) throw new UsageError(`cannot put "${f.name}" in a bundle: it ${why}`);
    if (seen.has(f.name)) throw new UsageError(`cannot put "${f.name}" in a bundle twice`);
    seen.add(f.name);
  }
  // Never overwrite (docs/formats/bundle.md: exit 5): an existing bundle, or anything else, stays as it is.
  if (present(to))
    throw new RefusedError(`${to} already exists; a bundle is always written to a new folder`, 'E_EXISTS');
  const parent = dirname(to);

  const { manifest, manifestBytes, manifestSha256 } = manifestOf(opts);
  const png = await qrPng(manifestSha256);
  opts.beforeWrite?.(manifestSha256);

  const temp = join(parent, `${partialPrefix(to)}${randomBytes(6).toString('hex')}`);
  const nothingLeft = `no bundle was left at ${to}`;
  try {
    mkdirSync(temp, { mode: 0o755 });
  } catch (e) {
    throw mediumError(e, parent, nothingLeft);
  }
  try {
    for (const f of files) writeExclusive(join(temp, f.name), f.bytes);
    writeExclusive(join(temp, QR_NAME), png);
    // The manifest goes last: a folder without it is visibly incomplete.
    writeExclusive(join(temp, MANIFEST_NAME), manifestBytes);
    fsyncDir(temp);
    if (present(to))
      throw new RefusedError(`${to} appeared while the bundle was being written; it was left as it is`, 'E_EXISTS');
    // rename(2) of a folder fails on a non-empty target folder (ENOTEMPTY) or a file (ENOTDIR), so
    // nothing can be lost even if something appears at `to` after the check above.
    renameSync(temp, to);
    fsyncDir(parent);
  } catch (e) {
    removeQuietly(temp);
    throw mediumError(e, parent, nothingLeft);
  }

  // Read back every file from the medium and compare (a faulty medium is found now, not on the other side).
  const expected: Array<[string, Uint8Array]> = [
    ...files.map((f): [string, Uint8Array] => [f.name, f.bytes]),
    [MANIFEST_NAME, manifestBytes],
    [QR_NAME, png],
  ];
  for (const [name, bytes] of expected) {
    let back: Buffer | undefined;
    try {
      back = readFileSync(join(to, name));
    } catch {
      back = undefined;
    }
    if (!back || !back.equals(bytes)) {
      const aside = join(parent, `.${basename(to)}.unreadable-${randomBytes(6).toString('hex')}`);
      let moved = true;
      try {
        renameSync(to, aside);
      } catch {
        moved = false;
      }
      throw new VerificationError(
        `reading ${name} back from ${to} gave different bytes: the medium is faulty; ` +
          `${moved ? `the bundle was moved aside to ${aside}` : 'remove the bundle folder and use another medium'}`,
        'E_MEDIUM_READBACK',
      );
    }
  }
  return { dir: to, manifest, manifestBytes, manifestSha256 };
}
