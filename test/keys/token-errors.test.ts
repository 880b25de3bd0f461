/**
 * What a person reads for each PKCS#11 answer, with a fake port (no token needed): the cases
 * SoftHSM cannot produce (PIN lock, tokens that ignore attributes, lying tokens, two tokens with
 * one label) and the mapping table itself.
 */
import { describe, expect, it } from 'vitest';
import { CK, PortError } from '../../src/keys/pkcs11-port.js';
import { parseProfile, type TokenProfile } from '../../src/keys/profile.js';
import { pinSource } from '../../src/keys/pin.js';
import { tokenError, triesLeft } from '../../src/keys/token-errors.js';
import { generateTokenKey, listTokens, openHolderSession } from '../../src/keys/token-keys.js';
import { CATEGORY_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { FakePort } from './fake-port.js';
import { rejection } from '../helpers/failure.js';

const profileFor = (holders: Record<string, unknown>): TokenProfile =>
  parseProfile({ module: '/fake/module.so', holders }, '/fake/profile.json');
const PROFILE = profileFor({ alice: { token: { label: 'alice-token' }, keys: { root: 'root-alice' } } });

const pins = (pin: string) => typed(pin);

function setup() {
  asked = [];
  const port = new FakePort();
  const token = port.add('alice-token', 'a1a1a1a1', '4321');
  return { port, token };
}

describe('the CKR_ → message table', () => {
  const ctx = { token: { label: 'T', serial: 'S1' }, key: 'root-x', during: 'signing root v2' };
  const cases: Array<[string, string, string]> = [
    ['CKR_PIN_INCORRECT', 'E_PIN_INCORRECT', 'wrong PIN for token "T" (serial S1)'],
    ['CKR_PIN_LOCKED', 'E_PIN_LOCKED', 'the user PIN of token "T" (serial S1) is locked'],
    [
      'CKR_TOKEN_NOT_PRESENT',
      'E_TOKEN_REMOVED',
      'token "T" (serial S1) was removed or its session was lost while signing root v2 (CKR_TOKEN_NOT_PRESENT)',
    ],
    ['CKR_DEVICE_REMOVED', 'E_TOKEN_REMOVED', 'was removed'],
    ['CKR_SESSION_HANDLE_INVALID', 'E_TOKEN_REMOVED', 'its session was lost'],
    [
      'CKR_MECHANISM_INVALID',
      'E_MECHANISM_UNSUPPORTED',
      'key "root-x" does not support what is needed while signing root v2',
    ],
    ['CKR_USER_NOT_LOGGED_IN', 'E_NOT_LOGGED_IN', 'not logged in while signing root v2'],
    ['CKR_KEY_FUNCTION_NOT_PERMITTED', 'E_KEY_NOT_PERMITTED', 'CKA_SIGN is false'],
    ['CKR_OBJECT_HANDLE_INVALID', 'E_KEY_LOST', 'the key is no longer there'],
    ['CKR_FUNCTION_FAILED', 'E_TOKEN', 'C_Sign failed with CKR_FUNCTION_FAILED while signing root v2'],
  ];
  for (const [ckr, code, text] of cases) {
    it(`${ckr} → ${code}, exit 4, one line`, () => {
      const e = tokenError(new PortError(ckr, 'C_Sign'), ctx);
      expect(e.code).toBe(code);
      expect(CATEGORY_EXIT_CODES[e.category]).toBe(4);
      expect(e.message).toContain(text);
      expect(e.message).not.toContain('\n');
    });
  }

  it('tries left come from the token flags', () => {
    expect(triesLeft(CK.CKF_USER_PIN_FINAL_TRY)).toBe('; one try left before the PIN locks');
    expect(triesLeft(CK.CKF_USER_PIN_COUNT_LOW)).toContain('few tries left');
    expect(triesLeft(CK.CKF_USER_PIN_LOCKED)).toBe('; the PIN is now locked');
    expect(triesLeft(0)).toBe('');
  });
});

let asked: string[] = [];
/** A person typing these PINs in turn, the last one again if asked more often. */
const typed = (...answers: string[]) =>
  pinSource({}, async (q) => {
    asked.push(q);
    return answers[Math.min(asked.length, answers.length) - 1]!;
  });

describe('PIN problems (fake token)', () => {
  it('a wrong typed PIN is asked again, saying how many tries are left, and the right one logs in', async () => {
    const { port, token } = setup();
    token.flagsAfterWrongPin = CK.CKF_USER_PIN_COUNT_LOW;
    const session = await openHolderSession(PROFILE, 'alice', typed('0000', '4321'), { port });
    expect(token.loggedIn).toBe(true);
    await session.close();
    expect(asked).toEqual([
      'PIN of token "alice-token" (holder alice):',
      'Wrong PIN; 2 tries left: the token reports few tries left before it locks. PIN of token "alice-token" (holder alice):',
    ]);
  });

  it("before the token's last try, the question says that one more wrong PIN locks it", async () => {
    const { port, token } = setup();
    token.flagsAfterWrongPin = CK.CKF_USER_PIN_COUNT_LOW | CK.CKF_USER_PIN_FINAL_TRY;
    await openHolderSession(PROFILE, 'alice', typed('0000', '4321'), { port });
    expect(asked[1]).toMatch(/^Wrong PIN; LAST TRY: the token reports that one more wrong PIN locks it/);
  });

  it('a token already on its last try says so before the first PIN', async () => {
    const { port, token } = setup();
    token.flags |= CK.CKF_USER_PIN_FINAL_TRY;
    await openHolderSession(PROFILE, 'alice', typed('4321'), { port });
    expect(asked[0]).toMatch(/^Careful: the token reports that one more wrong PIN locks it/);
  });

  it('three wrong typed PINs end the attempt, and the module is released', async () => {
    const { port } = setup();
    const e = await rejection(openHolderSession(PROFILE, 'alice', typed('0000'), { port }));
    expect(e.code).toBe('E_PIN_INCORRECT');
    expect(e.message).toBe('wrong PIN for token "alice-token" (serial a1a1a1a1) 3 times; not asked again in this run');
    expect(asked.map((q) => q.replace(/ PIN of .*/, ''))).toEqual([
      'PIN of token "alice-token" (holder alice):',
      'Wrong PIN; 2 tries left.',
      'Wrong PIN; 1 try left.',
    ]);
    expect(port.finalized).toBe(1);
  });

  it('the wrong PIN that locks the token says it is locked, and asks no more', async () => {
    const { port, token } = setup();
    token.flagsAfterWrongPin = CK.CKF_USER_PIN_LOCKED;
    const e = await rejection(openHolderSession(PROFILE, 'alice', typed('0000', '4321'), { port }));
    expect(e.code).toBe('E_PIN_LOCKED');
    expect(e.message).toContain('the user PIN of token "alice-token" (serial a1a1a1a1) is locked');
    expect(asked).toHaveLength(1);
  });

  it('a PIN from the environment is tried once: a script fails fast', async () => {
    const { port, token } = setup();
    token.flagsAfterWrongPin = CK.CKF_USER_PIN_COUNT_LOW | CK.CKF_USER_PIN_FINAL_TRY;
    const profile = profileFor({
      alice: { token: { label: 'alice-token' }, keys: { root: 'root-alice' }, pin: { env: 'ALICE_PIN' } },
    });
    const fromEnv = pinSource({ ALICE_PIN: '0000' }, async (q) => {
      asked.push(q);
      return '4321';
    });
    const e = await rejection(openHolderSession(profile, 'alice', fromEnv, { port }));
    expect(e.message).toBe('wrong PIN for token "alice-token" (serial a1a1a1a1); one try left before the PIN locks');
    expect(asked).toEqual([]);
  });

  it('a locked token is refused before anyone types a PIN', async () => {
    const { port, token } = setup();
    token.flags |= CK.CKF_USER_PIN_LOCKED;
    const e = await rejection(openHolderSession(PROFILE, 'alice', typed('4321'), { port }));
    expect(e.code).toBe('E_PIN_LOCKED');
    expect(e.message).toContain('token "alice-token" (serial a1a1a1a1) is locked');
    expect(asked).toEqual([]);
  });

  it('CKR_PIN_LOCKED from C_Login', async () => {
    const { port, token } = setup();
    token.failures.set('C_Login', 'CKR_PIN_LOCKED');
    expect((await rejection(openHolderSession(PROFILE, 'alice', typed('4321'), { port }))).code).toBe('E_PIN_LOCKED');
  });
});

describe('choosing the token (fake)', () => {
  it('two tokens with the same label are ambiguous', async () => {
    const { port } = setup();
    port.add('alice-token', 'b2b2b2b2', '4321');
    const e = await rejection(openHolderSession(PROFILE, 'alice', pins('4321'), { port }));
    expect(e.code).toBe('E_TOKEN_AMBIGUOUS');
    expect(e.message).toContain('serials a1a1a1a1, b2b2b2b2');
  });

  it('an uninitialized token, and one without a user PIN', async () => {
    const { port, token } = setup();
    token.flags = CK.CKF_USER_PIN_INITIALIZED;
    expect((await rejection(openHolderSession(PROFILE, 'alice', pins('4321'), { port }))).message).toBe(
      'token "alice-token" (serial a1a1a1a1) is not initialized',
    );
    token.flags = CK.CKF_TOKEN_INITIALIZED;
    expect((await rejection(openHolderSession(PROFILE, 'alice', pins('4321'), { port }))).code).toBe(
      'E_TOKEN_NOT_INITIALIZED',
    );
    expect(asked).toEqual([]);
  });

  it('a module that cannot be loaded names the module', async () => {
    const { port } = setup();
    port.loadError = 'dlopen failed: no such file';
    const e = await rejection(openHolderSession(PROFILE, 'alice', pins('4321'), { port }));
    expect(e.code).toBe('E_MODULE_LOAD');
    expect(e.message).toBe('cannot load the PKCS#11 module /fake/module.so: dlopen failed: no such file');
  });

  it('two holders open at once share one loaded module, finalized once at the end', async () => {
    const { port } = setup();
    port.add('bob-token', 'b0b0b0b0', '1111');
    const profile = profileFor({
      alice: { token: { label: 'alice-token' }, keys: {} },
      bob: { token: { serial: 'b0b0b0b0' }, keys: {} },
    });
    const a = await openHolderSession(profile, 'alice', pins('4321'), { port });
    const b = await openHolderSession(profile, 'bob', pins('1111'), { port });
    expect(port.loads).toBe(1);
    await a.close();
    expect(port.finalized).toBe(0);
    await b.close();
    await b.close();
    expect(port.finalized).toBe(1);
  });
});

describe('generating on a token that does not behave (fake)', () => {
  it('attributes the token did not honour: refused, and the key destroyed', async () => {
    const { port, token } = setup();
    token.ignores = ['sensitive'];
    const e = await rejection(
      generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port }),
    );
    expect(e.code).toBe('E_ATTRIBUTES_NOT_HONOURED');
    expect(e.message).toContain(
      'private key CKA_SENSITIVE: the token reported nothing (the attribute was not returned), required true',
    );
    expect(e.message).toContain('the key was destroyed because a ceremony key must have these attributes');
    expect(e.message).not.toContain('accept');
    expect(token.objects).toEqual([]);
  });

  it('CKA_LOCAL reported false: says exactly that, destroys the key and says why, and names the profile field that would accept it', async () => {
    const { port, token } = setup();
    token.reports = { local: false };
    const e = await rejection(
      generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port }),
    );
    expect(e.code).toBe('E_ATTRIBUTES_NOT_HONOURED');
    expect(e.message).toBe(
      'token "alice-token" (serial a1a1a1a1), new key "root-alice": private key CKA_LOCAL: the ' +
        'token reported false, required true; the key was destroyed because a ceremony key must ' +
        'have these attributes; if this module is known to report that, accept it in the ' +
        'profile\'s module entry: "accept": ["CKA_LOCAL=false"] (docs/formats/token-profile.md)',
    );
    expect(token.objects).toEqual([]);
  });

  it('CKA_LOCAL false accepted for this module by the profile: the key is kept and the acceptance reported', async () => {
    const { port, token } = setup();
    token.reports = { local: false };
    const profile = parseProfile(
      {
        modules: { m: { path: '/fake/module.so', accept: ['CKA_LOCAL=false'] } },
        holders: {
          alice: { tokens: [{ module: 'm', token: { label: 'alice-token' }, keys: { root: 'root-alice' } }] },
        },
      },
      '/fake/profile.json',
    );
    const made = await generateTokenKey(profile, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port });
    expect(made.accepted).toEqual(['CKA_LOCAL=false']);
    expect(token.objects).toHaveLength(2);
  });

  it('an accepted deviation never covers another one', async () => {
    const { port, token } = setup();
    token.reports = { local: false, extractable: true };
    const profile = parseProfile(
      {
        modules: { m: { path: '/fake/module.so', accept: ['CKA_LOCAL=false'] } },
        holders: {
          alice: { tokens: [{ module: 'm', token: { label: 'alice-token' }, keys: { root: 'root-alice' } }] },
        },
      },
      '/fake/profile.json',
    );
    const e = await rejection(
      generateTokenKey(profile, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port }),
    );
    expect(e.message).toContain('private key CKA_EXTRACTABLE: the token reported true, required false');
    expect(e.message).not.toContain('CKA_LOCAL');
    expect(token.objects).toEqual([]);
  });

  it('a token that never kept the new key: a fresh session does not find it, so no success is reported', async () => {
    const { port, token } = setup();
    token.forgets = true;
    const e = await rejection(
      generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port }),
    );
    expect(e.code).toBe('E_KEY_LOST');
    expect(e.message).toContain('a new session finds 0 private and 0 public keys with label "root-alice"');
    expect(e.message).toContain('the new key "root-alice" was destroyed so that no unchecked key is left');
    expect(token.objects).toEqual([]);
  });

  it('a token that wants the curve by name, and returns the point bare', async () => {
    const { port, token } = setup();
    token.wantsCurveName = true;
    token.barePoint = true;
    const made = await generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port });
    expect(made.key.kind).toBe('ed25519');
    expect(token.objects[0]!.attrs.paramsEC!.toString('latin1')).toContain('edwards25519');
    const listed = await listTokens('/fake/module.so', { port, profile: PROFILE });
    expect(listed.tokens[0]!.keys[0]!.keyid).toBe(made.key.keyid);
  });

  it('a token whose test signature does not verify: refused and destroyed', async () => {
    const { port, token } = setup();
    token.signsWrong = true;
    const e = await rejection(
      generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port }),
    );
    expect(e.code).toBe('E_BAD_TOKEN_SIGNATURE');
    expect(token.objects).toEqual([]);
  });

  it('a key type the token lacks', async () => {
    const { port, token } = setup();
    token.mechanisms = [CK.CKM_EC_KEY_PAIR_GEN, CK.CKM_ECDSA];
    const e = await rejection(
      generateTokenKey(PROFILE, 'alice', 'root', 'rsa-3072', 'root-alice', pins('4321'), { port }),
    );
    expect(e.message).toBe(
      'token "alice-token" (serial a1a1a1a1) does not support CKM_RSA_PKCS_KEY_PAIR_GEN and CKM_RSA_PKCS_PSS, needed for rsa-3072 keys',
    );
  });
});

describe('failures in the middle of a signing batch (fake)', () => {
  async function signerOn(port: FakePort) {
    const made = await generateTokenKey(PROFILE, 'alice', 'root', 'ed25519', 'root-alice', pins('4321'), { port });
    const session = await openHolderSession(PROFILE, 'alice', pins('4321'), { port });
    return { session, signer: await session.signerFor('root', made.key), key: made.key };
  }
  const md = () => new Metadata(new Targets({ version: 1, expires: new Date(Date.UTC(2040, 0, 1)) }));

  it('CKR_DEVICE_REMOVED from C_Sign: the token was removed', async () => {
    const { port, token } = setup();
    const { session, signer } = await signerOn(port);
    await md().sign(signer, 'append');
    token.present = false;
    const e = await rejection(md().sign(signer, 'append'));
    expect(e.code).toBe('E_TOKEN_REMOVED');
    expect(e.message).toContain('was removed while signing with key "root-alice" (CKR_DEVICE_REMOVED)');
    await session.close();
    expect(port.finalized).toBeGreaterThan(0);
  });

  it('a general error while the token still answers is reported as it is', async () => {
    const { port, token } = setup();
    const { session, signer } = await signerOn(port);
    token.failures.set('C_Sign', 'CKR_DEVICE_ERROR');
    const e = await rejection(md().sign(signer, 'append'));
    expect(e.code).toBe('E_TOKEN');
    expect(e.message).toContain('C_Sign failed with CKR_DEVICE_ERROR');
    await session.close();
  });

  it('a failure after which the token no longer answers is a removal', async () => {
    const { port, token } = setup();
    const { session, signer } = await signerOn(port);
    token.failures.set('C_SignInit', 'CKR_GENERAL_ERROR');
    token.present = false;
    // the fake reports the configured failure first, as SoftHSM reports CKR_OBJECT_HANDLE_INVALID
    const e = await rejection(md().sign(signer, 'append'));
    expect(e.code).toBe('E_TOKEN_REMOVED');
    expect(e.message).toContain('CKR_GENERAL_ERROR, then C_GetTokenInfo failed with CKR_TOKEN_NOT_PRESENT');
    await session.close();
  });

  it('a token signing with another key never gets a signature out', async () => {
    const { port, token } = setup();
    const { session, signer } = await signerOn(port);
    token.signsWrong = true;
    const target = md();
    const e = await rejection(target.sign(signer, 'append'));
    expect(e.code).toBe('E_BAD_TOKEN_SIGNATURE');
    expect(target.signatures.size).toBe(0);
    await session.close();
  });

  it('signing after close is refused', async () => {
    const { port } = setup();
    const { session, signer } = await signerOn(port);
    await session.close();
    expect((await rejection(md().sign(signer, 'append'))).code).toBe('E_SESSION_CLOSED');
  });
});
