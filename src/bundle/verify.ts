/**
 * Verify a bundle found on removable media before anything in it is used: the folder holds exactly
 * the manifest's files, each a plain file with the listed size and SHA-256; the transcript it
 * carries chains whole to the manifest's head; the sequence is newer than the last one imported;
 * and every metadata file verifies from the receiver's trusted root, whose SHA-256 the result
 * gives for people to compare. Every refusal is a VerificationError (exit 3) naming the file and
 * the reason.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../tuf/model/index.js';
import { CeremonyError, VerificationError, type VerificationErrorCode } from '../tuf/base/index.js';
import { readPlainFile } from './durable-files.js';
import { MANIFEST_NAME, QR_NAME, parseManifest, TRANSCRIPT_NAME, type Direction, type Manifest } from './manifest.js';
import { verifyBundleMetadata, type MetadataCheck } from './metadata-check.js';
import { transcriptChain } from './transcript-chain.js';
import { roleFileName } from '../tuf/verify/index.js';

/** Larger than any manifest of a real bundle; a bigger file is refused before it is parsed. */
const MANIFEST_LIMIT = 16 * 1024 * 1024;
/** The QR image is never read, only bounded. */
const QR_LIMIT = 1024 * 1024;

export interface VerifyBundleOptions {
  /** The bytes of the root the receiver already trusts. */
  trustedRoot: Uint8Array;
  /** The sequence of the last bundle imported in the same direction; undefined when none is known. */
  lastSequence?: number;
  /** Refuse a bundle of the other direction. */
  direction?: Direction;
  /** The one "now" for expiry checks. */
  at: Date;
}

export interface VerifiedBundle {
  dir: string;
  manifest: Manifest;
  manifestSha256: string;
  /** The verified bytes of every file the manifest lists. */
  files: Map<string, Buffer>;
  metadata: MetadataCheck;
  /** SHA-256 of the trusted root's bytes: what an operator compares with the one the ceremony published. */
  trustedRootSha256: string;
  /** The newest root the bundle carries: the one to trust once it is imported. */
  newestRoot: { file: string; version: number; sha256: string };
}

function refuse(file: string, why: string, code: VerificationErrorCode, options?: ErrorOptions): never {
  throw new VerificationError(`${file}: ${why}`, code, options);
}

/**
 * A transcript carried by a bundle is whole (docs/formats/transcript.md): every record chains to
 * the one before, and the last is the head the manifest gives. A cut or extended transcript
 * chains, but ends elsewhere; a reordered or edited one does not chain.
 */
export function checkCarriedTranscript(bytes: Buffer, head: string): void {
  const check = transcriptChain(bytes);
  if (!check.ok) refuse(TRANSCRIPT_NAME, `the hash chain does not hold (${check.reason})`, 'E_BUNDLE_TRANSCRIPT');
  if (check.head !== head)
    refuse(
      TRANSCRIPT_NAME,
      `ends at ${check.head}, not at the transcript_head ${head} of ${MANIFEST_NAME} (records were removed or added)`,
      'E_BUNDLE_TRANSCRIPT',
    );
}

/** The sequence only grows: a replayed or re-ordered bundle is not newer than the last import. */
export function checkSequence(manifest: Manifest, lastSequence: number | undefined, where = ''): void {
  if (lastSequence !== undefined && manifest.sequence <= lastSequence) {
    refuse(
      MANIFEST_NAME,
      `sequence ${manifest.sequence} is not newer than ${lastSequence}, the last one ` +
        `imported${where ? ` into ${where}` : ''} (a replayed or re-ordered bundle)`,
      'E_BUNDLE_SEQUENCE',
    );
  }
}

export function verifyBundle(dir: string, opts: VerifyBundleOptions): VerifiedBundle {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    refuse(dir, `cannot open the bundle folder (${(e as NodeJS.ErrnoException).code})`, 'E_BUNDLE_MISSING', {
      cause: e,
    });
  }
  if (st.isSymbolicLink()) refuse(dir, 'the bundle folder is a symbolic link', 'E_BUNDLE_SYMLINK');
  if (!st.isDirectory()) refuse(dir, 'is not a folder', 'E_BUNDLE_NOT_FILE');

  // 1. The manifest: a plain file, strictly parsed.
  const manifestBytes = readPlainFile(join(dir, MANIFEST_NAME), MANIFEST_NAME, MANIFEST_LIMIT);
  if (manifestBytes.length > MANIFEST_LIMIT)
    refuse(MANIFEST_NAME, `larger than ${MANIFEST_LIMIT} bytes`, 'E_BUNDLE_SIZE');
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (e) {
    if (e instanceof CeremonyError) throw new VerificationError(e.message, 'E_BUNDLE_MANIFEST', { cause: e });
    throw e;
  }
  const manifestSha256 = sha256Hex(manifestBytes);

  // 2. The folder holds exactly the listed files, the manifest and its QR code: nothing else,
  //    no links, no sub-folders, nothing the manifest does not vouch for.
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name;
    if (entry.isSymbolicLink()) refuse(name, 'is a symbolic link; bundles hold plain files only', 'E_BUNDLE_SYMLINK');
    if (!entry.isFile())
      refuse(
        name,
        'is not a plain file (a folder, device or pipe); bundles hold plain files only',
        'E_BUNDLE_NOT_FILE',
      );
    if (name !== MANIFEST_NAME && name !== QR_NAME && !manifest.files.has(name))
      refuse(name, 'is not in the manifest', 'E_BUNDLE_EXTRA');
  }
  const png = readPlainFile(join(dir, QR_NAME), QR_NAME, QR_LIMIT);
  if (png.length > QR_LIMIT) refuse(QR_NAME, `larger than ${QR_LIMIT} bytes`, 'E_BUNDLE_SIZE');

  // 3. Each listed file: present, plain, of the listed size and SHA-256.
  const files = new Map<string, Buffer>();
  for (const [name, entry] of manifest.files) {
    const bytes = readPlainFile(join(dir, name), name, entry.length);
    if (bytes.length !== entry.length)
      refuse(
        name,
        `the manifest says ${entry.length} bytes, the file has ${bytes.length > entry.length ? `more than ${entry.length}` : bytes.length}`,
        'E_BUNDLE_SIZE',
      );
    const actual = sha256Hex(bytes);
    if (actual !== entry.sha256)
      refuse(name, `sha256 ${actual} differs from ${entry.sha256} in the manifest`, 'E_BUNDLE_HASH');
    files.set(name, bytes);
  }

  // The transcript is whole: its chain holds and ends exactly at the manifest's head, which the
  // admins initialled (docs/formats/transcript.md); the manifest requires the head (manifest.ts).
  const transcript = files.get(TRANSCRIPT_NAME);
  if (transcript !== undefined) checkCarriedTranscript(transcript, manifest.transcriptHead!);

  // 4. Direction and sequence: a replayed or re-ordered bundle is older than the last import.
  if (opts.direction && manifest.direction !== opts.direction)
    refuse(MANIFEST_NAME, `a ${manifest.direction} bundle, expected ${opts.direction}`, 'E_BUNDLE_DIRECTION');
  checkSequence(manifest, opts.lastSequence);

  // 5. TUF verification of every metadata file from the trusted root.
  const metadata = verifyBundleMetadata(files, opts.trustedRoot, opts.at);
  if (metadata.rootVersion < manifest.baseRootVersion) {
    refuse(
      MANIFEST_NAME,
      `base_root_version ${manifest.baseRootVersion} is newer than the newest root the bundle carries (${metadata.rootVersion})`,
      'E_BUNDLE_MANIFEST',
    );
  }
  const newest = roleFileName('root', metadata.rootVersion);
  return {
    dir,
    manifest,
    manifestSha256,
    files,
    metadata,
    trustedRootSha256: sha256Hex(opts.trustedRoot),
    newestRoot: { file: newest, version: metadata.rootVersion, sha256: manifest.files.get(newest)!.sha256 },
  };
}
