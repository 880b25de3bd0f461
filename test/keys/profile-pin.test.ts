/** Token profiles (strict, no PIN values) and where PINs come from. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pinSource } from '../../src/keys/pin.js';
import { keyLabel, loadProfile, tokenForPurpose } from '../../src/keys/profile.js';
import { failure } from '../helpers/failure.js';

const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const good = {
  module: '/usr/lib/softhsm/libsofthsm2.so',
  holders: {
    'admin-a': {
      token: { label: 'A' },
      keys: { root: 'root-a', targets: 'targets-a' },
      pin: { env: 'PIN_A', file: 'pins/a.pin' },
    },
    'admin-b': { token: { serial: '0123456789abcdef' }, keys: { root: 'root-b' } },
  },
};

describe('token profiles', () => {
  it('loads holders, resolves the PIN file next to the profile', () => {
    const p = loadProfile(write('good.json', good));
    const softhsm = { name: 'default', path: '/usr/lib/softhsm/libsofthsm2.so', accept: [] };
    expect(p.modules).toEqual({ default: softhsm });
    expect(p.holders['admin-a']).toEqual({
      name: 'admin-a',
      keys: { root: 'root-a', targets: 'targets-a' },
      tokens: [
        {
          name: 'admin-a',
          module: softhsm,
          token: { label: 'A' },
          keys: { root: 'root-a', targets: 'targets-a' },
          pin: { env: 'PIN_A', file: join(dir, 'pins/a.pin') },
        },
      ],
    });
    expect(keyLabel(p, 'admin-b', 'root')).toBe('root-b');
    expect(failure(() => keyLabel(p, 'admin-b', 'claimed')).message).toContain(
      'holders.admin-b.keys has no "claimed" key label (it has: root)',
    );
    expect(failure(() => keyLabel(p, 'admin-z', 'root')).message).toContain(
      'has no holder "admin-z" (it has: admin-a, admin-b)',
    );
  });

  it("reads a holder's keys on several tokens in several modules, with their C_Initialize parameters", () => {
    const p = loadProfile(
      write('multi.json', {
        module: '/usr/lib/softhsm/libsofthsm2.so',
        modules: {
          nss: { path: 'nss/libsoftokn3.so', libraryParameters: "configdir='sql:/x'", accept: ['CKA_LOCAL=false'] },
        },
        holders: {
          'admin-a': {
            tokens: [
              { token: { label: 'A' }, keys: { root: 'root-a' } },
              {
                module: 'nss',
                token: { label: 'NSS Certificate DB' },
                keys: { claimed: 'claimed-a' },
                pin: { env: 'NSS_PIN' },
              },
            ],
          },
        },
      }),
    );
    expect(p.modules['nss']).toEqual({
      name: 'nss',
      path: join(dir, 'nss/libsoftokn3.so'),
      libraryParameters: "configdir='sql:/x'",
      accept: ['CKA_LOCAL=false'],
    });
    expect(p.holders['admin-a']!.keys).toEqual({ root: 'root-a', claimed: 'claimed-a' });
    expect(tokenForPurpose(p, 'admin-a', 'claimed').module.name).toBe('nss');
    expect(tokenForPurpose(p, 'admin-a', 'root').module.name).toBe('default');
    expect(keyLabel(p, 'admin-a', 'claimed')).toBe('claimed-a');
    expect(failure(() => keyLabel(p, 'admin-a', 'targets')).message).toContain(
      'holders.admin-a.tokens[*].keys has no "targets" key label (it has: root, claimed)',
    );
  });

  const twoTokens = (a: unknown, b: unknown) => ({ module: 'm.so', holders: { x: { tokens: [a, b] } } });
  const bad: Array<[string, unknown, string]> = [
    [
      'a purpose on two tokens',
      twoTokens({ token: { label: 'A' }, keys: { root: 'r1' } }, { token: { label: 'B' }, keys: { root: 'r2' } }),
      'holders.x.tokens.1.keys.root: "root" is already on token 0',
    ],
    [
      'an unknown module',
      twoTokens({ token: { label: 'A' }, keys: {} }, { module: 'hsm', token: { label: 'B' }, keys: {} }),
      'holders.x.tokens.1.module: no module "hsm" in this profile (it has: default)',
    ],
    [
      'both forms in one holder',
      { module: 'm.so', holders: { x: { token: { label: 'A' }, keys: {}, tokens: [] } } },
      'holders.x.token: give either "tokens" or one "token"',
    ],
    [
      'a deviation that weakens the key',
      {
        modules: { m: { path: 'm.so', accept: ['CKA_EXTRACTABLE=true'] } },
        holders: { x: { tokens: [{ module: 'm', token: { label: 'A' }, keys: {} }] } },
      },
      'modules.m.accept.0: "CKA_EXTRACTABLE=true" cannot be accepted',
    ],
    [
      'one library with two parameter sets',
      {
        modules: { a: { path: 'n.so', libraryParameters: 'p' }, b: { path: 'n.so', libraryParameters: 'q' } },
        holders: { x: { tokens: [{ module: 'a', token: { label: 'A' }, keys: {} }] } },
      },
      'modules.b: ',
    ],
    [
      'a PIN value',
      { ...good, holders: { x: { token: { label: 'A' }, keys: {}, pin: '1234' } } },
      'holders.x.pin: PINs never live in a profile',
    ],
    [
      'a PIN value inside pin',
      { ...good, holders: { x: { token: { label: 'A' }, keys: {}, pin: { value: '1234' } } } },
      'holders.x.pin.value: PINs never live in a profile',
    ],
    [
      'no token selector',
      { ...good, holders: { x: { token: {}, keys: {} } } },
      'holders.x.token: give the token\'s "label", "serial", or both',
    ],
    ['an unknown field', { ...good, extra: 1 }, 'extra: unknown field'],
    [
      'an unknown token field',
      { ...good, holders: { x: { token: { label: 'A', slot: 1 }, keys: {} } } },
      'holders.x.token.slot: unknown field',
    ],
    [
      'one label for two purposes',
      { ...good, holders: { x: { token: { label: 'A' }, keys: { root: 'k', targets: 'k' } } } },
      'holders.x.keys.targets: key label "k" is already used for "root"',
    ],
    ['no module', { holders: good.holders }, 'module: missing'],
    ['no holders', { module: 'm.so', holders: {} }, 'holders: no holder listed'],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what}, naming the file and field`, () => {
      const path = write('bad.json', value);
      const e = failure(() => loadProfile(path));
      expect(e.category).toBe('usage');
      expect(e.message.startsWith(`${path}: ${message}`)).toBe(true);
    });
  }

  it('refuses duplicate keys in the JSON (two readers could disagree)', () => {
    const path = write('dup.json', '{"module":"a.so","module":"b.so","holders":{}}');
    expect(failure(() => loadProfile(path)).message).toContain(path);
  });

  it('a missing file is a usage error naming it', () => {
    expect(failure(() => loadProfile(join(dir, 'nope.json'))).message).toBe(
      `cannot read token profile ${join(dir, 'nope.json')}: ENOENT`,
    );
  });
});

describe('PIN sources', () => {
  const holder = { name: 'admin-a', token: { label: 'A' }, keys: {}, pin: { env: 'PIN_A', file: join(dir, 'a.pin') } };

  it('the environment variable first, then the file, then the prompt', async () => {
    writeFileSync(holder.pin.file, '2468\n', { mode: 0o600 });
    chmodSync(holder.pin.file, 0o600);
    const asked: string[] = [];
    const ask = async (q: string) => (asked.push(q), 'typed');
    expect(await pinSource({ PIN_A: '1357' }, ask).pinFor(holder, 'A')).toBe('1357');
    expect(await pinSource({}, ask).pinFor(holder, 'A')).toBe('2468');
    expect(await pinSource({}, ask).pinFor({ ...holder, pin: undefined }, 'A')).toBe('typed');
    expect(asked).toEqual(['PIN of token "A" (holder admin-a):']);
  });

  it('refuses a PIN file others can read', async () => {
    writeFileSync(holder.pin.file, '2468\n');
    chmodSync(holder.pin.file, 0o644);
    await expect(pinSource({}).pinFor(holder, 'A')).rejects.toThrow(
      `the PIN file ${holder.pin.file} of holder "admin-a" can be read by others (mode 644); run chmod 600 on it`,
    );
  });

  it('without a source and without a terminal: says what to do, never guesses', async () => {
    await expect(pinSource({}).pinFor({ ...holder, pin: { env: 'PIN_A' } }, 'A')).rejects.toThrow(
      'the environment variable PIN_A is not set and there is no terminal to ask on',
    );
  });
});
