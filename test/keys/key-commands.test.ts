/**
 * `token list`, `key generate` and `key export` from the command line, on fresh SoftHSM tokens:
 * in-process with captured streams, and once through `node bin/tuf-ceremony.js`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Key } from '../../src/tuf/model/key.js';
import { fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';
import { runCli } from '../helpers/cli.js';
import { freshTokens, type Fixture } from './softhsm-fixture.js';

let fx: Fixture;
let profilePath: string;
const ENV = { PIN_ALICE: '1111-alice' };

beforeAll(() => {
  fx = freshTokens([
    { label: 'alice', soPin: 'so-alice-1', userPin: '1111-alice' },
    { label: 'bob', soPin: 'so-bob-11', userPin: '2222-bob' },
  ]);
  fx.profile('profile.json', {
    module: fx.module,
    holders: {
      alice: {
        token: { label: 'alice' },
        keys: { root: 'root-alice', claimed: 'claimed-alice' },
        pin: { env: 'PIN_ALICE' },
      },
      bob: { token: { label: 'bob' }, keys: { root: 'root-bob' }, pin: { file: fx.pinFileOf('bob') } },
      nobody: { token: { label: 'not-here' }, keys: { root: 'root-x' }, pin: { env: 'PIN_ALICE' } },
      carol: { token: { label: 'alice' }, keys: { root: 'root-carol' } },
    },
  });
  profilePath = join(fx.dir, 'profile.json');
});
afterAll(() => fx?.cleanup());

describe('key generate', () => {
  it('prints the TUF key, keyid as hex, as words and, at a terminal, as a QR code', async () => {
    const r = await runCli(
      [
        'key',
        'generate',
        '--profile',
        profilePath,
        '--holder',
        'alice',
        '--type',
        'ed25519',
        '--label',
        'root-alice',
        '--purpose',
        'root',
      ],
      { env: ENV, interactive: true },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const keyJson = JSON.parse(/TUF public key: (.*)/.exec(r.stdout)![1]!);
    const key = Key.fromJSON(keyJson);
    expect(keyJson['x-ceremony-owner']).toBe('alice');
    const hexLine = /hex: {3}(.*)/.exec(r.stdout)![1]!;
    expect(hexLine.replace(/ /g, '')).toBe(key.keyid);
    expect(r.stdout).toContain(fingerprintWords(key.keyid).slice(0, 8).join(' '));
    expect(r.stdout).toMatch(/[▀▄█]/); // the QR code
    expect(r.stdout).toContain(`token:  "alice" (serial ${fx.serialOf('alice')})`);
  });

  it('--json prints one document', async () => {
    const r = await runCli([
      'key',
      'generate',
      '--profile',
      profilePath,
      '--holder',
      'bob',
      '--type',
      'ecdsa-p256',
      '--label',
      'root-bob',
      '--purpose',
      'root',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      holder: 'bob',
      label: 'root-bob',
      purpose: 'root',
      token: { label: 'bob', serial: fx.serialOf('bob') },
    });
    expect(Key.fromJSON(doc.key).keyid).toBe(doc.keyid);
  });

  it('an existing label: exit 5, one line, token unchanged', async () => {
    const before = await runCli(['token', 'list', '--profile', profilePath, '--json']);
    const r = await runCli(
      ['key', 'generate', '--profile', profilePath, '--holder', 'alice', '--type', 'rsa-3072', '--label', 'root-alice'],
      { env: ENV },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      `tuf-ceremony key generate: token "alice" (serial ${fx.serialOf('alice')}) already has an object labelled "root-alice"; refusing to reuse a label\n`,
    );
    expect((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout).toBe(before.stdout);
  });

  it('a wrong PIN: exit 4 and one line naming the token', async () => {
    const r = await runCli(
      [
        'key',
        'generate',
        '--profile',
        profilePath,
        '--holder',
        'alice',
        '--type',
        'ed25519',
        '--label',
        'claimed-alice',
        '--purpose',
        'claimed',
      ],
      { env: { PIN_ALICE: 'wrong-pin' } },
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^tuf-ceremony key generate: wrong PIN for token "alice" \(serial [0-9a-f]+\)[^\n]*\n$/);
  });

  it('a token that is not there: exit 4', async () => {
    const r = await runCli(
      ['key', 'generate', '--profile', profilePath, '--holder', 'nobody', '--type', 'ed25519', '--label', 'root-x'],
      { env: ENV },
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no token with label "not-here" (holder "nobody")');
  });

  it('no PIN source and nobody at a terminal: exit 2, and says what to do', async () => {
    const r = await runCli([
      'key',
      'generate',
      '--profile',
      profilePath,
      '--holder',
      'carol',
      '--type',
      'ed25519',
      '--label',
      'root-carol',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no PIN for holder "carol"');
  });

  it('a bad --type is a usage error', async () => {
    const r = await runCli(
      ['key', 'generate', '--profile', profilePath, '--holder', 'alice', '--type', 'dsa', '--label', 'x'],
      { env: ENV },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--type must be one of ed25519, ecdsa-p256, rsa-3072');
  });
});

describe('token list and key export', () => {
  it('token list shows tokens, holders and keyids', async () => {
    const r = await runCli(['token', 'list', '--profile', profilePath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`token "alice" serial ${fx.serialOf('alice')} (holder alice)`);
    expect(r.stdout).toMatch(/root-alice +ed25519 +[0-9a-f]{32} +[0-9a-f]{64}/);
    const json = JSON.parse((await runCli(['token', 'list', '--module', fx.module, '--json'])).stdout);
    expect(json.tokens.map((t: { label: string }) => t.label)).toEqual(expect.arrayContaining(['alice', 'bob']));
  });

  it('exports to a new file, and never overwrites it', async () => {
    const out = join(fx.dir, 'root-alice.pub.json');
    const r = await runCli([
      'key',
      'export',
      '--profile',
      profilePath,
      '--holder',
      'alice',
      '--purpose',
      'root',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const written = readFileSync(out);
    expect(Key.fromJSON(JSON.parse(written.toString())).keyid).toBe(doc.keyid);
    const listed = JSON.parse((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout);
    expect(listed.tokens.find((t: { label: string }) => t.label === 'alice').keys[0].keyid).toBe(doc.keyid);
    const again = await runCli([
      'key',
      'export',
      '--profile',
      profilePath,
      '--holder',
      'alice',
      '--purpose',
      'root',
      '--out',
      out,
    ]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(out)).toEqual(written);
    // Without a person at a terminal (a log, a script) the keyid is shown without a QR code.
    const logged = await runCli([
      'key',
      'export',
      '--profile',
      profilePath,
      '--holder',
      'alice',
      '--purpose',
      'root',
      '--out',
      `${out}.2`,
    ]);
    expect(logged.code).toBe(0);
    expect(logged.stdout).toContain(`hex:   ${doc.keyid.slice(0, 4)} `);
    expect(logged.stdout).not.toMatch(/[▀▄█]/);
  });

  it('a key the token does not have: exit 4', async () => {
    const r = await runCli([
      'key',
      'export',
      '--profile',
      profilePath,
      '--holder',
      'alice',
      '--purpose',
      'claimed',
      '--out',
      join(fx.dir, 'none.json'),
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('has 0 public keys labelled "claimed-alice"');
    expect(existsSync(join(fx.dir, 'none.json'))).toBe(false);
  });
});

describe('the installed command', () => {
  const root = resolve(import.meta.dirname, '..', '..');
  const built = join(root, 'dist', 'src', 'cli', 'registry.js');

  beforeAll(() => {
    // Build when the compiled CLI is missing or older than these sources (`npm test` builds first).
    const sources = [
      ...readdirSync(join(root, 'src', 'keys')).map((f) => join(root, 'src', 'keys', f)),
      join(root, 'src', 'cli', 'registry.ts'),
      join(root, 'src', 'cli', 'commands', 'key', 'generate.ts'),
      join(root, 'src', 'cli', 'commands', 'token', 'list.ts'),
    ];
    const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
    if (!existsSync(built) || statSync(built).mtimeMs < newest) {
      try {
        execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
          cwd: root,
          stdio: 'ignore',
        });
      } catch {
        // tsc emits even when other parts of the tree have type errors.
      }
    }
  });

  it('node bin/tuf-ceremony.js token list --json', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'tuf-ceremony.js'), 'token', 'list', '--profile', profilePath, '--json'],
      { env: process.env, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tokens.find((t: { label: string }) => t.label === 'bob').holder).toBe('bob');
  });

  it('a module that cannot be loaded: exit 4, one line', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'tuf-ceremony.js'), 'token', 'list', '--module', join(fx.dir, 'missing.so')],
      { env: process.env, encoding: 'utf8' },
    );
    expect(r.status).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot load the PKCS#11 module ${join(fx.dir, 'missing.so')}`);
  });
});
