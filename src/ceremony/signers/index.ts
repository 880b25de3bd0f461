/**
 * What the other folders use of src/ceremony/signers (docs/architecture.md). Files of the same
 * folder import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// Signers from the holders' tokens, or from software keys
export { TokenProvider } from './token-provider.js';
export { MORE_THAN_SIGNING } from './signer-provider.js';

// How the ceremony asks people (the command line answers)
export type { CeremonyPrompter } from './prompts.js';
