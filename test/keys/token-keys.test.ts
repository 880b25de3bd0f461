/**
 * Keys on real SoftHSM2 tokens made fresh for this file: generate each key type, read the
 * attributes back, export, sign TUF roles and verify them here and with @tufjs/models, and the
 * errors a person must be able to act on.
 */
import { renameSync } from 'node:fs';
import * as tufjs from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphenePort } from '../../src/keys/graphene-port.js';
import { CK, type PortAttributes } from '../../src/keys/pkcs11-port.js';
import { pinSource } from '../../src/keys/pin.js';
import { softhsmTokenFolder } from '../../src/keys/softhsm.js';
import {
  generateTokenKey,
  listTokens,
  openHolderSession,
  readTokenPublicKey,
  type TokenKeyInfo,
} from '../../src/keys/token-keys.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, Root, Targets } from '../../src/tuf/model/metadata.js';
import { Role } from '../../src/tuf/model/roles.js';
import { verifyRole, verifyWithRoot } from '../../src/tuf/verify/verification.js';
import { fixedPins, freshTokens, type Fixture } from './softhsm-fixture.js';
import { rejection } from '../helpers/failure.js';

let fx: Fixture;
let profile: ReturnType<Fixture['profile']>;
const PINS = { 'token-a': '1234-a', 'token-b': '1234-b', 'token-c': '1234-c' };
const pins = fixedPins(PINS);
const generated: Record<string, TokenKeyInfo> = {};

beforeAll(async () => {
  fx = freshTokens([
    { label: 'token-a', soPin: 'so-a-0000', userPin: PINS['token-a'] },
    { label: 'token-b', soPin: 'so-b-0000', userPin: PINS['token-b'] },
    { label: 'token-c', soPin: 'so-c-0000', userPin: PINS['token-c'] },
  ]);
  profile = fx.profile('profile.json', {
    module: fx.module,
    holders: {
      'admin-a': {
        token: { label: 'token-a' },
        keys: { root: 'root-a', targets: 'targets-a', claimed: 'claimed-a' },
        pin: { file: fx.pinFileOf('token-a') },
      },
      'admin-b': {
        token: { label: 'token-b', serial: fx.serialOf('token-b') },
        keys: { root: 'root-b', claimed: 'claimed-b' },
        pin: { env: 'TEST_PIN_B' },
      },
      'admin-c': { token: { label: 'token-c' }, keys: { root: 'root-c' } },
      'admin-gone': { token: { label: 'token-gone' }, keys: { root: 'root-gone' } },
    },
  });
  generated['a-root'] = await generateTokenKey(profile, 'admin-a', 'root', 'ed25519', 'root-a', pins);
  generated['a-targets'] = await generateTokenKey(profile, 'admin-a', 'targets', 'rsa-3072', 'targets-a', pins);
  generated['a-claimed'] = await generateTokenKey(profile, 'admin-a', 'claimed', 'ecdsa-p256', 'claimed-a', pins);
  generated['b-root'] = await generateTokenKey(profile, 'admin-b', 'root', 'ecdsa-p256', 'root-b', pins);
  generated['b-claimed'] = await generateTokenKey(profile, 'admin-b', 'claimed', 'ed25519', 'claimed-b', pins);
  generated['c-root'] = await generateTokenKey(profile, 'admin-c', 'root', 'ed25519', 'root-c', pins);
});

afterAll(() => fx?.cleanup());

describe('generating keys on SoftHSM', () => {
  it('makes each key type as a TUF key that names its holder', () => {
    expect(generated['a-root']!.key.kind).toBe('ed25519');
    expect(generated['a-targets']!.key.kind).toBe('rsa-pss');
    expect(generated['a-claimed']!.key.kind).toBe('ecdsa-p256');
    expect(generated['a-claimed']!.key.keytype).toBe('ecdsa');
    expect(generated['a-targets']!.key.publicValue).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/,
    );
    for (const g of Object.values(generated)) {
      expect(g.key.unrecognized['x-ceremony-owner']).toMatch(/^admin-[abc]$/);
      expect(g.id).toMatch(/^[0-9a-f]{32}$/);
      expect(g.tokenSerial).toBe(fx.serialOf(g.tokenLabel));
    }
    expect(new Set(Object.values(generated).map((g) => g.id)).size).toBe(6);
    // the RSA key is 3072 bits
    expect(
      Buffer.from(generated['a-targets']!.key.publicValue.replace(/-----[^-]+-----|\n/g, ''), 'base64').length,
    ).toBeGreaterThan(380);
  });

  it('the token holds them non-extractable, sensitive and sign-only (read back through PKCS#11)', () => {
    const module = graphenePort.load(fx.module);
    try {
      const slot = module.slots().find((s) => s.token.label === 'token-a')!;
      const session = module.openSession(slot.id, false);
      session.login(PINS['token-a']);
      for (const label of ['root-a', 'targets-a', 'claimed-a']) {
        const [priv] = session.find({ class: CK.CKO_PRIVATE_KEY, label });
        const attrs: PortAttributes = session.getAttributes(priv!, [
          'token',
          'private',
          'sensitive',
          'extractable',
          'alwaysSensitive',
          'neverExtractable',
          'sign',
          'decrypt',
          'unwrap',
          'derive',
          'signRecover',
          'id',
        ]);
        expect(attrs).toMatchObject({
          token: true,
          private: true,
          sensitive: true,
          extractable: false,
          alwaysSensitive: true,
          neverExtractable: true,
          sign: true,
          decrypt: false,
          unwrap: false,
          derive: false,
          signRecover: false,
        });
        expect(attrs.id!.toString('hex')).toBe(Object.values(generated).find((g) => g.label === label)!.id);
      }
      session.logout();
      session.close();
    } finally {
      module.finalize();
    }
  });

  it('refuses a label that is already on the token, and changes nothing', async () => {
    const before = await listTokens(fx.module);
    const e = await rejection(generateTokenKey(profile, 'admin-a', 'root', 'ecdsa-p256', 'root-a', pins));
    expect(e.code).toBe('E_LABEL_EXISTS');
    expect(e.category).toBe('refused');
    expect(e.message).toContain('token "token-a"');
    expect(e.message).toContain('"root-a"');
    expect(await listTokens(fx.module)).toEqual(before);
  });

  it('refuses a label that disagrees with the profile for that purpose', async () => {
    const e = await rejection(generateTokenKey(profile, 'admin-a', 'root', 'ed25519', 'another-root', pins));
    expect(e.category).toBe('usage');
    expect(e.message).toContain('holders.admin-a.keys.root');
  });
});

describe('listing and exporting', () => {
  it('lists tokens, serials and keys with their TUF keyids without a PIN', async () => {
    const listing = await listTokens(fx.module, { profile });
    const a = listing.tokens.find((t) => t.label === 'token-a')!;
    expect(a).toMatchObject({
      serial: fx.serialOf('token-a'),
      initialized: true,
      userPinInitialized: true,
      holder: 'admin-a',
      pin: 'ok',
    });
    expect(a.keys.map((k) => [k.label, k.type])).toEqual([
      ['claimed-a', 'ecdsa-p256'],
      ['root-a', 'ed25519'],
      ['targets-a', 'rsa-3072'],
    ]);
    expect(a.keys.find((k) => k.label === 'root-a')!.keyid).toBe(generated['a-root']!.key.keyid);
    // without a profile the holder is unknown, so the keyid is that of the bare key
    const bare = (await listTokens(fx.module)).tokens.find((t) => t.label === 'token-a')!;
    expect(bare.holder).toBeUndefined();
    const aRoot = generated['a-root']!.key;
    expect(bare.keys.find((k) => k.label === 'root-a')!.keyid).toBe(
      new Key(aRoot.keytype, aRoot.scheme, aRoot.keyval).keyid,
    );
    expect(new Key(aRoot.keytype, aRoot.scheme, aRoot.keyval).keyid).not.toBe(aRoot.keyid);
    expect(listing.tokens.some((t) => !t.initialized)).toBe(true); // SoftHSM's spare empty slot
  });

  it('exports the public key of a token key without a PIN', async () => {
    const info = await readTokenPublicKey(profile, 'admin-b', 'root-b');
    expect(info.key.toJSON()).toEqual(generated['b-root']!.key.toJSON());
    expect(info.key.keyid).toBe(generated['b-root']!.key.keyid);
    expect(info.id).toBe(generated['b-root']!.id);
  });
});

function rootWith(rootKeys: Key[], threshold: number, targetsKey: Key): Metadata<Root> {
  const keys = new Map<string, Key>();
  for (const k of [...rootKeys, targetsKey]) keys.set(k.keyid, k);
  return new Metadata(
    new Root({
      version: 1,
      expires: new Date(Date.UTC(2040, 0, 1)),
      consistentSnapshot: true,
      keys,
      roles: {
        root: new Role(
          rootKeys.map((k) => k.keyid),
          threshold,
        ),
        targets: new Role([targetsKey.keyid], 1),
        snapshot: new Role([targetsKey.keyid], 1),
        timestamp: new Role([targetsKey.keyid], 1),
      },
    }),
  );
}

const asTufjs = (md: Metadata, kind: tufjs.MetadataKind) =>
  tufjs.Metadata.fromJSON(kind as any, JSON.parse(md.toBytes().toString()));

describe('signing TUF metadata with token keys', () => {
  it('a 2-of-2 root signed by an Ed25519 and an ECDSA token key verifies here and in @tufjs/models', async () => {
    const aRoot = generated['a-root']!.key;
    const bRoot = generated['b-root']!.key;
    const root = rootWith([aRoot, bRoot], 2, generated['a-targets']!.key);
    const a = await openHolderSession(profile, 'admin-a', pins);
    try {
      await root.sign(await a.signerFor('root', aRoot), 'append');
    } finally {
      await a.close();
    }
    expect(verifyWithRoot(root.signed, 'root', root).verified).toBe(false);
    const b = await openHolderSession(profile, 'admin-b', pinSource({ TEST_PIN_B: PINS['token-b'] }));
    try {
      expect(b.tokenSerial).toBe(fx.serialOf('token-b'));
      await root.sign(await b.signerFor('root', bRoot), 'append');
    } finally {
      await b.close();
    }
    const result = verifyWithRoot(root.signed, 'root', root);
    expect(result.verified).toBe(true);
    expect(result.signed.sort()).toEqual([aRoot.keyid, bRoot.keyid].sort());
    // ECDSA signatures are DER, never raw r‖s (docs/formats/token-profile.md)
    const ecdsaSig = Buffer.from(root.signatures.get(bRoot.keyid)!.sig, 'hex');
    expect(ecdsaSig[0]).toBe(0x30);
    expect(ecdsaSig.length).toBeGreaterThanOrEqual(68);
    const theirs = asTufjs(root, tufjs.MetadataKind.Root);
    expect(() => theirs.verifyDelegate('root', theirs)).not.toThrow();
  });

  it('targets signed by an RSA-PSS key and claimed signed by ECDSA + Ed25519 in one batch each verify in @tufjs/models', async () => {
    const targetsKey = generated['a-targets']!.key;
    const root = rootWith([generated['a-root']!.key], 1, targetsKey);
    const targets = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
    const claimed = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
    const a = await openHolderSession(profile, 'admin-a', pins);
    try {
      await targets.sign(await a.signerFor('targets', targetsKey), 'append');
      await claimed.sign(await a.signerFor('claimed', generated['a-claimed']!.key), 'append');
    } finally {
      await a.close();
    }
    const b = await openHolderSession(profile, 'admin-b', pinSource({ TEST_PIN_B: PINS['token-b'] }));
    try {
      await claimed.sign(await b.signerFor('claimed', generated['b-claimed']!.key), 'append');
    } finally {
      await b.close();
    }
    expect(verifyWithRoot(root.signed, 'targets', targets).verified).toBe(true);
    const claimedKeys = [generated['a-claimed']!.key, generated['b-claimed']!.key];
    const r = verifyRole(claimed, 'claimed', { keyids: claimedKeys.map((k) => k.keyid), threshold: 2 }, (id) =>
      claimedKeys.find((k) => k.keyid === id),
    );
    expect(r.verified).toBe(true);
    const theirRoot = asTufjs(root, tufjs.MetadataKind.Root);
    expect(() => theirRoot.verifyDelegate('targets', asTufjs(targets, tufjs.MetadataKind.Targets))).not.toThrow();
    // and tuf-js checks the claimed signatures too: a delegating targets role with both claimed keys
    const delegator = tufjs.Metadata.fromJSON(tufjs.MetadataKind.Targets, {
      signed: {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '2040-01-01T00:00:00Z',
        targets: {},
        delegations: {
          keys: Object.fromEntries(claimedKeys.map((k) => [k.keyid, k.toJSON()])),
          roles: [
            { name: 'claimed', keyids: claimedKeys.map((k) => k.keyid), threshold: 2, terminating: true, paths: ['*'] },
          ],
        },
      },
      signatures: [],
    } as any);
    expect(() => delegator.verifyDelegate('claimed', asTufjs(claimed, tufjs.MetadataKind.Targets))).not.toThrow();
  });

  it('public keys read in a session equal the generated ones', async () => {
    const a = await openHolderSession(profile, 'admin-a', pins);
    try {
      expect((await a.publicKey('root')).keyid).toBe(generated['a-root']!.key.keyid);
      expect((await a.publicKey('targets')).keyid).toBe(generated['a-targets']!.key.keyid);
    } finally {
      await a.close();
      await a.close(); // safe twice
    }
  });
});

describe('errors a person can act on (real SoftHSM)', () => {
  it('wrong PIN: one line naming the token, and the tries-left hint SoftHSM gives', async () => {
    const e = await rejection(openHolderSession(profile, 'admin-c', fixedPins({ 'token-c': 'not-the-pin' })));
    expect(e.code).toBe('E_PIN_INCORRECT');
    expect(e.category).toBe('token');
    expect(e.message).toBe(
      `wrong PIN for token "token-c" (serial ${fx.serialOf('token-c')}); the token reports few tries left before the PIN locks`,
    );
  });

  it('SoftHSM 2.6 never locks the user PIN: after many wrong PINs the right one still works', async () => {
    for (let i = 0; i < 12; i++) {
      expect(
        (await rejection(openHolderSession(profile, 'admin-c', fixedPins({ 'token-c': `wrong-${i}` })))).code,
      ).toBe('E_PIN_INCORRECT');
    }
    const listed = (await listTokens(fx.module)).tokens.find((t) => t.label === 'token-c')!;
    expect(listed.pin).toBe('count-low');
    const c = await openHolderSession(profile, 'admin-c', pins);
    await c.close();
    expect((await listTokens(fx.module)).tokens.find((t) => t.label === 'token-c')!.pin).toBe('ok');
  });

  it('a missing token names the tokens present and whose they are', async () => {
    const e = await rejection(openHolderSession(profile, 'admin-gone', pins));
    expect(e.code).toBe('E_TOKEN_NOT_FOUND');
    expect(e.message).toContain('label "token-gone" (holder "admin-gone")');
    expect(e.message).toContain(`token "token-a" (serial ${fx.serialOf('token-a')}), admin-a's token`);
  });

  it('a serial that does not match is a missing token even when the label matches', async () => {
    const p = fx.profile('wrong-serial.json', {
      module: fx.module,
      holders: { 'admin-b': { token: { label: 'token-b', serial: '0000000000000000' }, keys: { root: 'root-b' } } },
    });
    expect((await rejection(openHolderSession(p, 'admin-b', pins))).code).toBe('E_TOKEN_NOT_FOUND');
  });

  it("admin A's token where B's key is expected: names whose key it really is", async () => {
    const a = await openHolderSession(profile, 'admin-a', pins);
    try {
      const bRoot = generated['b-root']!.key;
      const e = await rejection(a.signerFor('root', bRoot, [generated['a-root']!.key, bRoot]));
      expect(e.code).toBe('E_WRONG_KEY');
      expect(e.category).toBe('token');
      expect(e.message).toContain("this is not admin-b's key");
      expect(e.message).toContain(`holds admin-a's root key (keyid ${generated['a-root']!.key.keyid.slice(0, 12)}`);
    } finally {
      await a.close();
    }
  });

  it('a key label the token does not have', async () => {
    const p = fx.profile('missing-key.json', {
      module: fx.module,
      holders: { 'admin-c': { token: { label: 'token-c' }, keys: { root: 'no-such-key' } } },
    });
    const c = await openHolderSession(p, 'admin-c', pins);
    try {
      const e = await rejection(c.publicKey('root'));
      expect(e.code).toBe('E_KEY_NOT_FOUND');
      expect(e.message).toContain('no private key labelled "no-such-key" (it has: "root-c")');
    } finally {
      await c.close();
    }
  });

  it('a key label found twice is refused, not guessed', async () => {
    // Make a second "root-c" behind the tool's back, as another program could.
    const module = graphenePort.load(fx.module);
    try {
      const slot = module.slots().find((s) => s.token.label === 'token-c')!;
      const session = module.openSession(slot.id, true);
      session.login(PINS['token-c']);
      session.generateKeyPair(
        CK.CKM_EC_KEY_PAIR_GEN,
        {
          class: CK.CKO_PUBLIC_KEY,
          keyType: CK.CKK_EC,
          token: true,
          label: 'root-c',
          id: Buffer.from('dup1'),
          paramsEC: Buffer.from('06082a8648ce3d030107', 'hex'),
        },
        {
          class: CK.CKO_PRIVATE_KEY,
          keyType: CK.CKK_EC,
          token: true,
          private: true,
          sensitive: true,
          sign: true,
          label: 'root-c',
          id: Buffer.from('dup1'),
        },
      );
      session.logout();
      session.close();
    } finally {
      module.finalize();
    }
    const c = await openHolderSession(profile, 'admin-c', pins);
    try {
      const e = await rejection(c.signerFor('root', generated['c-root']!.key));
      expect(e.code).toBe('E_KEY_AMBIGUOUS');
      expect(e.message).toContain('2 private keys labelled "root-c"');
    } finally {
      await c.close();
    }
  });

  it('a module that cannot be loaded', async () => {
    const p = fx.profile('bad-module.json', {
      module: `${fx.dir}/no-such-pkcs11.so`,
      holders: { x: { token: { label: 'token-a' }, keys: {} } },
    });
    const e = await rejection(openHolderSession(p, 'x', pins));
    expect(e.code).toBe('E_MODULE_LOAD');
    expect(e.message).toContain(`cannot load the PKCS#11 module ${fx.dir}/no-such-pkcs11.so`);
  });

  it('the token removed in the middle of a signing batch', async () => {
    const key = generated['b-claimed']!.key;
    const b = await openHolderSession(profile, 'admin-b', pinSource({ TEST_PIN_B: PINS['token-b'] }));
    const folder = softhsmTokenFolder(fx.conf, fx.serialOf('token-b'));
    const first = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
    const second = new Metadata(new Targets({ version: 2, expires: new Date(Date.UTC(2040, 0, 1)) }));
    try {
      const signer = await b.signerFor('claimed', key);
      await first.sign(signer, 'append');
      renameSync(folder, `${folder}.pulled`);
      const e = await rejection(second.sign(signer, 'append'));
      expect(e.code).toBe('E_TOKEN_REMOVED');
      expect(e.message).toContain(
        `token "token-b" (serial ${fx.serialOf('token-b')}) was removed while signing with key "claimed-b"`,
      );
      expect(second.signatures.size).toBe(0);
    } finally {
      await b.close();
      renameSync(`${folder}.pulled`, folder);
    }
    expect(first.signatures.size).toBe(1);
    // and the token works again once it is back
    const again = await openHolderSession(profile, 'admin-b', pinSource({ TEST_PIN_B: PINS['token-b'] }));
    try {
      await second.sign(await again.signerFor('claimed', key), 'append');
    } finally {
      await again.close();
    }
    expect(second.signatures.size).toBe(1);
  });
});
