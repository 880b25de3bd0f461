/**
 * What the other folders use of the TUF model (docs/architecture.md). Files of the same folder
 * import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// Metadata and the four top-level roles
export { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from './metadata.js';
export type { AnySigned, Signature } from './metadata.js';

// Roles and delegations
export { DelegatedRole, Delegations, Role, SuccinctRoles, TOP_LEVEL_ROLES } from './roles.js';
export type { DelegationsBytesDiff, RoleKeys, TopLevelRole } from './roles.js';

// Keys and signers
export { Key, OWNER_FIELD, ownerOf } from './key.js';
export type { Signer } from './signer.js';

// Fields of JSON documents, read with the path of each
export { asArray, asObject, asString, describe, FieldReader, join } from './fields.js';
export type { JsonObject } from './fields.js';

// Digests
export { digestHex, isLowerHex, sha256, sha256Hex, sha512 } from './digest.js';

// Fingerprints as hex groups and words to read aloud
export { fingerprintLines, fingerprintWords, groupedHex } from './fingerprint-words.js';

// Project names (PEP 503)
export {
  checkProjectName,
  isValidProjectName,
  normalizeProjectName,
  RESERVED_BIN_PREFIXES,
  reservedProjectName,
} from './project-name.js';

// Path patterns of delegations
export { fnmatchComponent, matchPathPattern } from './path-pattern.js';

// The content of a role: what a re-sign must leave unchanged
export { contentSha256, contentTree, sameContent } from './role-content.js';
