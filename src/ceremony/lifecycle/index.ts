/**
 * What the command line uses of src/ceremony/lifecycle (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// Bootstrap
export { initRepository } from './bootstrap.js';

// Expiry and re-sign
export { computeExpiry } from './expiry.js';
export type { ExpiryReport, ExpiryStatus, RoleExpiry } from './expiry.js';
export { authorityFor, describeAuthority, loadCurrentRoles } from './expiry-signers.js';
export { createResignEvent } from './resign.js';
export { maintenanceDetails, maintenanceNotes } from './resign-rotate-notes.js';

// Rotation of keys
export { createKeyChangeEvent, describeEventKeyChanges, keyChangesToWire, ROTATE_KIND } from './rotate-event.js';
export { readKeyArgument, readTokenKeyArgument } from './rotate-keys.js';

// Recovery from a compromised key
export { parseCompromised, prepareRecovery, renderRecoveryPlan } from './recover.js';

// The rehearsal on SoftHSM
export { runRehearsal } from './rehearsal.js';

// The repository at a glance
export { repositoryStatus } from './repository-status.js';
export type { RepositoryStatus, StatusKey, StatusRole } from './repository-status.js';

// Runbooks and the guided runs that walk them
export { loadRunbook } from './runbook.js';
export type { Runbook } from './runbook.js';
export { abandonRun, CeremonyRun } from './ceremony-run.js';
export type { RunState } from './ceremony-run.js';
