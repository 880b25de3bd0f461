/**
 * NSS softokn next to a SoftHSM2 token in one profile (a fresh database per run), and what only
 * NSS does: the CKA_LOCAL deviation refused or accepted per module, token list over both modules,
 * signing with keys on two modules in one batch, a PIN that never locks, one key token per
 * database, and the refusals when its C_Initialize parameters are missing or wrong. The token tests
 * that run on both tokens are in token-keys.test.ts and key-commands.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNssDatabase,
  nssAvailable,
  nssLibraryParameters,
  NSS_DB_TOKEN_LABEL,
  type NssDatabase,
} from '../../src/keys/nss-softokn.js';
import { pinSource } from '../../src/keys/pin.js';
import type { TokenProfile } from '../../src/keys/profile.js';
import {
  generateTokenKey,
  listProfileTokens,
  listTokens,
  openHolderSession,
  type TokenKeyInfo,
} from '../../src/keys/token-keys.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { freshTokens, type Fixture } from './softhsm-fixture.js';
import { runCli } from '../helpers/cli.js';
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
        // No PIN source: each PIN is asked, so a wrong one can be given.
        'admin-asked': { tokens: [{ module: 'nss', ...nssToken, keys: { claimed: 'claimed-a' } }] },
        'admin-b-elsewhere': { tokens: [{ module: 'nss', token: { label: 'admin-b' }, keys: { root: 'root-b' } }] },
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

  it('NSS softokn 3.87 never locks the user PIN and flags no count: each wrong PIN is refused alike, then the right one works', async () => {
    for (let i = 0; i < 12; i++) {
      const wrong = pinSource({}, async () => `wrong-${i}`);
      const e = await rejection(openHolderSession(profile, 'admin-asked', wrong));
      expect(e.code).toBe('E_PIN_INCORRECT');
      // Typed, so asked again twice; NSS reports no counter, so nothing is said of one.
      expect(e.message).toBe(
        `wrong PIN for token "${NSS_DB_TOKEN_LABEL}" (serial 0000000000000000) 3 times; not asked again in this run`,
      );
    }
    const listing = await listTokens(profile.modules['nss']!);
    expect(listing.tokens.find((t) => t.label === NSS_DB_TOKEN_LABEL)!.pin).toBe('ok');
    const session = await openHolderSession(profile, 'admin-asked', pins);
    expect(session.tokenLabel).toBe(NSS_DB_TOKEN_LABEL);
    await session.close();
  });

  it('NSS softokn has one key token per database: a holder asking for another label is told which tokens there are', async () => {
    const e = await rejection(openHolderSession(profile, 'admin-b-elsewhere', pins));
    expect(e.code).toBe('E_TOKEN_NOT_FOUND');
    expect(e.message).toBe(
      `no token with label "admin-b" (holder "admin-b-elsewhere") in ${nss.module}; present: ` +
        'token "NSS Generic Crypto Services" (serial 0000000000000000); token ' +
        `"${NSS_DB_TOKEN_LABEL}" (serial 0000000000000000), admin-a's token`,
    );
  });

  it('a second database for the same library in one profile is refused as the profile is read: exit 2, file and field', async () => {
    const path = join(fx.dir, 'two-databases.json');
    const other = nssLibraryParameters(join(fx.dir, 'other-nssdb'));
    writeFileSync(
      path,
      JSON.stringify({
        modules: {
          nss: { path: nss.module, libraryParameters: nss.libraryParameters },
          'nss-b': { path: nss.module, libraryParameters: other },
        },
        holders: { 'admin-b': { tokens: [{ module: 'nss-b', token: { label: NSS_DB_TOKEN_LABEL }, keys: {} }] } },
      }),
    );
    const r = await runCli(['token', 'list', '--profile', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `tuf-ceremony token list: ${path}: modules.nss-b: ${nss.module} is also module "nss" ` +
        'with other libraryParameters; a library is initialized once per process\n',
    );
  });

  // The two tests below make softokn's C_Initialize fail; they come last, after every use of the database.
  it('token list --module on softokn without its parameters: exit 4, one line saying where they go', async () => {
    const r = await runCli(['token', 'list', '--module', nss.module]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `tuf-ceremony token list: cannot initialize the PKCS#11 module ${nss.module}: ` +
        'C_Initialize failed with CKR_ARGUMENTS_BAD; if the module needs C_Initialize parameters ' +
        `(NSS softokn: its database folder), give them in a token profile's ` +
        'modules.<name>.libraryParameters and use --profile (docs/tokens.md)\n',
    );
  });

  it('libraryParameters naming a folder without a database: exit 4, one line naming the profile field', async () => {
    const path = join(fx.dir, 'no-database.json');
    writeFileSync(
      path,
      JSON.stringify({
        modules: { 'nss-empty': { path: nss.module, libraryParameters: nssLibraryParameters(join(fx.dir, 'no-db')) } },
        holders: { x: { tokens: [{ module: 'nss-empty', token: { label: NSS_DB_TOKEN_LABEL }, keys: {} }] } },
      }),
    );
    const r = await runCli(['token', 'list', '--profile', path]);
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^tuf-ceremony token list: cannot initialize the PKCS#11 module ${nss.module}: ` +
          `C_Initialize failed with CKR_[A-Z_]+; check the token profile's ` +
          'modules\\.nss-empty\\.libraryParameters ',
      ),
    );
  });
});
