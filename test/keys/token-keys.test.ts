/**
 * Keys on real tokens made fresh for this file, on SoftHSM2 and on NSS softokn
 * (token-backends.ts): generate each key type the token has, read the attributes back, list,
 * export, sign TUF roles and verify them here and with @tufjs/models, and the errors a person must
 * be able to act on. What a token lacks is asserted as the refusal a user gets. Facts of one token
 * only are in the "only" blocks at the end.
 */
import { groupedHex } from '../../src/tuf/model/fingerprint-words.js';
import { renameSync } from 'node:fs';
import * as tufjs from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CK, type PortAttributes } from '../../src/keys/pkcs11-port.js';
import { pinSource } from '../../src/keys/pin.js';
import type { TokenProfile } from '../../src/keys/profile.js';
import { softhsmTokenFolder } from '../../src/keys/softhsm.js';
import {
  generateTokenKey,
  listTokens,
  openHolderSession,
  readTokenPublicKey,
  TOKEN_KEY_TYPES,
  type TokenKeyInfo,
  type TokenKeyType,
} from '../../src/keys/token-keys.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, Root, Targets } from '../../src/tuf/model/metadata.js';
import { Role } from '../../src/tuf/model/roles.js';
import { verifyRole, verifyWithRoot } from '../../src/tuf/verify/verification.js';
import { fixedPins } from './softhsm-fixture.js';
import { BACKENDS, generateAsOtherTool, SOFTHSM, typeOr, type BackendTokens } from './token-backends.js';
import { rejection } from '../helpers/failure.js';

/** The TUF kind of each key type, as Key.kind names it. */
const KIND: Record<TokenKeyType, string> = { ed25519: 'ed25519', 'ecdsa-p256': 'ecdsa-p256', 'rsa-3072': 'rsa-pss' };
/** The mechanisms a key type needs, as the refusal names them (docs/tokens.md). */
const NEEDS: Record<TokenKeyType, string> = {
  ed25519: 'CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EDDSA',
  'ecdsa-p256': 'CKM_EC_KEY_PAIR_GEN and CKM_ECDSA',
  'rsa-3072': 'CKM_RSA_PKCS_KEY_PAIR_GEN and CKM_RSA_PKCS_PSS',
};

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

describe.each(BACKENDS.map((b) => [b.name, b] as const))('keys on %s', (_name, backend) => {
  let fx: BackendTokens;
  let profile: TokenProfile;
  const generated: Record<string, TokenKeyInfo> = {};
  // Each key, its holder's token and the type asked for: Ed25519 where the token has it.
  const ed = typeOr(backend, 'ed25519');
  const made: Array<[string, string, string, string, TokenKeyType]> = [
    ['a-root', 'admin-a', 'root', 'root-a', ed],
    ['a-targets', 'admin-a', 'targets', 'targets-a', 'rsa-3072'],
    ['a-claimed', 'admin-a', 'claimed', 'claimed-a', 'ecdsa-p256'],
    ['b-root', 'admin-b', 'root', 'root-b', 'ecdsa-p256'],
    ['b-claimed', 'admin-b', 'claimed', 'claimed-b', ed],
    ['c-root', 'admin-c', 'root', 'root-c', ed],
  ];
  const tokenOf = (holder: string) => fx.token(holder.replace('admin-', 'token-'));
  const pinB = () => pinSource({ TEST_PIN_B: fx.token('token-b').pin });

  beforeAll(async () => {
    fx = backend.create(['token-a', 'token-b', 'token-c']);
    profile = fx.profile('profile.json', {
      'admin-a': {
        token: 'token-a',
        keys: { root: 'root-a', targets: 'targets-a', claimed: 'claimed-a' },
        pin: 'file',
      },
      'admin-b': {
        token: 'token-b',
        serial: true,
        keys: { root: 'root-b', claimed: 'claimed-b' },
        pin: { env: 'TEST_PIN_B' },
      },
      'admin-c': { token: 'token-c', keys: { root: 'root-c' } },
      'admin-gone': { token: 'token-gone', keys: { root: 'root-gone' } },
    });
    for (const [name, holder, purpose, label, type] of made)
      generated[name] = await generateTokenKey(profile, holder, purpose, type, label, fx.pins);
  });

  afterAll(() => fx?.cleanup());

  describe('generating keys', () => {
    it("makes each key type it has as a TUF key that names its holder, on the holder's token", () => {
      for (const [name, holder, , , type] of made) {
        const g = generated[name]!;
        expect(g.key.kind).toBe(KIND[type]);
        expect(g.key.unrecognized['x-ceremony-owner']).toBe(holder);
        expect(g.id).toMatch(/^[0-9a-f]{32}$/);
        expect([g.tokenLabel, g.tokenSerial]).toEqual([tokenOf(holder).label, tokenOf(holder).serial]);
        // What the module reports differently is kept only because its profile entry accepts it.
        expect(g.accepted).toEqual(backend.accepted);
        expect(g.capabilities).toEqual(['sign']);
      }
      expect(generated['a-claimed']!.key.keytype).toBe('ecdsa');
      expect(generated['a-targets']!.key.publicValue).toMatch(
        /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/,
      );
      expect(new Set(Object.values(generated).map((g) => g.id)).size).toBe(made.length);
      // the RSA key is 3072 bits
      expect(
        Buffer.from(generated['a-targets']!.key.publicValue.replace(/-----[^-]+-----|\n/g, ''), 'base64').length,
      ).toBeGreaterThan(380);
    });

    for (const type of TOKEN_KEY_TYPES.filter((t) => !backend.keyTypes.includes(t))) {
      it(`refuses ${type} before any PIN is asked, naming the mechanisms the token lacks`, async () => {
        let asked = 0;
        const counting = pinSource({}, async () => {
          asked++;
          return '';
        });
        const e = await rejection(generateTokenKey(profile, 'admin-c', '', type, `${type}-c`, counting));
        expect(e.code).toBe('E_MECHANISM_UNSUPPORTED');
        expect(e.category).toBe('token');
        const c = fx.token('token-c');
        expect(e.message).toBe(
          `token "${c.label}" (serial ${c.serial}) does not support ${NEEDS[type]}, needed for ${type} keys`,
        );
        expect(asked).toBe(0);
      });
    }

    it('the token holds them non-extractable, sensitive and sign-only (read back through PKCS#11)', () => {
      fx.withSession('token-a', (session) => {
        for (const label of ['root-a', 'targets-a', 'claimed-a']) {
          const [priv] = session.find({ class: CK.CKO_PRIVATE_KEY, label });
          const attrs: PortAttributes = session.getAttributes(priv!, [
            'token',
            'private',
            'sensitive',
            'extractable',
            'alwaysSensitive',
            'neverExtractable',
            'local',
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
            // CKA_LOCAL is the one attribute a profile may accept otherwise (NSS softokn: false).
            local: !backend.accepted?.includes('CKA_LOCAL=false'),
            sign: true,
            decrypt: false,
            unwrap: false,
            derive: false,
            signRecover: false,
          });
          expect(attrs.id!.toString('hex')).toBe(Object.values(generated).find((g) => g.label === label)!.id);
        }
      });
    });

    it('refuses a label that is already on the token, and changes nothing', async () => {
      const before = await listTokens(fx.module);
      const e = await rejection(generateTokenKey(profile, 'admin-a', 'root', 'ecdsa-p256', 'root-a', fx.pins));
      expect(e.code).toBe('E_LABEL_EXISTS');
      expect(e.category).toBe('refused');
      expect(e.message).toContain(`token "${fx.token('token-a').label}"`);
      expect(e.message).toContain('"root-a"');
      expect(await listTokens(fx.module)).toEqual(before);
    });

    it('refuses a label that disagrees with the profile for that purpose', async () => {
      const e = await rejection(generateTokenKey(profile, 'admin-a', 'root', ed, 'another-root', fx.pins));
      expect(e.category).toBe('usage');
      expect(e.message).toContain('holders.admin-a.keys.root');
    });
  });

  describe('listing and exporting', () => {
    it('lists tokens, serials and keys with their TUF keyids without a PIN', async () => {
      const listing = await listTokens(fx.module, { profile });
      const tokA = fx.token('token-a');
      const a = listing.tokens.find((t) => t.label === tokA.label)!;
      expect(a).toMatchObject({
        serial: tokA.serial,
        initialized: true,
        userPinInitialized: true,
        holder: 'admin-a',
        pin: 'ok',
        loggedIn: false,
      });
      // Every key on the token, each with the keyid its holder's key has (the owner field included).
      const onA = made
        .filter(([, holder]) => tokenOf(holder).label === tokA.label)
        .sort(([, , , x], [, , , y]) => x.localeCompare(y));
      expect(a.keys.map((k) => [k.label, k.type, k.keyid])).toEqual(
        onA.map(([name, , , label, type]) => [label, type, generated[name]!.key.keyid]),
      );
      // without a profile the holder is unknown, so the keyid is that of the bare key
      const bare = (await listTokens(fx.module)).tokens.find((t) => t.label === tokA.label)!;
      expect(bare.holder).toBeUndefined();
      const aRoot = generated['a-root']!.key;
      const bareKeyid = new Key(aRoot.keytype, aRoot.scheme, aRoot.keyval).keyid;
      expect(bare.keys.find((k) => k.label === 'root-a')!.keyid).toBe(bareKeyid);
      expect(bareKeyid).not.toBe(aRoot.keyid);
      // and the slot the module has besides (SoftHSM's spare empty slot, NSS's crypto services token)
      expect(listing.tokens).toContainEqual(expect.objectContaining(backend.otherSlot));
    });

    it('exports the public key of a token key without a PIN', async () => {
      const info = await readTokenPublicKey(profile, 'admin-b', 'root-b');
      expect(info.key.toJSON()).toEqual(generated['b-root']!.key.toJSON());
      expect(info.key.keyid).toBe(generated['b-root']!.key.keyid);
      expect(info.id).toBe(generated['b-root']!.id);
    });
  });

  describe('signing TUF metadata with token keys', () => {
    it(`a 2-of-2 root signed by an ${ed} and an ECDSA token key verifies here and in @tufjs/models`, async () => {
      const aRoot = generated['a-root']!.key;
      const bRoot = generated['b-root']!.key;
      const root = rootWith([aRoot, bRoot], 2, generated['a-targets']!.key);
      const a = await openHolderSession(profile, 'admin-a', fx.pins);
      try {
        await root.sign(await a.signerFor('root', aRoot), 'append');
      } finally {
        await a.close();
      }
      expect(verifyWithRoot(root.signed, 'root', root).verified).toBe(false);
      const b = await openHolderSession(profile, 'admin-b', pinB());
      try {
        expect(b.tokenSerial).toBe(fx.token('token-b').serial);
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

    it(`targets signed by an RSA-PSS key and claimed signed by ECDSA + ${ed} in one batch each verify in @tufjs/models`, async () => {
      const targetsKey = generated['a-targets']!.key;
      const root = rootWith([generated['a-root']!.key], 1, targetsKey);
      const targets = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
      const claimed = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
      const a = await openHolderSession(profile, 'admin-a', fx.pins);
      try {
        await targets.sign(await a.signerFor('targets', targetsKey), 'append');
        await claimed.sign(await a.signerFor('claimed', generated['a-claimed']!.key), 'append');
      } finally {
        await a.close();
      }
      const b = await openHolderSession(profile, 'admin-b', pinB());
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
              {
                name: 'claimed',
                keyids: claimedKeys.map((k) => k.keyid),
                threshold: 2,
                terminating: true,
                paths: ['*'],
              },
            ],
          },
        },
        signatures: [],
      } as any);
      expect(() => delegator.verifyDelegate('claimed', asTufjs(claimed, tufjs.MetadataKind.Targets))).not.toThrow();
    });

    it('public keys read in a session equal the generated ones', async () => {
      const a = await openHolderSession(profile, 'admin-a', fx.pins);
      try {
        expect((await a.publicKey('root')).keyid).toBe(generated['a-root']!.key.keyid);
        expect((await a.publicKey('targets')).keyid).toBe(generated['a-targets']!.key.keyid);
      } finally {
        await a.close();
        await a.close(); // safe twice
      }
    });
  });

  describe('errors a person can act on', () => {
    it('a wrong PIN typed three times: one line naming the token, and the tries-left hint when the token gives one', async () => {
      const c = fx.token('token-c');
      const e = await rejection(openHolderSession(profile, 'admin-c', fixedPins({ [c.label]: 'not-the-pin' })));
      expect(e.code).toBe('E_PIN_INCORRECT');
      expect(e.category).toBe('token');
      expect(e.message).toBe(
        `wrong PIN for token "${c.label}" (serial ${c.serial}) 3 times; not asked again in this run${backend.wrongPinHint}`,
      );
    });

    it('a missing token names the tokens present and whose they are', async () => {
      const e = await rejection(openHolderSession(profile, 'admin-gone', fx.pins));
      expect(e.code).toBe('E_TOKEN_NOT_FOUND');
      expect(e.message).toContain('label "token-gone" (holder "admin-gone")');
      const a = fx.token('token-a');
      expect(e.message).toContain(`token "${a.label}" (serial ${a.serial}), admin-a's token`);
    });

    it('a serial that does not match is a missing token even when the label matches', async () => {
      const p = fx.profile('wrong-serial.json', {
        'admin-b': { token: 'token-b', serial: 'not-this-serial', keys: { root: 'root-b' } },
      });
      expect((await rejection(openHolderSession(p, 'admin-b', fx.pins))).code).toBe('E_TOKEN_NOT_FOUND');
    });

    it("admin A's token where B's key is expected: names whose key it really is", async () => {
      const a = await openHolderSession(profile, 'admin-a', fx.pins);
      try {
        const bRoot = generated['b-root']!.key;
        const e = await rejection(a.signerFor('root', bRoot, [generated['a-root']!.key, bRoot]));
        expect(e.code).toBe('E_WRONG_KEY');
        expect(e.category).toBe('token');
        expect(e.message).toContain("this is not admin-b's key");
        expect(e.message).toContain(`holds admin-a's root key (keyid ${groupedHex(generated['a-root']!.key.keyid)}`);
      } finally {
        await a.close();
      }
    });

    it('a key label the token does not have: names the labels it has', async () => {
      const p = fx.profile('missing-key.json', { 'admin-c': { token: 'token-c', keys: { root: 'no-such-key' } } });
      const c = await openHolderSession(p, 'admin-c', fx.pins);
      try {
        const e = await rejection(c.publicKey('root'));
        expect(e.code).toBe('E_KEY_NOT_FOUND');
        const listed = /no private key labelled "no-such-key" \(it has: (.*)\)/.exec(e.message)![1]!;
        const onC = made.filter(([, holder]) => tokenOf(holder).label === fx.token('token-c').label);
        expect(listed.split(', ').sort()).toEqual(onC.map(([, , , label]) => `"${label}"`).sort());
      } finally {
        await c.close();
      }
    });

    it('a key label found twice is refused, not guessed', async () => {
      // A second "root-c" made behind the tool's back, as another program could.
      fx.withSession('token-c', (session) => generateAsOtherTool(session, 'root-c', {}, Buffer.from('dup1')));
      const c = await openHolderSession(profile, 'admin-c', fx.pins);
      try {
        const e = await rejection(c.signerFor('root', generated['c-root']!.key));
        expect(e.code).toBe('E_KEY_AMBIGUOUS');
        expect(e.message).toContain('2 private keys labelled "root-c"');
      } finally {
        await c.close();
      }
    });

    it('a module that cannot be loaded', async () => {
      const missing = { ...fx.module, path: `${fx.dir}/no-such-pkcs11.so` };
      const e = await rejection(listTokens(missing));
      expect(e.code).toBe('E_MODULE_LOAD');
      expect(e.message).toContain(`cannot load the PKCS#11 module ${fx.dir}/no-such-pkcs11.so`);
    });
  });
});

describe('SoftHSM2 2.6 only', () => {
  let fx: BackendTokens;
  let profile: TokenProfile;
  let key: Key;

  beforeAll(async () => {
    fx = SOFTHSM.create(['token-d']);
    // No PIN source in the profile: each PIN is asked (fixedPins), so a wrong one can be given.
    profile = fx.profile('profile.json', { 'admin-d': { token: 'token-d', keys: { claimed: 'claimed-d' } } });
    key = (await generateTokenKey(profile, 'admin-d', 'claimed', 'ed25519', 'claimed-d', fx.pins)).key;
  });
  afterAll(() => fx?.cleanup());

  it('SoftHSM 2.6 never locks the user PIN: after many wrong PINs the right one still works', async () => {
    const d = fx.token('token-d');
    for (let i = 0; i < 12; i++) {
      const wrong = fixedPins({ [d.label]: `wrong-${i}` });
      expect((await rejection(openHolderSession(profile, 'admin-d', wrong))).code).toBe('E_PIN_INCORRECT');
    }
    const pinState = async () => (await listTokens(fx.module)).tokens.find((t) => t.label === d.label)!.pin;
    expect(await pinState()).toBe('count-low');
    const session = await openHolderSession(profile, 'admin-d', fx.pins);
    await session.close();
    expect(await pinState()).toBe('ok');
  });

  it('SoftHSM: the token removed (its folder moved away) in the middle of a signing batch', async () => {
    const d = fx.token('token-d');
    const session = await openHolderSession(profile, 'admin-d', fx.pins);
    const folder = softhsmTokenFolder(process.env['SOFTHSM2_CONF']!, d.serial);
    const first = new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));
    const second = new Metadata(new Targets({ version: 2, expires: new Date(Date.UTC(2040, 0, 1)) }));
    try {
      const signer = await session.signerFor('claimed', key);
      await first.sign(signer, 'append');
      renameSync(folder, `${folder}.pulled`);
      const e = await rejection(second.sign(signer, 'append'));
      expect(e.code).toBe('E_TOKEN_REMOVED');
      expect(e.message).toContain(
        `token "${d.label}" (serial ${d.serial}) was removed while signing with key "claimed-d"`,
      );
      expect(second.signatures.size).toBe(0);
    } finally {
      await session.close();
      renameSync(`${folder}.pulled`, folder);
    }
    expect(first.signatures.size).toBe(1);
    // and the token works again once it is back
    const again = await openHolderSession(profile, 'admin-d', fx.pins);
    try {
      await second.sign(await again.signerFor('claimed', key), 'append');
    } finally {
      await again.close();
    }
    expect(second.signatures.size).toBe(1);
  });
});
