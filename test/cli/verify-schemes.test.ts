/**
 * `verify` on repositories python-tuf wrote with other signature schemes
 * (scripts/python-tuf/make-scheme-vectors.py; docs/decisions/0009-signature-schemes.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const SCHEMES = join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'python-tuf', 'schemes');
const verify = (name: string, ...extra: string[]) =>
  runCli(['verify', ...extra, '--root', join(SCHEMES, name, '1.root.json'), '--at', '2030-01-01', join(SCHEMES, name)]);

describe('tuf-ceremony verify and signature schemes', () => {
  for (const name of [
    'rsa-pkcs1v15-sha256',
    'rsassa-pss-sha256-salt-0',
    'rsassa-pss-sha256-salt-max',
    'ecdsa-sha2-nistp384',
  ]) {
    it(`accepts the ${name} repository python-tuf accepts`, async () => {
      const r = await verify(name);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^OK: verified from trusted root v1 to root v1/m);
    });
  }

  it('refuses a root whose threshold needs a key of an unknown scheme, naming the scheme, key and file (exit 3)', async () => {
    const root = JSON.parse(readFileSync(join(SCHEMES, 'unknown-scheme-threshold-not-met', '1.root.json'), 'utf8'));
    const keyid = Object.entries(root.signed.keys).find(
      ([, k]: [string, any]) => k.scheme === 'sphincs-shake-128s',
    )![0];
    const r = await verify('unknown-scheme-threshold-not-met');
    expect(r.code).toBe(3);
    // The report's one line for the file: the scheme is why, not a bad signature.
    const lines = r.stdout.split('\n').filter((l) => l.includes('✗'));
    expect(lines).toEqual([
      `    ✗ 1.root.json: 1 of 2 required signatures by its own root keys (unsupported signature scheme sphincs-shake-128s for key ${keyid})`,
    ]);
    expect(r.stdout).toMatch(/^FAILED: /m);
  });

  it('passes a threshold met by other keys and warns of the key of an unknown scheme', async () => {
    const r = await verify('unknown-scheme-threshold-met');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /! 1\.root\.json: unsupported signature scheme sphincs-shake-128s for key [0-9a-f]{64}: not counted/,
    );
    // Once, though the trusted root is both the root given and a file of the folder.
    expect(r.stdout.split('\n').filter((l) => l.includes(' ! '))).toHaveLength(1);
    const json = JSON.parse((await verify('unknown-scheme-threshold-met', '--json')).stdout);
    const root = json.roles.find((x: any) => x.role === 'root');
    expect(root.status).toBe('ok');
    expect(root.signatures.unsupported).toEqual([
      { keyid: expect.stringMatching(/^[0-9a-f]{64}$/), keytype: 'sphincs', scheme: 'sphincs-shake-128s' },
    ]);
    expect(root.signatures.bad).toEqual([]);
  });

  it('fails the audit on a key listed under a scheme its material does not fit, though clients pass the threshold (decision 0004)', async () => {
    // python-tuf, tuf-js and the trusted set count it as no signature; the audit names it.
    const r = await verify('wrong-curve-threshold-met');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /✗ 1\.root\.json: signature by authorized key [0-9a-f]{64} does not verify \(the threshold is met without it\)$/m,
    );
    expect(r.stdout.split('\n').filter((l) => l.includes('✗ 1.root.json'))).toHaveLength(1);
  });

  it('refuses one RSA key listed under two schemes as two of a threshold of two (exit 3)', async () => {
    const r = await verify('same-rsa-key-two-schemes');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /✗ 1\.root\.json: 1 of 2 required signatures .*\(1 not counted: the same key as another\)$/m,
    );
  });
});
