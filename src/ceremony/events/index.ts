/**
 * What the command line uses of src/ceremony/events (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// The signing event folder
export { SigningEvent } from './event.js';
export type { EventStatus } from './event.js';

// What is shown before signing: the summary and the re-sign proof
export { differenceLine, renderSummary, summarizeEvent } from './event-summary.js';
export type { DelegationRef, EventSummary, KeyRef, RoleSummary } from './event-summary.js';
export { describeResignProof } from './resign-proof.js';
export type { ResignProof } from './resign-proof.js';

// The check of the event's base against trusted data
export { checkEventTrust, untrustedRefusal } from './event-trust.js';

// Signing, merging copies and finalizing
export { holdersStillToSign, signEvent } from './event-sign.js';
export type { SignResult } from './event-sign.js';
export { mergeEvents } from './event-merge.js';
export type { MergedSignature } from './event-merge.js';
export { finalizeEvent } from './event-finalize.js';
