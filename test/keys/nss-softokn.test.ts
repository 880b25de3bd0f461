/**
 * The token tests on a second software token, NSS softokn (a fresh database per run), next to a
 * SoftHSM2 token: token list over both modules, key generation for P-256 and RSA-PSS, the
 * CKA_LOCAL deviation refused or accepted per module, signing with keys on two modules in one
 * batch, a wrong PIN, and Ed25519 refused as NSS 3.87 lacks CKM_EDDSA.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNssDatabase, nssAvailable, type NssDatabase } from '../../src/keys/nss-softokn.js';
import { pinSource } from '../../src/keys/pin.js';
import type { TokenProfile } from '../../src/keys/profile.js';
import {
  generateTokenKey,
  listProfileTokens,
  openHolderSession,
  type TokenKeyInfo,
} from '../../src/keys/token-keys.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { freshTokens, type Fixture } from './softhsm-fixture.js';
import { rejection } from '../helpers/failure.js';

const NSS_PIN = 'nss-user-pin-1';
const HSM_PIN = 'hsm-user-pin-1';

let fx: Fixture;
let nss: NssDatabase;
let profile: TokenProfile;
const made: Record<string, TokenKeyInfo> = {};
let asked: string[] = [];
const pins = pinSource({}, async (q) => {
  asked.push(q);
  return q.includes('NSS') ? NSS_PIN : HSM_PIN;
});

describe('NSS softokn as a second token (libnss3, libnss3-tools)', () => {
  beforeAll(async () => {
    // scripts/setup.sh installs them; a machine without them fails here, loudly, rather than skip.
    if (!nssAvailable()) throw new Error('libnss3 and libnss3-tools (certutil) are missing: run scripts/setup.sh');
    fx = freshTokens([{ label: 'admin-a', soPin: 'so-pin-0000', userPin: HSM_PIN }]);
    nss = createNssDatabase(join(fx.dir, 'nssdb'), NSS_PIN);
    const nssToken = { token: { label: nss.tokenLabel } };
    profile = fx.profile('profile.json', {
      module: fx.module,
      modules: {
        nss: { path: nss.module, libraryParameters: nss.libraryParameters, accept: ['CKA_LOCAL=false'] },
        // The same library and database, without the acceptance: key generate must refuse there.
        'nss-strict': { path: nss.module, libraryParameters: nss.libraryParameters },
      },
      holders: {
        'admin-a': {
          tokens: [
            { token: { label: 'admin-a' }, keys: { root: 'root-a' } },
            { module: 'nss', ...nssToken, keys: { claimed: 'claimed-a', targets: 'targets-a' } },
          ],
        },
        'admin-strict': { tokens: [{ module: 'nss-strict', ...nssToken, keys: { claimed: 'claimed-strict' } }] },
        'admin-wrong-pin': { tokens: [{ module: 'nss', ...nssToken, keys: { claimed: 'claimed-a' } }] },
      },
    });
    made['root'] = await generateTokenKey(profile, 'admin-a', 'root', 'ecdsa-p256', 'root-a', pins);
    made['claimed'] = await generateTokenKey(profile, 'admin-a', 'claimed', 'ecdsa-p256', 'claimed-a', pins);
    made['targets'] = await generateTokenKey(profile, 'admin-a', 'targets', 'rsa-3072', 'targets-a', pins);
  });

  afterAll(() => fx?.cleanup());

  it('generates P-256 and RSA-PSS keys on NSS, keeping them only because the profile accepts CKA_LOCAL=false there', () => {
    expect(made['claimed']!.key.kind).toBe('ecdsa-p256');
    expect(made['targets']!.key.kind).toBe('rsa-pss');
    expect(made['claimed']!.accepted).toEqual(['CKA_LOCAL=false']);
    expect(made['targets']!.accepted).toEqual(['CKA_LOCAL=false']);
    expect(made['claimed']!.tokenLabel).toBe('NSS Certificate DB');
    // SoftHSM reports CKA_LOCAL true: nothing to accept.
    expect(made['root']!.accepted).toBeUndefined();
    expect(made['root']!.tokenLabel).toBe('admin-a');
  });

  it('token list shows every module of the profile, with the holder of each token and the keys on it', async () => {
    const listings = await listProfileTokens(profile);
    expect(listings.map((l) => l.name)).toEqual(['default', 'nss', 'nss-strict']);
    const [softhsm, onNss] = listings;
    expect(softhsm!.tokens.find((t) => t.label === 'admin-a')!.holder).toBe('admin-a');
    const db = onNss!.tokens.find((t) => t.label === 'NSS Certificate DB')!;
    expect(db.holder).toBe('admin-a');
    expect(db.keys.map((k) => [k.label, k.type, k.keyid])).toEqual([
      ['claimed-a', 'ecdsa-p256', made['claimed']!.key.keyid],
      ['targets-a', 'rsa-3072', made['targets']!.key.keyid],
    ]);
  });

  it('without the acceptance, NSS keys are refused with what the token reported, and destroyed, saying so', async () => {
    const e = await rejection(
      generateTokenKey(profile, 'admin-strict', 'claimed', 'ecdsa-p256', 'claimed-strict', pins),
    );
    expect(e.code).toBe('E_ATTRIBUTES_NOT_HONOURED');
    expect(e.message).toContain('private key CKA_LOCAL: the token reported false, required true');
    expect(e.message).toContain('the key was destroyed because a ceremony key must have these attributes');
    expect(e.message).toContain('"accept": ["CKA_LOCAL=false"]');
    const listings = await listProfileTokens(profile);
    const labels = listings[1]!.tokens.flatMap((t) => t.keys.map((k) => k.label));
    expect(labels).not.toContain('claimed-strict');
  });

  it('Ed25519 is refused before any PIN is asked: NSS 3.87 has no CKM_EDDSA', async () => {
    asked = [];
    const e = await rejection(generateTokenKey(profile, 'admin-strict', '', 'ed25519', 'ed-strict', pins));
    expect(e.code).toBe('E_MECHANISM_UNSUPPORTED');
    expect(e.message).toBe(
      'token "NSS Certificate DB" (serial 0000000000000000) does not support CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EDDSA, needed for ed25519 keys',
    );
    expect(asked).toEqual([]);
  });

  it('a wrong PIN for the NSS token is named as such', async () => {
    const wrong = pinSource({}, async () => 'not-the-pin');
    const e = await rejection(openHolderSession(profile, 'admin-wrong-pin', wrong, {}, ['claimed']));
    expect(e.code).toBe('E_PIN_INCORRECT');
    expect(e.message).toMatch(/^wrong PIN for token "NSS Certificate DB" \(serial 0000000000000000\)/);
  });

  it("signs with an admin's root key on SoftHSM and claimed and targets keys on NSS in one batch, one PIN per token", async () => {
    asked = [];
    const session = await openHolderSession(profile, 'admin-a', pins, {}, ['root', 'claimed', 'targets']);
    try {
      expect(asked).toEqual([
        'PIN of token "admin-a" (holder admin-a):',
        'PIN of token "NSS Certificate DB" (holder admin-a):',
      ]);
      expect(await session.serialFor('root')).toBe(fx.serialOf('admin-a'));
      expect(await session.serialFor('claimed')).toBe('0000000000000000');
      for (const purpose of ['root', 'claimed', 'targets']) {
        const md = new Metadata(new Targets({ version: 1, expires: new Date(Date.now() + 86400_000) }));
        const key = made[purpose]!.key;
        const signer = await session.signerFor(purpose, key);
        const sig = await md.sign(signer, 'append');
        expect(key.verify(md.payload(), Buffer.from(sig.sig, 'hex'))).toBe(true);
      }
    } finally {
      await session.close();
    }
  });
});
