/**
 * The online folder as the command line uses it (docs/architecture.md): the reference online side
 * of an index, for rehearsals and small indexes (docs/online-side.md). It may import bundle, keys
 * and tuf; never ceremony.
 */

// The state folder and its settings
export { DEFAULT_EXPIRES, OnlineState, UNCLAIMED_BIN_PREFIX } from './online-state.js';
export type { OnlineSigned } from './online-state.js';

// Bundles, registrations and uploads taken in
export { importIntoState, registerProject, takeUpload } from './online-intake.js';

// Publishing: the online roles signed and the repository written, timestamp last
export { publish } from './online-publish.js';
