/**
 * Two keys are one key when their decoded public keys are equal (
 * docs/decisions/0004-verification-strictness.md, "Key identity"): an ECDSA point compressed or
 * not, PEM line lengths, text after the PEM block, another scheme or other custom fields. A
 * threshold counts each key once, however many keyids and encodings list it.
 */
import { constants, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, Root } from '../../../src/tuf/model/metadata.js';
import { Role } from '../../../src/tuf/model/roles.js';
import type { Signer } from '../../../src/tuf/model/signer.js';
import { verifyRole, verifyWithRoot } from '../../../src/tuf/verify/verification.js';
import { runCli } from '../../helpers/cli.js';
import {
  compressedP256Pem,
  p256Signer,
  pemOf,
  reencoded,
  rewrappedPem,
  rsaSigner,
  signingAs,
  withTrailingText,
} from '../../helpers/key-encodings.js';
import { random } from '../../helpers/random.js';
import { buildSoftwareRepo, FAR, seededSigner } from '../../helpers/software-repo.js';

const ecdsa = p256Signer('alice');
const K = ecdsa.key;
const encodings: Array<[string, string]> = [
  ['a compressed point', compressedP256Pem(K.publicValue)],
  ['text after the PEM block', withTrailingText(K.publicValue)],
  ['76-character PEM lines', rewrappedPem(K.publicValue, 76)],
  ['one PEM line', rewrappedPem(K.publicValue, 1000)],
  ['CRLF line ends', K.publicValue.replaceAll('\n', '\r\n')],
];

describe('Key.sameMaterial', () => {
  for (const [what, pem] of encodings) {
    it(`an ECDSA P-256 key written with ${what} is the same key, has its own keyid, and verifies the key's signatures`, async () => {
      const other = reencoded(K, pem);
      expect(other.keyid).not.toBe(K.keyid);
      expect(other.sameMaterial(K)).toBe(true);
      expect(K.sameMaterial(other)).toBe(true);
      expect(other.materialId).toBe(K.materialId);
      const payload = Buffer.from('payload');
      expect(other.verify(payload, await ecdsa.sign(payload))).toBe(true);
    });
  }

  it('another ECDSA key, in any encoding, is another key', () => {
    const other = p256Signer('alice').key;
    expect(other.sameMaterial(K)).toBe(false);
    expect(reencoded(other, compressedP256Pem(other.publicValue)).sameMaterial(K)).toBe(false);
    expect(reencoded(K, compressedP256Pem(K.publicValue)).sameMaterial(other)).toBe(false);
  });

  it('ignores the scheme, the keytype spelling and custom fields: one key, one holder', () => {
    expect(new Key('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', K.keyval).sameMaterial(K)).toBe(true);
    expect(new Key('ecdsa', 'ecdsa-sha2-nistp384', K.keyval).sameMaterial(K)).toBe(true);
    expect(K.withCustomFields({ 'x-ceremony-owner': 'admin-d' }).sameMaterial(K)).toBe(true);
    const rsa = rsaSigner().key;
    expect(new Key('rsa', 'rsa-pkcs1v15-sha256', rsa.keyval).sameMaterial(rsa)).toBe(true);
  });

  it('an RSA key with other PEM line lengths or trailing text is the same key; another modulus is not', () => {
    const rsa = rsaSigner().key;
    for (const pem of [
      rewrappedPem(rsa.publicValue, 76),
      withTrailingText(rsa.publicValue),
      rewrappedPem(rsa.publicValue, 1000),
    ]) {
      const other = reencoded(rsa, pem);
      expect(other.keyid).not.toBe(rsa.keyid);
      expect(other.sameMaterial(rsa)).toBe(true);
    }
    expect(rsaSigner().key.sameMaterial(rsa)).toBe(false);
  });

  it('an Ed25519 key is its 32 bytes, as hex or as an SPKI PEM', () => {
    const ed = seededSigner(9).key;
    const spki = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(ed.publicValue, 'hex').toString('base64url') },
      format: 'jwk',
    });
    expect(
      new Key('ed25519', 'ed25519', { public: spki.export({ type: 'spki', format: 'pem' }).toString() }).sameMaterial(
        ed,
      ),
    ).toBe(true);
    expect(new Key('ed25519', 'ed25519', { public: ed.publicValue.toUpperCase() }).sameMaterial(ed)).toBe(true);
    expect(seededSigner(10).key.sameMaterial(ed)).toBe(false);
  });

  it('a public value that does not decode is compared as text without whitespace, within its keytype family', () => {
    const broken = new Key('ecdsa', 'ecdsa-sha2-nistp256', {
      public: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    });
    expect(broken.verify(Buffer.from('x'), Buffer.alloc(70))).toBe(false);
    expect(() => broken.assertUsable()).toThrow(/not a readable public key/);
    expect(
      new Key('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', {
        public: broken.publicValue.replaceAll('\n', '\r\n '),
      }).sameMaterial(broken),
    ).toBe(true);
    expect(new Key('rsa', 'rsassa-pss-sha256', broken.keyval).sameMaterial(broken)).toBe(false);
    expect(broken.sameMaterial(K)).toBe(false);
  });

  it('is not computed when a key is read, only when first compared', () => {
    const read = Key.fromJSON(K.toJSON());
    const cache = (k: Key) => (k as unknown as { memo: { materialId?: string } }).memo.materialId;
    expect(read.keyid).toBe(K.keyid);
    expect(cache(read)).toBeUndefined();
    expect(read.sameMaterial(K)).toBe(true);
    expect(cache(read)).toBe(K.materialId);
  });
});

describe('the fast path for the usual P-256 PEM agrees with the decoder', () => {
  const hex = (v: string | undefined) => Buffer.from(v!, 'base64url').toString('hex');
  /** The plain implementation: whatever OpenSSL decodes, else the text fallback. */
  function plain(pem: string): string {
    try {
      const jwk = createPublicKey(pem).export({ format: 'jwk' });
      return `ec:${jwk.crv}:${hex(jwk.x)}${hex(jwk.y)}`;
    } catch {
      return `undecoded:ecdsa:${pem.replace(/\s+/g, '')}`;
    }
  }
  const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const header = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex');
  const withPoint = (x: bigint, y: bigint) =>
    pemOf(
      Buffer.concat([header, Buffer.from(x.toString(16).padStart(64, '0') + y.toString(16).padStart(64, '0'), 'hex')]),
    );

  it('on 1,000 keys and 8,000 mutations of them (flipped characters, negated y, swapped or nudged coordinates)', () => {
    const rng = random(0x4b1d);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let decoded = 0;
    let fallback = 0;
    for (let i = 0; i < 1000; i++) {
      const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      const jwk = createPublicKey(pem).export({ format: 'jwk' });
      const x = BigInt(`0x${hex(jwk.x)}`);
      const y = BigInt(`0x${hex(jwk.y)}`);
      const flip = (s: string) => {
        // a character of the body, past the BEGIN line
        const at = 27 + rng.int(124);
        const c = rng.pick([...B64]);
        return s.slice(0, at) + c + s.slice(at + 1);
      };
      const cases = [
        pem,
        flip(pem),
        flip(pem),
        withPoint(x, P - y),
        withPoint(y, x),
        withPoint(x ^ 1n, y),
        withPoint(x, y + 1n),
        withPoint(x, y + P < 2n ** 256n ? y + P : y),
        compressedP256Pem(pem),
      ];
      for (const c of cases) {
        const id = new Key('ecdsa', 'ecdsa-sha2-nistp256', { public: c }).materialId;
        expect(id).toBe(plain(c));
        if (id.startsWith('ec:')) decoded++;
        else fallback++;
      }
    }
    // both branches were exercised many times
    expect(decoded).toBeGreaterThan(3000);
    expect(fallback).toBeGreaterThan(3000);
  });
});

/** A root whose root role lists `keys` with `threshold`, signed by each of `signers`. */
async function rootListing(
  keys: Key[],
  threshold: number,
  signers: Parameters<Metadata['sign']>[0][],
  extra: Key[] = [],
): Promise<Metadata<Root>> {
  const all = new Map([...keys, ...extra].map((k) => [k.keyid, k]));
  const ids = keys.map((k) => k.keyid);
  const root = new Metadata(
    new Root({
      version: 1,
      expires: FAR,
      consistentSnapshot: true,
      keys: all,
      roles: {
        root: new Role(ids, threshold),
        targets: new Role(ids, 1),
        snapshot: new Role(ids, 1),
        timestamp: new Role(ids, 1),
      },
    }),
  );
  for (const s of signers) await root.sign(s, 'append');
  return root;
}

describe('threshold counting', () => {
  for (const [what, pem] of encodings.slice(0, 2)) {
    it(`counts a threshold-2 root signed by one key listed twice (once with ${what}) as 1 of 2`, async () => {
      const twin = reencoded(K, pem, { 'x-ceremony-owner': 'admin-d' });
      const stranger = p256Signer();
      const root = await rootListing([K, twin], 2, [ecdsa, signingAs(ecdsa, twin), stranger], [stranger.key]);
      const r = verifyWithRoot(root.signed, 'root', root);
      expect(r).toMatchObject({
        signed: [K.keyid],
        duplicateMaterial: [twin.keyid],
        missing: [],
        bad: [],
        unknown: [stranger.key.keyid],
        verified: false,
      });
    });
  }

  it('counts one key listed under several schemes once, each signature valid under its own scheme (decision 0009)', async () => {
    // The attack: one holder lists their RSA key as three keys, one per scheme, and signs three times.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsaAs = (scheme: string, hash: string, pss: boolean): Signer => ({
      key: new Key('rsa', scheme, { public: spki }),
      sign: async (payload) =>
        sign(
          hash,
          payload,
          pss ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : privateKey,
        ),
    });
    const signers = [
      rsaAs('rsassa-pss-sha256', 'sha256', true),
      rsaAs('rsassa-pss-sha512', 'sha512', true),
      rsaAs('rsa-pkcs1v15-sha384', 'sha384', false),
    ];
    const root = await rootListing(
      signers.map((s) => s.key),
      2,
      signers,
    );
    const r = verifyWithRoot(root.signed, 'root', root);
    expect(r).toMatchObject({ signed: [signers[0]!.key.keyid], bad: [], unsupported: [], verified: false });
    expect(r.duplicateMaterial).toEqual([signers[1]!.key.keyid, signers[2]!.key.keyid]);

    // An ECDSA P-384 key under both keytype spellings is one key too.
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const p384Pem = p384.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384As = (keytype: string): Signer => ({
      key: new Key(keytype, 'ecdsa-sha2-nistp384', { public: p384Pem }),
      sign: async (payload) => sign('sha384', payload, { key: p384.privateKey, dsaEncoding: 'der' }),
    });
    const ec = [p384As('ecdsa'), p384As('ecdsa-sha2-nistp384')];
    const ecRoot = await rootListing(
      ec.map((s) => s.key),
      2,
      ec,
    );
    expect(verifyWithRoot(ecRoot.signed, 'root', ecRoot)).toMatchObject({
      signed: [ec[0]!.key.keyid],
      duplicateMaterial: [ec[1]!.key.keyid],
      verified: false,
    });
  });

  it('still counts two distinct keys as 2 of 2', async () => {
    const bob = p256Signer('bob');
    const root = await rootListing([K, bob.key], 2, [ecdsa, bob]);
    expect(verifyWithRoot(root.signed, 'root', root)).toMatchObject({
      signed: [K.keyid, bob.key.keyid],
      duplicateMaterial: [],
      verified: true,
    });
  });

  it('counts each key once among many keyids, in time linear in the signers', async () => {
    const signers = Array.from({ length: 40 }, (_, i) => seededSigner(20 + i));
    const listed = signers.flatMap((s) => [s.key, s.key.withCustomFields({ 'x-copy': 1 })]);
    const md = await rootListing(
      listed,
      41,
      signers.flatMap((s) => [s, signingAs(s, s.key.withCustomFields({ 'x-copy': 1 }))]),
    );
    const r = verifyRole(md, 'root', md.signed.roles.root, (id) => md.signed.keys.get(id));
    expect([r.signed.length, r.duplicateMaterial.length, r.verified]).toEqual([40, 40, false]);
  });
});

describe('tuf-ceremony verify', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'key-identity-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function folder(
    name: string,
    second: (repo: Awaited<ReturnType<typeof buildSoftwareRepo>>) => {
      key: Key;
      signer: Parameters<Metadata['sign']>[0];
    },
  ): Promise<string> {
    const repo = await buildSoftwareRepo();
    const { key, signer } = second(repo);
    const keys = new Map([K, key, repo.targetsSigner.key, repo.online.key].map((k) => [k.keyid, k]));
    const root = new Metadata(
      new Root({
        version: 1,
        expires: FAR,
        consistentSnapshot: true,
        keys,
        roles: {
          root: new Role([K.keyid, key.keyid], 2),
          targets: new Role([repo.targetsSigner.key.keyid], 1),
          snapshot: new Role([repo.online.key.keyid], 1),
          timestamp: new Role([repo.online.key.keyid], 1),
        },
      }),
    );
    await root.sign(ecdsa, 'append');
    await root.sign(signer, 'append');
    const dir = join(tmp, name);
    mkdirSync(dir);
    const files = new Map(repo.files);
    files.set('1.root.json', root.toBytes());
    for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
    return dir;
  }

  it('fails (exit 3) on a threshold-2 root signed once under two encodings of one key, and passes with two keys', async () => {
    const twin = reencoded(K, compressedP256Pem(K.publicValue), { 'x-ceremony-owner': 'admin-d' });
    const bad = await folder('twin', () => ({ key: twin, signer: signingAs(ecdsa, twin) }));
    const r = await runCli(['verify', '--root', join(bad, '1.root.json'), '--at', '2030-01-01', bad]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/1\.root\.json: 1 of 2 required signatures by its own root keys/);
    const bob = p256Signer('bob');
    const good = await folder('pair', () => ({ key: bob.key, signer: bob }));
    const ok = await runCli(['verify', '--root', join(good, '1.root.json'), '--at', '2030-01-01', good]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });
});
