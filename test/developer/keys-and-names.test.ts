/**
 * The developer's first steps as the developer guide gives them: a key file in a folder that does
 * not exist yet, its public key, a passphrase asked again when refused, a project name the admins
 * would refuse, and the ALARM's advice.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKeyArgument } from '../../src/ceremony/lifecycle/rotate-keys.js';
import { readKeyFilePublicKey } from '../../src/keys/key-file.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { reservedProjectName } from '../../src/tuf/model/project-name.js';
import { runCli } from '../helpers/cli.js';
import { PtyRun, removeBuiltCli } from '../helpers/pty.js';
import { PEP480_DIR } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'dev-keys-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  removeBuiltCli();
});
const passFile = join(tmp, 'pass');
writeFileSync(passFile, 'correct horse battery staple\n', { mode: 0o600 });

describe('dev keygen and dev pubkey', () => {
  it('makes a missing folder for the key file, readable by its owner only, and says so', async () => {
    const out = join(tmp, 'keys', 'deeper', 'p.key.json');
    const r = await runCli(['dev', 'keygen', '--out', out, '--passphrase-file', passFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`made the folder ${join(tmp, 'keys', 'deeper')} (mode 0700)`);
    expect(statSync(join(tmp, 'keys', 'deeper')).mode & 0o777).toBe(0o700);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('prints the public key of a key file, writes it to a new file, and never overwrites', async () => {
    const keyFile = join(tmp, 'keys', 'deeper', 'p.key.json');
    const key = readKeyFilePublicKey(keyFile);
    const printed = await runCli(['dev', 'pubkey', keyFile]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(serializeJson(key.toJSON()).toString());
    const pub = join(tmp, 'p.pub.json');
    expect((await runCli(['dev', 'pubkey', keyFile, '--out', pub])).code).toBe(0);
    expect(readFileSync(pub, 'utf8')).toBe(printed.stdout);
    const again = await runCli(['dev', 'pubkey', keyFile, '--out', pub]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(pub);
  });

  it('takes the key file wherever a public key file is taken (its public part, no passphrase)', () => {
    const keyFile = join(tmp, 'keys', 'deeper', 'p.key.json');
    expect(readKeyArgument(keyFile, tmp, '--key').keyid).toBe(readKeyFilePublicKey(keyFile).keyid);
  });

  it('asks again for a passphrase that is too short, easy to guess, or not repeated the same, at a terminal', async () => {
    const out = join(tmp, 'pty.key.json');
    const run = new PtyRun(['dev', 'keygen', '--out', out]);
    await run.waitFor(/Passphrase for the new key file/);
    run.type('short');
    let at = run.raw.length;
    await run.waitFor(/at least 8 characters; try again[\s\S]*Passphrase for the new key file/, at);
    at = run.raw.length;
    // Long enough, and in every list an attacker tries first.
    run.type('password123');
    await run.waitFor(/easy to guess[^\n]*; try again[\s\S]*Passphrase for the new key file/, at);
    at = run.raw.length;
    run.type('correct horse battery staple');
    await run.waitFor(/The same passphrase again/, at);
    at = run.raw.length;
    run.type('correct horse battery stapler');
    await run.waitFor(/the two passphrases differ; try again[\s\S]*Passphrase for the new key file/, at);
    at = run.raw.length;
    run.type('correct horse battery staple');
    await run.waitFor(/The same passphrase again/, at);
    run.type('correct horse battery staple');
    expect(await run.done()).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(0);
  });
});

describe('project names the admins always refuse', () => {
  for (const name of ['claimed', 'Recently_Claimed', 'root', 'claimed-bins-3f', 'unclaimed-bins-00a'])
    it(`dev request refuses ${name} before asking for any passphrase, with intake's reason`, async () => {
      const r = await runCli([
        'dev',
        'request',
        '--project',
        name,
        '--key',
        join(tmp, 'keys', 'deeper', 'p.key.json'),
        '--contact',
        'a@example.org',
        '--out',
        join(tmp, `${name}.request.json`),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--project: ${reservedProjectName(name.toLowerCase().replace(/_/g, '-'))}`);
      expect(r.stderr).toContain('(reserved-name)');
      expect(r.stderr).not.toMatch(/passphrase|\n\s+at /);
    });

  it('lets a name through that only looks like a bin', () => {
    expect(reservedProjectName('claimed-bins-xyz')).toBeUndefined();
    expect(reservedProjectName('claimed-bins')).toBeUndefined();
  });
});

describe("dev check's ALARM says what to do", () => {
  const claimed = JSON.parse(readFileSync(join(PEP480_DIR, '1.claimed.json'), 'utf8')).signed.delegations;
  it("for a co-maintainer's key: check again with their key, or tell the admins", async () => {
    // numpy is claimed with two keys (threshold 2); the developer gives only one of them.
    const mine = join(tmp, 'numpy-dev.pub.json');
    writeFileSync(
      mine,
      serializeJson(claimed.keys['14909e512e40ebe61a8fe854f670f82505631c30b8d548bf44c7eca3695d1204']),
    );
    const base = ['--metadata', PEP480_DIR, '--root', join(PEP480_DIR, '1.root.json'), '--at', '2030-01-01T00:00:00Z'];
    const r = await runCli(['dev', 'check', '--project', 'numpy', '--key', mine, ...base]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ALARM: numpy/);
    expect(r.stderr).toContain("A key not yours may be a co-maintainer's");
    expect(r.stderr).toContain('--key <their key file>');
    expect(r.stderr).toContain('tell the index administrators at once');
  });
});
