/** `dev check` and `verify-download` over the python-tuf-signed PEP 480 vector repository. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetPathOfUrl } from '../../src/bundle/downstream-checks.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { runCli } from '../helpers/cli.js';
import { PEP480_DIR } from '../helpers/vectors.js';
import { tempDir } from './fixtures.js';

const ROOT = join(PEP480_DIR, '1.root.json');
const AT = '2030-01-01T00:00:00Z';
const claimed = JSON.parse(readFileSync(join(PEP480_DIR, '1.claimed.json'), 'utf8')).signed.delegations;
const REQUESTS_DEV = '14909e512e40ebe61a8fe854f670f82505631c30b8d548bf44c7eca3695d1204';
const NUMPY_DJANGO_DEV = '50209647d5bffdb68d506def8ab8531455b39a5fab0ac119b281a6be28d51b15';

function keyFile(dir: string, keyid: string): string {
  const path = join(dir, `${keyid.slice(0, 8)}.pub.json`);
  writeFileSync(path, serializeJson(claimed.keys[keyid]));
  return path;
}

describe('dev check', () => {
  const dir = tempDir('dev-check-');
  const base = ['dev', 'check', '--metadata', PEP480_DIR, '--root', ROOT, '--at', AT];

  it('confirms a project claimed with exactly the developer keys and threshold', async () => {
    const r = await runCli([
      ...base,
      '--project',
      'NumPy',
      '--key',
      keyFile(dir, REQUESTS_DEV),
      '--key',
      keyFile(dir, NUMPY_DJANGO_DEV),
      '--threshold',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^OK: numpy is delegated through targets → claimed → numpy to exactly your 2 key\(s\), threshold 2/,
    );
  });

  it('says a project is still only in recently-claimed', async () => {
    const r = await runCli([...base, '--project', 'django', '--key', keyFile(dir, NUMPY_DJANGO_DEV), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: true,
      status: 'recently-claimed',
      delegated_by: 'recently-claimed',
      chain: ['targets', 'recently-claimed', 'django'],
      threshold: 1,
    });
  });

  it('raises the alarm for a project delegated to other keys, or another threshold', async () => {
    const other = await runCli([...base, '--project', 'requests', '--key', keyFile(dir, NUMPY_DJANGO_DEV)]);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(
      /^ALARM: requests is delegated through targets → claimed → requests to keys or a threshold that are not yours/,
    );
    expect(other.stderr).toContain(`key not yours: ${REQUESTS_DEV}`);
    expect(other.stderr).toContain(`your key missing: ${NUMPY_DJANGO_DEV}`);
    const threshold = await runCli([
      ...base,
      '--project',
      'requests',
      '--key',
      keyFile(dir, REQUESTS_DEV),
      '--threshold',
      '2',
      '--json',
    ]);
    expect(threshold.code).toBe(3);
    expect(JSON.parse(threshold.stdout)).toMatchObject({ ok: false, status: 'other-keys', threshold: 1 });
  });

  it('says a project is absent', async () => {
    const r = await runCli([...base, '--project', 'flask', '--key', keyFile(dir, REQUESTS_DEV)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ABSENT: flask/);
  });

  it('refuses to answer from metadata that does not verify from the trusted root', async () => {
    const r = await runCli([
      'dev',
      'check',
      '--metadata',
      PEP480_DIR,
      '--root',
      ROOT,
      '--at',
      '2051-01-01',
      '--project',
      'requests',
      '--key',
      keyFile(dir, REQUESTS_DEV),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/does not verify from the trusted root: 2\.root\.json: expired at 2050-01-01T00:00:00Z/);
  });

  it('refuses a key file that is not a TUF public key', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"keytype":"ed25519"}');
    const r = await runCli([...base, '--project', 'requests', '--key', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
  });
});

describe('verify-download', () => {
  const file = join(PEP480_DIR, 'target-requests.html');
  const base = ['--metadata', PEP480_DIR, '--root', ROOT, '--at', AT];

  it('accepts the file the trusted role lists for the URL, through targets → claimed → requests', async () => {
    const r = await runCli(['verify-download', file, 'https://files.example.org/simple/requests', ...base]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^OK: .* is requests as listed by requests \(targets → claimed → requests\), 62 bytes, sha256 match/,
    );
  });

  it('rejects a changed file with the reason on stderr', async () => {
    const changed = join(tempDir(), 'requests');
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(changed, bytes);
    const r = await runCli([
      'verify-download',
      changed,
      'https://files.example.org/simple/requests',
      ...base,
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /rejected .*: requests: sha256 [0-9a-f]{64} differs from d9ce13c5[0-9a-f]+ listed by requests/,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, target_path: 'requests', role: 'requests' });
  });

  it('rejects a file of a different length', async () => {
    const longer = join(tempDir(), 'requests');
    writeFileSync(longer, Buffer.concat([readFileSync(file), Buffer.from('x')]));
    const r = await runCli(['verify-download', longer, 'https://files.example.org/requests', ...base]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('requests: 63 bytes, but requests lists 62');
  });

  it('rejects a path no trusted role lists, after the terminating claimed delegation ends the search', async () => {
    // numpy is claimed (terminating) but its role file is not published: the search may not fall through to unclaimed.
    const r = await runCli(['verify-download', file, 'https://files.example.org/numpy', ...base]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /numpy\.json: 1\.snapshot\.json does not list numpy\.json \(needed for numpy through targets → claimed → numpy\)/,
    );
    const d = await runCli(['verify-download', file, 'https://x.example/django', ...base]);
    expect(d.code).toBe(3);
    expect(d.stderr).toMatch(/django through targets → recently-claimed → django/);
  });

  it('takes an explicit --target-path', async () => {
    const r = await runCli([
      'verify-download',
      file,
      'https://files.example.org/a/b/c',
      ...base,
      '--target-path',
      'requests',
    ]);
    expect(r.code).toBe(0);
  });

  it('maps a URL to its last path components, decoded, and refuses one that escapes', () => {
    expect(targetPathOfUrl('https://h.example/packages/demo/demo%2D1.0.tar.gz?x=1#f', 2)).toBe('demo/demo-1.0.tar.gz');
    expect(() => targetPathOfUrl('https://h.example/a/..%2Fetc', 1)).toThrow(/plain target path/);
    expect(() => targetPathOfUrl('https://h.example/one', 2)).toThrow(/fewer than/);
    expect(() => targetPathOfUrl('not a url', 1)).toThrow(/not a URL/);
  });
});
