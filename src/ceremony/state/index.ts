/**
 * What the command line uses of src/ceremony/state (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// The repository folder and its plan
export { Repository } from './repository.js';
export { holdersOf, loadPlan, OFFLINE_ROLES, ONLINE_ROLES, planFromBytes, signOnlyRoles } from './plan.js';
export type { OfflineRole } from './plan.js';

// The transcript
export { inspectTranscript, renderTranscript, TRANSCRIPT_FILE } from './transcript.js';

// Bundles to and from the repository
export { checkBundleTranscript, exportRepository, importIntoRepository } from './repository-export.js';

// The release self-check
export { checkRelease, installRoot, releaseCheckError } from './release-check.js';
export type { ReleaseCheck } from './release-check.js';
