/**
 * What the other folders use of src/tuf/verify (docs/architecture.md): verification as a client
 * does it. Files of the same folder import the modules themselves; the other folders import only
 * this file (test/architecture.test.ts).
 */

// The trusted set: a client's view, verified in the specification's order
export { checkLengthAndHashes, TrustedSet, TrustError, unsignedReason } from './trusted-set.js';

// The repository verifier: every delegation edge of a metadata folder
export {
  firstProblem,
  MAX_METADATA_BYTES,
  MAX_ROOT_BYTES,
  MAX_TIMESTAMP_BYTES,
  verifyRepository,
} from './repository-verifier.js';
export type { MetadataSource, RepositoryReport, RoleReport } from './repository-verifier.js';

// Signatures against a threshold of keys
export { describeResult, verifyRole, verifyRootUpdate, verifyWithRoot } from './verification.js';
export type { VerificationResult } from './verification.js';

// Role file names
export { decodeRoleName, parseRoleFileName, roleFileName, snapshotMetaName } from './role-names.js';
