/** The maintenance commands through `node bin/tuf-ceremony.js`, as a reminder job would run them. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, day, iso, type Bootstrapped } from './fixture.js';
import { holderTokens, type HolderTokens } from './tokens.js';

const root = resolve(import.meta.dirname, '..', '..');
const run = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'tuf-ceremony.js'), ...args], { env: process.env, encoding: 'utf8' });

let t: HolderTokens;
let b: Bootstrapped;
beforeAll(async () => {
  // Build when the compiled CLI is missing or older than these sources (`npm test` builds first).
  const mine = (dir: string, re: RegExp) =>
    readdirSync(join(root, dir))
      .filter((f) => re.test(f))
      .map((f) => join(root, dir, f));
  const sources = [
    ...mine('src/ceremony/lifecycle', /^(expiry|resign|rotate|recover)/),
    ...mine('src/cli/commands', /^(expiry|resign|rotate|recover)\.ts$/),
  ];
  const built = join(root, 'dist', 'src', 'cli', 'commands', 'expiry.js');
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map((f) => statSync(f).mtimeMs))) {
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'ignore',
      });
    } catch {
      // tsc emits even when other parts of the tree have type errors.
    }
  }
  t = holderTokens(['alice', 'bob', 'carol']);
  b = await bootstrap(t.provider, { dir: t.fx.dir });
});
afterAll(() => t?.fx.cleanup());

describe('node bin/tuf-ceremony.js', () => {
  it('expiry exits 0, 10 or 11 and prints one JSON document with --json', () => {
    const due = run(['expiry', '--repo', b.repoDir, '--at', iso(day(80)), '--json']);
    expect(due.stderr).toBe('');
    expect(due.status).toBe(10);
    expect(JSON.parse(due.stdout)).toMatchObject({ due: ['root', 'targets', 'claimed'], expired: [], within: '14d' });
    expect(run(['expiry', '--repo', b.repoDir, '--at', iso(day(10))]).status).toBe(0);
    expect(run(['expiry', '--repo', b.repoDir, '--at', iso(day(100))]).status).toBe(11);
    const bad = run(['expiry', '--repo', b.repoDir, '--within', 'soon']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--within: "soon" is not a duration/);
  });

  it('documents the exit codes in the command help', () => {
    const help = run(['expiry', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/ 10 +a role expires within the window/);
    expect(help.stdout).toMatch(/ 11 +a role has already expired/);
  });
});
