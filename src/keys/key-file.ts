/**
 * Encrypted key files for developers' software Ed25519 keys (docs/formats/key-file.md).
 * scrypt (memory-hard, node:crypto) derives a 256-bit key from the passphrase; AES-256-GCM
 * encrypts the 32-byte seed with the rest of the document (public key, parameters, version) as
 * associated data, so no field can be swapped without the passphrase check failing.
 * Files are created with mode 0600 and never overwritten.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { canonicalize, parseStrictJson } from '../tuf/json/index.js';
import { FieldReader, isLowerHex, type JsonObject, Key } from '../tuf/model/index.js';
import { FormatError, RefusedError, TokenError, UsageError, withContext } from '../tuf/base/index.js';
import { passphraseProblem } from './passphrase-strength.js';
import { Ed25519Signer } from './software-signer.js';

export const KEY_FILE_FORMAT = 'tuf-ceremony-encrypted-key';
export const KEY_FILE_VERSION = 1;

/** scrypt cost for new files: N = 2^17, r = 8, p = 1 (128 MiB, about half a second). */
export const DEFAULT_SCRYPT = { n: 2 ** 17, r: 8, p: 1 };
const MIN_N = 2 ** 14;
const MAX_N = 2 ** 22;
const MAX_MEMORY = 1024 * 1024 * 1024;
interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

function deriveKey(passphrase: string, salt: Buffer, s: ScryptParams): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, {
    N: s.n,
    r: s.r,
    p: s.p,
    maxmem: 128 * s.n * s.r * s.p + 64 * 1024 * 1024,
  });
}

/** The document minus its ciphertext: the associated data of the cipher. */
function associatedData(doc: JsonObject): Buffer {
  const { ciphertext: _ignored, ...rest } = doc;
  return canonicalize(rest);
}

/** Write `signer`'s seed encrypted under `passphrase` to a new file (never overwrites). */
export function writeEncryptedKeyFile(
  path: string,
  signer: Ed25519Signer,
  passphrase: string,
  options: { scrypt?: ScryptParams } = {},
): void {
  const problem = passphraseProblem(passphrase);
  if (problem) throw new UsageError(problem);
  const scrypt = options.scrypt ?? DEFAULT_SCRYPT;
  const salt = randomBytes(32);
  const nonce = randomBytes(12);
  const doc: JsonObject = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    key: signer.key.toJSON(),
    kdf: { name: 'scrypt', salt: salt.toString('hex'), n: scrypt.n, r: scrypt.r, p: scrypt.p },
    cipher: { name: 'aes-256-gcm', nonce: nonce.toString('hex') },
  };
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, scrypt), nonce);
  cipher.setAAD(associatedData(doc));
  const seed = signer.exportSeed();
  doc['ciphertext'] = Buffer.concat([cipher.update(seed), cipher.final(), cipher.getAuthTag()]).toString('hex');
  seed.fill(0);
  try {
    writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RefusedError(`${path} already exists; a key file is never overwritten`, 'E_EXISTS', { cause: e });
    throw new UsageError(
      `cannot write key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_USAGE',
      { cause: e },
    );
  }
}

/** Generate a new Ed25519 key and write it encrypted; `customFields` (the owner) go into the public key. */
export function createEncryptedKeyFile(
  path: string,
  passphrase: string,
  customFields: Record<string, unknown> = {},
  options: { scrypt?: ScryptParams } = {},
): Ed25519Signer {
  const fresh = Ed25519Signer.generate();
  const signer = new Ed25519Signer(fresh.exportSeed(), `key file ${path}`, customFields);
  writeEncryptedKeyFile(path, signer, passphrase, options);
  return signer;
}

interface ParsedKeyFile {
  doc: JsonObject;
  key: Key;
  salt: Buffer;
  scrypt: ScryptParams;
  nonce: Buffer;
  ciphertext: Buffer;
}

function hexField(r: FieldReader, name: string, bytes: number): Buffer {
  const v = r.string(name);
  if (!isLowerHex(v, bytes)) throw new FormatError(r.at(name), `expected ${bytes} bytes as lowercase hex`);
  return Buffer.from(v, 'hex');
}

function parseKeyFile(path: string): ParsedKeyFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_USAGE',
      { cause: e },
    );
  }
  const doc = parseStrictJson(bytes, path);
  return withContext(path, () => {
    const r = FieldReader.of(doc, '');
    if (r.string('format') !== KEY_FILE_FORMAT) throw new FormatError('format', `expected "${KEY_FILE_FORMAT}"`);
    const version = r.integer('version');
    if (version !== KEY_FILE_VERSION)
      throw new FormatError('version', `version ${version} is not one this tool reads (it reads ${KEY_FILE_VERSION})`);
    const key = Key.fromJSON(r.raw('key'), 'key');
    if (key.kind !== 'ed25519') throw new FormatError('key', 'a key file holds an ed25519 key');
    const kdf = FieldReader.of(r.raw('kdf'), 'kdf');
    if (kdf.string('name') !== 'scrypt') throw new FormatError('kdf.name', 'expected "scrypt"');
    const scrypt = { n: kdf.integer('n', MIN_N), r: kdf.integer('r', 1), p: kdf.integer('p', 1) };
    // Bounds before any work: a hostile file must not make the tool allocate gigabytes.
    if (scrypt.n > MAX_N || (scrypt.n & (scrypt.n - 1)) !== 0)
      throw new FormatError('kdf.n', `expected a power of two from 2^14 to 2^22`);
    if (scrypt.r > 32 || scrypt.p > 16 || 128 * scrypt.n * scrypt.r * scrypt.p > MAX_MEMORY)
      throw new FormatError('kdf', 'scrypt parameters beyond 1 GiB of memory');
    const salt = hexField(kdf, 'salt', 32);
    const cipher = FieldReader.of(r.raw('cipher'), 'cipher');
    if (cipher.string('name') !== 'aes-256-gcm') throw new FormatError('cipher.name', 'expected "aes-256-gcm"');
    const nonce = hexField(cipher, 'nonce', 12);
    const ciphertext = hexField(r, 'ciphertext', 48);
    for (const reader of [r, kdf, cipher]) {
      const extra = Object.keys(reader.rest());
      if (extra.length) throw new FormatError(reader.at(extra[0]!), 'unknown field');
    }
    return { doc: doc as JsonObject, key, salt, scrypt, nonce, ciphertext };
  });
}

/** Whether parsed JSON is an encrypted key file (by its `format`), rather than a public key. */
export function isKeyFileDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === KEY_FILE_FORMAT;
}

/** The public key of a key file, without the passphrase. */
export function readKeyFilePublicKey(path: string): Key {
  return parseKeyFile(path).key;
}

/** Decrypt a key file; a wrong passphrase (or an altered file) is one clear line. */
export function openEncryptedKeyFile(path: string, passphrase: string): Ed25519Signer {
  const f = parseKeyFile(path);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(passphrase, f.salt, f.scrypt), f.nonce);
  decipher.setAAD(associatedData(f.doc));
  decipher.setAuthTag(f.ciphertext.subarray(32));
  let seed: Buffer;
  try {
    seed = Buffer.concat([decipher.update(f.ciphertext.subarray(0, 32)), decipher.final()]);
  } catch (e) {
    throw new TokenError('E_WRONG_PASSPHRASE', `wrong passphrase for key file ${path} (or the file was altered)`, {
      cause: e,
    });
  }
  const signer = new Ed25519Signer(seed, `key file ${path}`, f.key.unrecognized);
  seed.fill(0);
  if (!signer.key.sameMaterial(f.key))
    throw new FormatError(`${path}: key`, 'the public key does not belong to the encrypted private key');
  return signer;
}
