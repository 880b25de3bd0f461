/**
 * What signs: a hardware token, or a software key. Asynchronous, because a PKCS#11 token is a
 * device that may take its time (and may be pulled out). Signing code never trusts a signer's
 * output: Metadata.sign verifies every signature against `key` before keeping it.
 */
import type { Key } from './key.js';

export interface Signer {
  /** The TUF public key whose private half makes the signatures (keyid included). */
  readonly key: Key;
  /** For messages: "token admin-b (serial 1a2b…), key root-admin-b". */
  readonly description?: string;
  /** The raw signature bytes in the TUF form for the key's scheme (DER for ECDSA). */
  sign(payload: Uint8Array): Promise<Uint8Array>;
}
