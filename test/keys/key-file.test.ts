/** Encrypted developer key files: round trip, wrong passphrase, tampering, never overwritten, 0600. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEncryptedKeyFile,
  DEFAULT_SCRYPT,
  openEncryptedKeyFile,
  readKeyFilePublicKey,
} from '../../src/keys/key-file.js';
import { passphraseProblem } from '../../src/keys/passphrase-strength.js';
import { CATEGORY_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { failure } from '../helpers/failure.js';

const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-keyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Tests use the lowest cost the reader accepts; the default is what new files get in use.
const FAST = { scrypt: { n: 2 ** 14, r: 8, p: 1 } };

describe('encrypted key files', () => {
  it('round trip: the key signs TUF metadata after decryption, with its owner field kept', async () => {
    const path = join(dir, 'dev.key');
    const made = createEncryptedKeyFile(path, 'correct horse battery', { 'x-ceremony-owner': 'dev@example.org' }, FAST);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const pub = readKeyFilePublicKey(path);
    expect(pub.keyid).toBe(made.key.keyid);
    expect(pub.unrecognized['x-ceremony-owner']).toBe('dev@example.org');
    const signer = openEncryptedKeyFile(path, 'correct horse battery');
    expect(signer.key.keyid).toBe(made.key.keyid);
    const md = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
    await md.sign(signer, 'append');
    expect(md.signatures.has(made.key.keyid)).toBe(true);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(doc).sort()).toEqual(['cipher', 'ciphertext', 'format', 'kdf', 'key', 'version']);
    expect(doc.kdf).toMatchObject({ name: 'scrypt', n: 2 ** 14, r: 8, p: 1 });
    expect(readFileSync(path, 'utf8')).not.toContain(Buffer.from(made.exportSeed()).toString('hex'));
  });

  it('the default cost is memory-hard', () => {
    expect(128 * DEFAULT_SCRYPT.n * DEFAULT_SCRYPT.r).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('a wrong passphrase is one clear line, exit 4', () => {
    const path = join(dir, 'wrong.key');
    createEncryptedKeyFile(path, 'the right passphrase', {}, FAST);
    const e = failure(() => openEncryptedKeyFile(path, 'the wrong passphrase'));
    expect(e.code).toBe('E_WRONG_PASSPHRASE');
    expect(e.message).toBe(`wrong passphrase for key file ${path} (or the file was altered)`);
    expect(CATEGORY_EXIT_CODES[e.category]).toBe(4);
  });

  it('a swapped public key or a changed parameter fails the authentication', () => {
    const path = join(dir, 'tamper.key');
    createEncryptedKeyFile(path, 'the right passphrase', {}, FAST);
    const other = createEncryptedKeyFile(join(dir, 'other.key'), 'the right passphrase', {}, FAST);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.key = other.key.toJSON();
    writeFileSync(join(dir, 'swapped.key'), JSON.stringify(doc));
    expect(failure(() => openEncryptedKeyFile(join(dir, 'swapped.key'), 'the right passphrase')).code).toBe(
      'E_WRONG_PASSPHRASE',
    );
  });

  it('is never overwritten', () => {
    const path = join(dir, 'once.key');
    createEncryptedKeyFile(path, 'the first passphrase', {}, FAST);
    const before = readFileSync(path);
    const e = failure(() => createEncryptedKeyFile(path, 'the second passphrase', {}, FAST));
    expect(e.category).toBe('refused');
    expect(readFileSync(path)).toEqual(before);
  });

  it('refuses short passphrases, unknown versions and hostile scrypt costs, naming the field', () => {
    expect(failure(() => createEncryptedKeyFile(join(dir, 'short.key'), 'short', {}, FAST)).category).toBe('usage');
    const path = join(dir, 'fields.key');
    createEncryptedKeyFile(path, 'the right passphrase', {}, FAST);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(join(dir, 'v2.key'), JSON.stringify({ ...doc, version: 2 }));
    expect(failure(() => readKeyFilePublicKey(join(dir, 'v2.key'))).message).toBe(
      `${join(dir, 'v2.key')}: version: version 2 is not one this tool reads (it reads 1)`,
    );
    writeFileSync(join(dir, 'huge.key'), JSON.stringify({ ...doc, kdf: { ...doc.kdf, n: 2 ** 24 } }));
    expect(failure(() => openEncryptedKeyFile(join(dir, 'huge.key'), 'the right passphrase')).message).toContain(
      'kdf.n',
    );
  });
});

describe('a new key file passphrase is judged by how easily it is guessed, not by length alone', () => {
  for (const weak of ['12345678', 'aaaaaaaa', 'password1', 'qwertyuiop', 'iloveyou2', 'Password123!'])
    it(`refuses ${JSON.stringify(weak)}, saying it is easy to guess`, () => {
      expect(passphraseProblem(weak)).toMatch(/^this passphrase is easy to guess/);
    });

  for (const strong of ['correct horse battery staple', 'gravel orbit tundra wisp', 'x9$kQ!vz2#pLm'])
    it(`accepts ${JSON.stringify(strong)}`, () => {
      expect(passphraseProblem(strong)).toBeUndefined();
    });

  it('refuses fewer than 8 characters whatever their strength, and writes no key file', () => {
    expect(passphraseProblem('x9$kQ!v')).toMatch(/at least 8 characters/);
    const path = join(mkdtempSync(join(tmpdir(), 'weak-')), 'k.json');
    expect(() => createEncryptedKeyFile(path, 'password1', {}, FAST)).toThrow(/easy to guess/);
    expect(() => statSync(path)).toThrow();
  });
});
