/**
 * The bundle folder as the other folders use it (docs/architecture.md): the offline medium, its
 * verification and import, and the durable files under them. Files of the same folder import the
 * modules themselves; the other folders import only this file (test/architecture.test.ts).
 */

// Writing a bundle to removable media, and its export log
export { exportWithLog } from './export.js';
export type { BundleFile, ExportResult } from './export.js';
export { settleExportLog } from './export-log.js';
export type { ExportLogEntry } from './export-log.js';

// Verifying a bundle, and importing it with the state that refuses replays
export { checkSequence, verifyBundle } from './verify.js';
export type { VerifiedBundle } from './verify.js';
export { verifyBundleMetadata } from './metadata-check.js';
export { importBundle } from './import.js';
export type { FileAction, ImportResult } from './import.js';
export { locateImportState, readImportState } from './import-state.js';

// The transcript's hash chain, which a bundle's verification checks
export { checkDigestMap, GENESIS_PREV, parseTranscriptLine, recordLine, transcriptChain } from './transcript-chain.js';
export type { TranscriptChain, TranscriptCheck, TranscriptRecord, TranscriptToken } from './transcript-chain.js';

// The manifest
export { TRANSCRIPT_NAME } from './manifest.js';
export type { Direction } from './manifest.js';

// What the online side sends
export { onlineBundleFiles, onlineExportLog, versionsIn } from './online-files.js';

// A metadata folder read as a TUF client reads it, and the checks of the people downstream
export { auditFolder, readTrustedRoot, VerifiedFolder } from './verified-folder.js';
export { FolderSource } from './metadata-folder.js';
export { checkDownload, checkProject, CLAIMED, RECENTLY_CLAIMED } from './downstream-checks.js';
export type { ProjectCheck } from './downstream-checks.js';
export { defaultTargetPath, downloadFileName, projectOfFile } from './download-target.js';
export { checkAgainstSimplePage } from './simple-page.js';

// A TUF client's refresh of a metadata folder over HTTP(S)
export { fetchIntoFolder } from './fetch-metadata.js';

// A project's PEP 480 upload: its files, its role, and the index's check
export {
  nextProjectRole,
  readReleaseFiles,
  readUpload,
  UPLOAD_METADATA,
  UPLOAD_TARGETS,
  writeUpload,
} from './project-upload.js';
export { checkUpload } from './upload-check.js';
export type { UploadVerdict } from './upload-check.js';

// Durable files: new files never overwritten, atomic replacement, fsync of folders
export {
  fsyncDir,
  mediumError,
  partialPrefix,
  readsBackAs,
  removeQuietly,
  replaceFileAtomically,
  replaceWorkingFiles,
  writeExclusive,
  writeExclusiveFiles,
  writeNewFile,
} from './durable-files.js';
