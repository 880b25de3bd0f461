/**
 * The keys folder as the other folders use it (docs/architecture.md): PKCS#11 tokens, software
 * keys, profiles and PINs. Files of the same folder import the modules themselves; the other
 * folders import only this file (test/architecture.test.ts).
 */

// Keys on PKCS#11 tokens: list, generate, read, and sign in a holder session
export { generateTokenKey, listProfileTokens, listTokens, readTokenPublicKey } from './token-keys.js';
export type { ListedKey, ListedToken, TokenKeyInfo, TokenListing } from './token-keys.js';
export { absentTokens, openHolderSession } from './holder-session.js';
export type { HolderSession, TokenOptions } from './holder-session.js';
export { TOKEN_KEY_TYPES } from './token-key-types.js';
export type { TokenKeyType } from './token-key-types.js';

// Token profiles and PINs
export { keyLabel, loadProfile, tokenForPurpose } from './profile.js';
export type { HolderToken, TokenProfile } from './profile.js';
export { pinSource, readSecretFile } from './pin.js';
export type { PinSource } from './pin.js';

// Software keys and developers' encrypted key files
export { Ed25519Signer } from './software-signer.js';
export { createEncryptedKeyFile, isKeyFileDocument, openEncryptedKeyFile, readKeyFilePublicKey } from './key-file.js';
export { passphraseProblem } from './passphrase-strength.js';

// Throwaway SoftHSM tokens for rehearsals
export { createTestTokens } from './softhsm.js';
