import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PEP480_DIR } from '../helpers/vectors.js';
import { runCli } from '../helpers/cli.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { fingerprintLines, fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';

const tmp = mkdtempSync(join(tmpdir(), 'verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyRepo(name: string): string {
  const dir = join(tmp, name);
  cpSync(PEP480_DIR, dir, { recursive: true });
  return dir;
}

const metadataFiles = readdirSync(PEP480_DIR).filter((f) => f.endsWith('.json') && f !== 'TEST-KEYS.json');

describe('tuf-ceremony verify', () => {
  it('verifies the whole python-tuf PEP 480 repository from 1.root.json', async () => {
    const r = await runCli([
      'verify',
      '--root',
      join(PEP480_DIR, '1.root.json'),
      '--at',
      '2030-01-01T00:00:00Z',
      PEP480_DIR,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const role of [
      'root',
      'timestamp',
      'snapshot',
      'targets',
      'claimed',
      'recently-claimed',
      'unclaimed',
      'requests',
    ]) {
      expect(r.stdout).toMatch(
        new RegExp(`^${role}\\s+\\S+\\.json\\s+\\d+\\s+2050-01-01T00:00:00Z\\s+\\d/\\d.*\\bok$`, 'm'),
      );
    }
    expect(r.stdout).toMatch(/2\.root\.json .* 3\/2 \(previous root 2\/2\)/);
    expect(r.stdout).toMatch(/^OK: verified from trusted root v1 to root v2/m);
  });

  it('prints the SHA-256 of the trusted root it used, as hex and words, whatever the verdict', async () => {
    const root = join(tmp, 'trusted-root.json');
    writeFileSync(root, readFileSync(join(PEP480_DIR, '1.root.json')));
    const block = [
      'trusted root v1 SHA-256 (compare it with the one the ceremony published):',
      ...fingerprintLines(sha256Hex(readFileSync(root))),
    ].join('\n');
    const ok = await runCli(['verify', '--root', root, '--at', '2030-01-01', PEP480_DIR]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${block}\n`);
    // Expired: refused, and the operator still sees which root the verdict came from.
    const late = await runCli(['verify', '--root', root, '--at', '2051-01-01', PEP480_DIR]);
    expect(late.code).toBe(3);
    expect(late.stdout).toContain(block);
    // The hex is what coreutils prints for the file, which an operator may compare with too.
    const [coreutils] = execFileSync('sha256sum', [root], { encoding: 'utf8' }).split(' ');
    expect(ok.stdout).toContain(`hex:   ${coreutils!.match(/.{4}/g)!.join(' ')}\n`);
  });

  it('gives one JSON document with --json', async () => {
    const r = await runCli([
      'verify',
      '--json',
      '--root',
      join(PEP480_DIR, '1.root.json'),
      '--at',
      '2030-01-01',
      PEP480_DIR,
    ]);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.root_version).toBe(2);
    const sha256 = sha256Hex(readFileSync(join(PEP480_DIR, '1.root.json')));
    expect(report.trusted_root).toEqual({
      file: join(PEP480_DIR, '1.root.json'),
      version: 1,
      sha256,
      words: fingerprintWords(sha256),
    });
    expect(report.roles.find((x: any) => x.role === 'claimed').signatures.signed).toHaveLength(2);
  });

  it('fails after expiry, naming the file (time is chosen with --at)', async () => {
    const r = await runCli(['verify', '--root', join(PEP480_DIR, '1.root.json'), '--at', '2050-01-02', PEP480_DIR]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/2\.root\.json: expired at 2050-01-01T00:00:00Z/);
  });

  describe('any edit of any metadata file makes verification fail, naming that file', () => {
    const edits: Array<[string, (text: string) => string]> = [
      ['a changed signature byte', (t) => t.replace(/"sig": "(.)/, (_m, c) => `"sig": "${c === '0' ? '1' : '0'}`)],
      ['a changed expiry', (t) => t.replace('"expires": "2050-01-01T00:00:00Z"', '"expires": "2049-01-01T00:00:00Z"')],
      ['a truncated file', (t) => t.slice(0, Math.floor(t.length / 2))],
      ['an added unknown field', (t) => t.replace('"signed": {', '"signed": {\n  "x-added": 1,')],
    ];
    for (const file of metadataFiles) {
      for (const [what, edit] of edits) {
        it(`${file}: ${what}`, async () => {
          const dir = copyRepo(`${file}-${what.replace(/\W+/g, '-')}`);
          const path = join(dir, file);
          const before = readFileSync(path, 'utf8');
          const after = edit(before);
          expect(after).not.toBe(before);
          writeFileSync(path, after);
          const r = await runCli(['verify', '--root', join(dir, '1.root.json'), '--at', '2030-01-01', dir]);
          expect(r.code).toBe(3);
          expect(r.stdout).toMatch(new RegExp(`✗ ${file.replace('.', '\\.')}: `));
        });
      }
    }
  });

  it('refuses a root chain with a gap-free but unsigned rotation', async () => {
    const dir = copyRepo('unsigned-rotation');
    const j = JSON.parse(readFileSync(join(dir, '2.root.json'), 'utf8'));
    j.signatures = j.signatures.filter((s: any) => s.keyid.startsWith('84'));
    writeFileSync(join(dir, '2.root.json'), JSON.stringify(j));
    const r = await runCli(['verify', '--root', join(dir, '1.root.json'), '--at', '2030-01-01', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/2\.root\.json: 0 of 2 required signatures by the root keys of version 1/);
  });

  it('is a usage error (exit 2) without --root', async () => {
    const r = await runCli(['verify', PEP480_DIR]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing --root/);
  });
});
