/** The request commands through `node bin/tuf-ceremony.js`, as a developer and an admin run them. */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatExpires } from '../../src/tuf/base/time.js';
import { makeRepository, type Fixture } from './fixtures.js';

const root = resolve(import.meta.dirname, '..', '..');
const run = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'tuf-ceremony.js'), ...args], { env: process.env, encoding: 'utf8' });
const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));

let tmp: string;
let f: Fixture;
beforeAll(async () => {
  // Build when the compiled CLI is missing or older than these sources (`npm test` builds first).
  const mine = (dir: string, re: RegExp) =>
    readdirSync(join(root, dir))
      .filter((x) => re.test(x))
      .map((x) => join(root, dir, x));
  const sources = [
    ...mine('src/ceremony/claims', /\.ts$/),
    ...mine('src/cli/commands', /^(claim|revoke|declarations)\.ts$/),
    ...mine('src/cli/commands/dev', /\.ts$/),
  ];
  const built = join(root, 'dist', 'src', 'cli', 'commands', 'claim.js');
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map((x) => statSync(x).mtimeMs))) {
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'ignore',
      });
    } catch {
      // tsc emits even when other parts of the tree have type errors.
    }
  }
  tmp = mkdtempSync(join(tmpdir(), 'requests-bin-'));
  f = await makeRepository(join(tmp, 'repo'), now);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('node bin/tuf-ceremony.js', () => {
  it('dev keygen, dev request and claim print one JSON document each and exit 0', () => {
    writeFileSync(join(tmp, 'pass'), 'spawned passphrase\n', { mode: 0o600 });
    const keygen = run([
      'dev',
      'keygen',
      '--out',
      join(tmp, 'k.json'),
      '--passphrase-file',
      join(tmp, 'pass'),
      '--json',
    ]);
    expect(keygen.stderr).toBe('');
    expect(keygen.status).toBe(0);
    expect(JSON.parse(keygen.stdout).keyid).toMatch(/^[0-9a-f]{64}$/);
    const inbox = join(tmp, 'inbox');
    const req = run([
      'dev',
      'request',
      '--project',
      'Spawned_Project',
      '--key',
      join(tmp, 'k.json'),
      '--passphrase-file',
      join(tmp, 'pass'),
      '--contact',
      'dev@example.org',
      '--out',
      join(tmp, 'req.json'),
      '--at',
      formatExpires(now),
      '--json',
    ]);
    expect(req.status).toBe(0);
    expect(JSON.parse(req.stdout).project).toBe('spawned-project');
    mkdirSync(inbox);
    copyFileSync(join(tmp, 'req.json'), join(inbox, 'req.json'));
    const claim = run([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--requests',
      inbox,
      '--event',
      join(tmp, 'event'),
      '--at',
      formatExpires(now),
      '--json',
    ]);
    expect(claim.stderr).toBe('');
    expect(claim.status).toBe(0);
    expect(JSON.parse(claim.stdout)).toMatchObject({ counts: { add: 1 }, proposal: { added: ['spawned-project'] } });
  });

  it('a usage error exits 2 with one line on stderr', () => {
    const r = run(['claim', '--repo', f.dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tuf-ceremony claim: missing --event/);
    expect(r.stdout).toBe('');
  });
});
