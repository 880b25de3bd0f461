import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, RefusedError, VerificationError } from '../../../src/tuf/base/errors.js';
import { Metadata, type Root, type Targets } from '../../../src/tuf/model/metadata.js';
import { verifyRole, verifyRootUpdate, verifyWithRoot } from '../../../src/tuf/verify/verification.js';
import type { Signer } from '../../../src/tuf/model/signer.js';
import { PEP480_DIR } from '../../helpers/vectors.js';
import { makeRoot, seededSigner } from '../../helpers/software-repo.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Role } from '../../../src/tuf/model/roles.js';

const vectorFiles = readdirSync(PEP480_DIR).filter((f) => f.endsWith('.json') && f !== 'TEST-KEYS.json');

describe('metadata written by python-tuf', () => {
  for (const file of vectorFiles) {
    it(`${file} round-trips exactly, unknown fields included`, () => {
      const bytes = readFileSync(join(PEP480_DIR, file));
      const md = Metadata.fromBytes(bytes, file);
      expect(md.toJSON()).toEqual(JSON.parse(bytes.toString()));
    });
  }
});

function mutate(file: string, edit: (j: any) => void): Buffer {
  const j = JSON.parse(readFileSync(join(PEP480_DIR, file), 'utf8'));
  edit(j);
  return Buffer.from(JSON.stringify(j));
}

describe('parsing refuses bad metadata and names the field', () => {
  it.each([
    [
      'duplicate keyids in a role',
      '1.root.json',
      (j: any) => j.signed.roles.root.keyids.push(j.signed.roles.root.keyids[0]),
      /signed\.roles\.root\.keyids\[3\]: .* listed twice/,
    ],
    [
      'threshold 0',
      '1.root.json',
      (j: any) => (j.signed.roles.targets.threshold = 0),
      /signed\.roles\.targets\.threshold: expected an integer >= 1/,
    ],
    [
      'bad _type',
      '1.targets.json',
      (j: any) => (j.signed._type = 'target'),
      /signed\._type: unknown metadata type "target"/,
    ],
    ['string version', '1.targets.json', (j: any) => (j.signed.version = '1'), /signed\.version: expected an integer/],
    ['version 0', '1.targets.json', (j: any) => (j.signed.version = 0), /signed\.version: expected an integer >= 1/],
    [
      'expires with milliseconds',
      '1.targets.json',
      (j: any) => (j.signed.expires = '2030-01-01T00:00:00.000Z'),
      /signed\.expires: .*YYYY-MM-DDTHH:MM:SSZ/,
    ],
    [
      'impossible date',
      '1.targets.json',
      (j: any) => (j.signed.expires = '2030-02-30T00:00:00Z'),
      /signed\.expires: .*not a real date/,
    ],
    [
      'a role keyid missing from keys',
      '1.root.json',
      (j: any) => j.signed.roles.snapshot.keyids.push('ab'.repeat(32)),
      /signed\.roles\.snapshot\.keyids\[1\]: keyid .* is not in signed\.keys/,
    ],
    [
      'an extra top-level role',
      '1.root.json',
      (j: any) => (j.signed.roles.mirror = { keyids: [], threshold: 1 }),
      /signed\.roles: .*"mirror"/,
    ],
    [
      'two signatures by one keyid',
      '1.claimed.json',
      (j: any) => j.signatures.push(j.signatures[0]),
      /signatures\[2\]\.keyid: keyid .* signs twice/,
    ],
    [
      'both paths and path_hash_prefixes',
      '1.targets.json',
      (j: any) => (j.signed.delegations.roles[0].path_hash_prefixes = ['ab']),
      /exactly one of "paths" and "path_hash_prefixes"/,
    ],
    [
      'a delegated role named like a top-level role',
      '1.targets.json',
      (j: any) => (j.signed.delegations.roles[0].name = 'root'),
      /roles\[0\]\.name: "root" cannot be a delegated role name/,
    ],
    [
      'a role delegated twice',
      '1.targets.json',
      (j: any) => (j.signed.delegations.roles[1].name = 'claimed'),
      /role "claimed" is delegated twice/,
    ],
    ['a missing field', '1.snapshot.json', (j: any) => delete j.signed.meta, /signed\.meta: missing/],
    [
      'bit_length 33',
      '1.unclaimed.json',
      (j: any) => (j.signed.delegations.succinct_roles.bit_length = 33),
      /bit_length: must be from 1 to 32/,
    ],
  ])('%s', (_name, file, edit, expected) => {
    const bytes = mutate(file, edit);
    expect(() => Metadata.fromBytes(bytes, file)).toThrow(FormatError);
    expect(() => Metadata.fromBytes(bytes, file)).toThrow(expected);
    expect(() => Metadata.fromBytes(bytes, file)).toThrow(new RegExp(`^${file.replace('.', '\\.')}: `));
  });

  it('a truncated file names the file', () => {
    const bytes = readFileSync(join(PEP480_DIR, '1.root.json')).subarray(0, 300);
    expect(() => Metadata.fromBytes(bytes, '1.root.json')).toThrow(
      /1\.root\.json: not valid JSON at byte \d+: unexpected end of data/,
    );
  });
});

describe('unknown fields', () => {
  it('are kept at every level and signed over', async () => {
    const bytes = mutate('1.targets.json', (j) => {
      j['x-envelope'] = 1;
      j.signed['x-signed'] = { nested: [1, 'two'] };
      j.signed.delegations['x-deleg'] = true;
      j.signed.delegations.roles[0]['x-role'] = 'r';
    });
    const md = Metadata.fromBytes<Targets>(bytes, 't.json');
    const again = JSON.parse(md.toBytes().toString());
    expect(again['x-envelope']).toBe(1);
    expect(again.signed['x-signed']).toEqual({ nested: [1, 'two'] });
    expect(again.signed.delegations['x-deleg']).toBe(true);
    expect(again.signed.delegations.roles[0]['x-role']).toBe('r');
    expect(md.payload().toString()).toContain('"x-signed":{"nested":[1,"two"]}');
    // the original signature no longer covers the changed content
    const root = Metadata.fromBytes<Root>(readFileSync(join(PEP480_DIR, '1.root.json')), '1.root.json');
    expect(verifyWithRoot(root.signed, 'targets', md).verified).toBe(false);
  });
});

describe('signing', () => {
  const a = seededSigner(11, 'a');
  const b = seededSigner(12, 'b');
  const c = seededSigner(13, 'c');
  const online = seededSigner(14);

  it('append refuses a second signature by the same key; replace starts over', async () => {
    const md = makeRoot([a, b, c], 2, { targets: a, online });
    await md.sign(a, 'append');
    await expect(md.sign(a, 'append')).rejects.toThrow(RefusedError);
    await md.sign(b, 'append');
    expect([...md.signatures.keys()]).toEqual([a.key.keyid, b.key.keyid]);
    await md.sign(c, 'replace');
    expect([...md.signatures.keys()]).toEqual([c.key.keyid]);
  });

  it('a signer that returns a bad signature is refused and nothing is kept', async () => {
    const md = makeRoot([a, b, c], 2, { targets: a, online });
    const liar: Signer = { key: a.key, description: 'broken token', sign: async (p) => b.sign(p) };
    await expect(md.sign(liar, 'append')).rejects.toThrow(VerificationError);
    await expect(md.sign(liar, 'append')).rejects.toThrow(/broken token/);
    expect(md.signatures.size).toBe(0);
  });

  it('keeps only RSA-PSS signatures with the salt made here (32 bytes), though any salt verifies (decision 0009)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = new Key('rsa', 'rsassa-pss-sha256', { public: publicKey.export({ type: 'spki', format: 'pem' }) });
    const pss = (saltLength: number): Signer => ({
      key,
      description: `token with salt ${saltLength}`,
      sign: async (p) => sign('sha256', p, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }),
    });
    const md = makeRoot([a, b, c], 2, { targets: a, online });
    await expect(md.sign(pss(20), 'append')).rejects.toThrow(
      /the signature just made by token with salt 20 does not verify; it was not kept/,
    );
    expect(md.signatures.size).toBe(0);
    await md.sign(pss(32), 'append');
    expect([...md.signatures.keys()]).toEqual([key.keyid]);
  });

  it('the verification result says who signed, who is missing, what is bad and what is unknown', async () => {
    const md = makeRoot([a, b, c], 2, { targets: a, online });
    await md.sign(a, 'append');
    await md.sign(online, 'append');
    md.signatures.set(b.key.keyid, { keyid: b.key.keyid, sig: '00'.repeat(64) });
    const r = verifyWithRoot(md.signed, 'root', md);
    expect(r).toMatchObject({
      signed: [a.key.keyid],
      bad: [b.key.keyid],
      missing: [c.key.keyid],
      unknown: [online.key.keyid],
      threshold: 2,
      verified: false,
    });
  });

  it('one key listed under two keyids counts once toward a threshold', async () => {
    const twin = a.key.withCustomFields({ 'x-ceremony-owner': 'a-again' });
    const md = makeRoot([a, b], 2, { targets: a, online });
    md.signed.keys.set(twin.keyid, twin);
    md.signed.roles.root = new Role([...md.signed.roles.root.keyids, twin.keyid], md.signed.roles.root.threshold);
    const sig = await md.sign(a, 'append');
    md.signatures.set(twin.keyid, { keyid: twin.keyid, sig: sig.sig });
    const r = verifyRole(md, 'root', md.signed.roles.root, (k) => md.signed.keys.get(k));
    expect(r.signed).toEqual([a.key.keyid]);
    expect(r.duplicateMaterial).toEqual([twin.keyid]);
    expect(r.verified).toBe(false);
  });

  it('a new root needs a threshold of the old root keys and of its own', async () => {
    const d = seededSigner(15, 'd');
    const e = seededSigner(16, 'e');
    const v1 = makeRoot([a, b, c], 2, { targets: a, online });
    const v2 = makeRoot([c, d, e], 2, { targets: a, online }, 2);
    await v2.sign(d, 'append');
    await v2.sign(e, 'append');
    expect(verifyRootUpdate(v1.signed, v2)).toMatchObject({
      verified: false,
      current: { verified: true },
      previous: { verified: false },
    });
    await v2.sign(a, 'append');
    expect(verifyRootUpdate(v1.signed, v2).verified).toBe(false); // 1 of the old
    await v2.sign(b, 'append');
    expect(verifyRootUpdate(v1.signed, v2).verified).toBe(true);
    const v3 = makeRoot([c, d, e], 2, { targets: a, online }, 4);
    for (const s of [c, d, e]) await v3.sign(s, 'append');
    expect(verifyRootUpdate(v2.signed, v3)).toMatchObject({ versionOk: false, verified: false });
  });

  it('keeps keyids computed over the key as written', () => {
    const k = Key.fromJSON({
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyval: { public: 'ab'.repeat(32) },
      'x-ceremony-owner': 'z',
    });
    expect(k.toJSON()['x-ceremony-owner']).toBe('z');
  });
});
