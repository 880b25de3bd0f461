/**
 * What the other folders use of src/tuf/json (docs/architecture.md). Files of the same folder
 * import the modules themselves; the other folders import only this file
 * (test/architecture.test.ts).
 */

// Canonical JSON, what every signature covers
export { canonicalize, serializeJson } from './canonical-json.js';

// The strict reader
export { parseStrictJson } from './strict-json.js';

// Navigation in canonical bytes without parsing them
export { eachElement, eachMember, membersOf, plainString, sameBytes, valueEnd } from './canonical-bytes.js';
export type { Member } from './canonical-bytes.js';
