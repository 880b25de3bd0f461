/**
 * What the command line uses of src/ceremony/state (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// The repository folder and its plan
export { Repository } from './repository.js';
export {
  holdersOf,
  loadPlan,
  OFFLINE_ROLES,
  ONLINE_ROLES,
  planFromBytes,
  readPlanFile,
  signOnlyRoles,
} from './plan.js';
export type { CeremonyPlan, OfflineRole } from './plan.js';

// The transcript
export { appendNote, inspectTranscript, recordingFailure, TRANSCRIPT_FILE } from './transcript.js';
export type { TranscriptRecord } from './transcript.js';
export { renderTranscript, transcriptHeader, viewRecord } from './transcript-view.js';
export type { RecordView } from './transcript-view.js';

// Bundles to and from the repository
export { exportRepository, importIntoRepository } from './repository-export.js';

// The release self-check
export { checkRelease, installRoot, releaseCheckError } from './release-check.js';
export type { ReleaseCheck } from './release-check.js';
