/**
 * What the command line uses of src/ceremony/claims (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// Developers' delegation requests
export { checkRequestedProject, createRequest, encodeRequest } from './requests-format.js';

// Intake of requests into a claim event, and its report
export { claimFromRequests } from './intake-claim.js';
export { describeProposal, intakeReportJson, proposalJson, renderIntakeReport } from './intake-report.js';

// The claimed role: its projects and its layout
export { isExactPath } from './claimed-projects.js';
export { adviseClaimedLayout, megabytes } from './claimed-sizing.js';
export type { SizingAdvice } from './claimed-sizing.js';

// Revoking a developer key
export { createRevokeEvent } from './revoke.js';
