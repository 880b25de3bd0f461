/**
 * `token list`, `key generate` and `key export` from the command line, on fresh tokens of each
 * backend (token-backends.ts: SoftHSM2 and NSS softokn): in-process with captured streams, and
 * through `node bin/tuf-ceremony.js`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_KEY_TYPES } from '../../src/keys/token-keys.js';
import { Key } from '../../src/tuf/model/key.js';
import { fingerprintWords, groupedHex } from '../../src/tuf/model/fingerprint-words.js';
import { runCli } from '../helpers/cli.js';
import { BACKENDS, NSS_SOFTOKN, type BackendTokens } from './token-backends.js';

const root = resolve(import.meta.dirname, '..', '..');
const installed = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'tuf-ceremony.js'), ...args], { env: process.env, encoding: 'utf8' });

beforeAll(() => {
  // Build when the compiled CLI is missing or older than these sources (`npm test` builds first).
  const built = join(root, 'dist', 'src', 'cli', 'registry.js');
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

describe.each(BACKENDS.map((b) => [b.name, b] as const))('key and token commands on %s', (_name, backend) => {
  let fx: BackendTokens;
  let profilePath: string;
  let env: NodeJS.ProcessEnv;
  // The first key type the token has (Ed25519 on SoftHSM, P-256 on NSS softokn).
  const type = backend.keyTypes[0]!;
  const generate = (holder: string, keyType: string, label: string, ...more: string[]) => [
    'key',
    'generate',
    '--profile',
    profilePath,
    '--holder',
    holder,
    '--type',
    keyType,
    '--label',
    label,
    ...more,
  ];
  // What key generate says on stderr when the module's keys report what its profile entry accepts.
  const acceptedNote = () =>
    backend.accepted
      ? `note: the token reported ${backend.accepted.join(', ')} for the new key; kept because ${profilePath} accepts it for this module ("accept")\n`
      : '';

  beforeAll(() => {
    fx = backend.create(['alice', 'bob']);
    profilePath = fx.profile('profile.json', {
      alice: { token: 'alice', keys: { root: 'root-alice', claimed: 'claimed-alice' }, pin: { env: 'PIN_ALICE' } },
      bob: { token: 'bob', keys: { root: 'root-bob', claimed: 'claimed-bob' }, pin: 'file' },
      nobody: { token: 'not-here', keys: { root: 'root-x' }, pin: { env: 'PIN_ALICE' } },
      carol: { token: 'alice', keys: { root: 'root-carol' } },
    }).path;
    env = { PIN_ALICE: fx.token('alice').pin };
  });
  afterAll(() => fx?.cleanup());

  describe('key generate', () => {
    it('prints the TUF key, keyid as hex, as words and, at a terminal, as a QR code', async () => {
      const r = await runCli(generate('alice', type, 'root-alice', '--purpose', 'root'), { env, interactive: true });
      expect(r.stderr).toBe(acceptedNote());
      expect(r.code).toBe(0);
      const keyJson = JSON.parse(/TUF public key: (.*)/.exec(r.stdout)![1]!);
      const key = Key.fromJSON(keyJson);
      expect(keyJson['x-ceremony-owner']).toBe('alice');
      const hexLine = /hex: {3}(.*)/.exec(r.stdout)![1]!;
      expect(hexLine.replace(/ /g, '')).toBe(key.keyid);
      const words = fingerprintWords(key.keyid);
      expect(r.stdout).toContain(`1:${words[0]} 2:${words[1]} 3:${words[2]}`);
      expect(r.stdout).toMatch(/[▀▄█]/); // the QR code
      const alice = fx.token('alice');
      expect(r.stdout).toContain(`token:  "${alice.label}" (serial ${alice.serial})`);
    });

    it('--json prints one document, with what the profile accepted', async () => {
      const r = await runCli([...generate('bob', 'ecdsa-p256', 'root-bob', '--purpose', 'root'), '--json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const bob = fx.token('bob');
      expect(doc).toMatchObject({
        holder: 'bob',
        label: 'root-bob',
        purpose: 'root',
        token: { label: bob.label, serial: bob.serial },
        accepted: backend.accepted ?? [],
      });
      expect(Key.fromJSON(doc.key).keyid).toBe(doc.keyid);
    });

    it('an existing label: exit 5, one line, token unchanged', async () => {
      const before = await runCli(['token', 'list', '--profile', profilePath, '--json']);
      const r = await runCli(generate('alice', 'rsa-3072', 'root-alice'), { env });
      expect(r.code).toBe(5);
      const alice = fx.token('alice');
      expect(r.stderr).toBe(
        `tuf-ceremony key generate: token "${alice.label}" (serial ${alice.serial}) already has an object labelled "root-alice"; refusing to reuse a label\n`,
      );
      expect((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout).toBe(before.stdout);
    });

    it('a wrong PIN: exit 4 and one line naming the token', async () => {
      const r = await runCli(generate('alice', type, 'claimed-alice', '--purpose', 'claimed'), {
        env: { PIN_ALICE: 'wrong-pin' },
      });
      expect(r.code).toBe(4);
      const alice = fx.token('alice');
      expect(r.stderr).toBe(
        `tuf-ceremony key generate: wrong PIN for token "${alice.label}" (serial ${alice.serial})${backend.wrongPinHint}\n`,
      );
    });

    it('a token that is not there: exit 4', async () => {
      const r = await runCli(generate('nobody', type, 'root-x'), { env });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('no token with label "not-here" (holder "nobody")');
    });

    it('no PIN source and nobody at a terminal: exit 2, and says what to do', async () => {
      const r = await runCli(generate('carol', type, 'root-carol'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no PIN for holder "carol"');
    });

    for (const missing of TOKEN_KEY_TYPES.filter((t) => !backend.keyTypes.includes(t))) {
      it(`--type ${missing}: exit 4 before any PIN is asked, one line naming what the token lacks`, async () => {
        // carol has no PIN source: asking for one would be exit 2.
        const r = await runCli(generate('carol', missing, `${missing}-carol`));
        expect(r.code).toBe(4);
        const alice = fx.token('alice');
        expect(r.stderr).toMatch(
          new RegExp(
            `^tuf-ceremony key generate: token "${alice.label}" \\(serial ${alice.serial}\\) does ` +
              `not support CKM_[A-Z_]+ and CKM_[A-Z_]+, needed for ${missing} keys\\n$`,
          ),
        );
      });
    }

    it('a bad --type is a usage error', async () => {
      const r = await runCli(generate('alice', 'dsa', 'x'), { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--type must be one of ed25519, ecdsa-p256, rsa-3072');
    });
  });

  describe('token list and key export', () => {
    it('token list shows tokens, holders and keyids', async () => {
      const r = await runCli(['token', 'list', '--profile', profilePath]);
      expect(r.code).toBe(0);
      const alice = fx.token('alice');
      expect(r.stdout).toContain(`token "${alice.label}" serial ${alice.serial} (holder alice)`);
      expect(r.stdout).toMatch(new RegExp(`root-alice +${type} +[0-9a-f]{32} +public: verify`));
      // The keyid in the form people compare everywhere: whole hex in fours, numbered words.
      const doc = JSON.parse((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout);
      const keyid: string = doc.tokens.find((t: { label: string }) => t.label === alice.label).keys[0].keyid;
      const words = fingerprintWords(keyid);
      expect(r.stdout).toContain(
        `TUF keyid:\n      hex:   ${groupedHex(keyid)}\n      words:\n        1:${words[0]} 2:${words[1]}`,
      );
    });

    it('token list --json: each key with the holder whose profile entry names it, and that holder in its keyid', async () => {
      const doc = JSON.parse((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout);
      expect(doc.modules.map((m: { module: string }) => m.module)).toEqual([fx.module.path]);
      const keys = doc.modules[0].tokens.flatMap((t: { keys: unknown[] }) => t.keys);
      for (const [label, holder] of [
        ['root-alice', 'alice'],
        ['root-bob', 'bob'],
      ]) {
        const listed = keys.find((k: { label: string }) => k.label === label);
        expect(listed.holder).toBe(holder);
        const exported = await runCli([
          'key',
          'export',
          '--profile',
          profilePath,
          '--holder',
          holder!,
          '--purpose',
          'root',
          '--out',
          join(fx.dir, `${label}.listed.json`),
          '--json',
        ]);
        expect(JSON.parse(exported.stdout).keyid).toBe(listed.keyid);
      }
    });

    it('token list --module without a profile lists the module, or says where its C_Initialize parameters go', async () => {
      const r = await runCli(['token', 'list', '--module', fx.module.path, '--json']);
      if (fx.module.libraryParameters === undefined) {
        expect(r.code).toBe(0);
        const labels = JSON.parse(r.stdout).tokens.map((t: { label: string }) => t.label);
        expect(labels).toEqual(expect.arrayContaining([fx.token('alice').label, fx.token('bob').label]));
      } else {
        expect(r.code).toBe(4);
        expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'E_MODULE_LOAD', exit_code: 4 });
        expect(r.stderr).toContain("give them in a token profile's modules.<name>.libraryParameters and use --profile");
      }
    });

    it('exports to a new file, and never overwrites it', async () => {
      const out = join(fx.dir, 'root-alice.pub.json');
      const exportArgs = (file: string) => [
        'key',
        'export',
        '--profile',
        profilePath,
        '--holder',
        'alice',
        '--purpose',
        'root',
        '--out',
        file,
      ];
      const r = await runCli([...exportArgs(out), '--json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const written = readFileSync(out);
      expect(Key.fromJSON(JSON.parse(written.toString())).keyid).toBe(doc.keyid);
      const listed = JSON.parse((await runCli(['token', 'list', '--profile', profilePath, '--json'])).stdout);
      const aliceToken = listed.tokens.find((t: { label: string }) => t.label === fx.token('alice').label);
      expect(aliceToken.keys.find((k: { label: string }) => k.label === 'root-alice').keyid).toBe(doc.keyid);
      const again = await runCli(exportArgs(out));
      expect(again.code).toBe(5);
      expect(again.stderr).toContain('already exists');
      expect(readFileSync(out)).toEqual(written);
      // Without a person at a terminal (a log, a script) the keyid is shown without a QR code.
      const logged = await runCli(exportArgs(`${out}.2`));
      expect(logged.code).toBe(0);
      expect(logged.stdout).toContain(`hex:   ${doc.keyid.slice(0, 4)} `);
      expect(logged.stdout).not.toMatch(/[▀▄█]/);
    });

    it('a key the token does not have: exit 4', async () => {
      const none = join(fx.dir, 'none.json');
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
        none,
      ]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('has 0 public keys labelled "claimed-alice"');
      expect(existsSync(none)).toBe(false);
    });
  });

  describe('the installed command', () => {
    it('node bin/tuf-ceremony.js key generate, then token list --json shows the key', () => {
      const made = installed([...generate('bob', 'rsa-3072', 'claimed-bob', '--purpose', 'claimed'), '--json']);
      expect(made.stderr).toBe(acceptedNote());
      expect(made.status).toBe(0);
      const keyid = JSON.parse(made.stdout).keyid;
      const r = installed(['token', 'list', '--profile', profilePath, '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout);
      const bob = doc.tokens.find((t: { label: string }) => t.label === fx.token('bob').label);
      expect(bob.keys.find((k: { label: string }) => k.label === 'claimed-bob')).toMatchObject({
        type: 'rsa-3072',
        holder: 'bob',
        keyid,
      });
    });

    if (backend === NSS_SOFTOKN) {
      it("NSS softokn's dbTokenDescription names the database token (a process of its own: one configuration each)", () => {
        const p = JSON.parse(readFileSync(profilePath, 'utf8'));
        p.modules.nss.libraryParameters += " dbTokenDescription='alice-nss'";
        p.holders = {
          alice: { tokens: [{ module: 'nss', token: { label: 'alice-nss' }, keys: { root: 'root-alice' } }] },
        };
        const named = join(fx.dir, 'named-token.json');
        writeFileSync(named, JSON.stringify(p));
        const r = installed(['token', 'list', '--profile', named, '--json']);
        expect(r.status).toBe(0);
        const token = JSON.parse(r.stdout).tokens.find((t: { label: string }) => t.label === 'alice-nss');
        expect(token).toMatchObject({ holder: 'alice', serial: '0000000000000000' });
        expect(token.keys.map((k: { label: string }) => k.label)).toContain('root-alice');
      });
    }
  });
});

describe('the installed command without a token', () => {
  it('a module that cannot be loaded: exit 4, one line', () => {
    const missing = join(root, 'no-such-dir', 'missing.so');
    const r = installed(['token', 'list', '--module', missing]);
    expect(r.status).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot load the PKCS#11 module ${missing}`);
  });
});
