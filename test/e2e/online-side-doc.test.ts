/**
 * docs/online-side.md, run as written: its `sh test` blocks, in order, in bash, in a fresh folder,
 * with `R` a rehearsal's folder (made here by the built tool, as `npm run rehearsal` makes it) and
 * `S` the new online state folder, as the doc sets them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, removeBuiltCli } from '../helpers/pty.js';

const DOC = resolve(import.meta.dirname, '..', '..', 'docs', 'online-side.md');

/** The blocks marked `sh test`, in order. */
function testedBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh test') continue;
    const body: string[] = [];
    for (i++; lines[i] !== '```'; i++) body.push(lines[i]!);
    blocks.push(body.join('\n'));
  }
  return blocks;
}

let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  const cli = builtCli();
  work = mkdtempSync(join(tmpdir(), 'online-doc-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'tuf-ceremony'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  env = { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env['PATH']}`, NO_COLOR: '1' };
  delete env['SOFTHSM2_CONF'];
  const rehearsal = spawnSync('tuf-ceremony', ['rehearsal', '--out', join(work, 'rehearsal')], {
    env,
    encoding: 'utf8',
  });
  if (rehearsal.status !== 0) throw new Error(`the rehearsal failed: ${rehearsal.stderr.slice(-2000)}`);
  env = { ...env, R: join(work, 'rehearsal'), S: 'online-state' };
  mkdirSync(join(work, 'here'));
}, 240_000);

afterAll(() => removeBuiltCli());

describe('docs/online-side.md', () => {
  it('runs every command of its walkthrough as written', () => {
    const blocks = testedBlocks(readFileSync(DOC, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block], {
        cwd: join(work, 'here'),
        env,
        encoding: 'utf8',
      });
      expect(r.status, `${block}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`).toBe(0);
    }
    const here = join(work, 'here');
    const metadata = readdirSync(join(here, 'online-state', 'repository', 'metadata'));
    expect(metadata).toEqual(
      expect.arrayContaining(['2.root.json', 'timestamp.json', '1.example-project.json', '2.snapshot.json']),
    );
    const rc = JSON.parse(
      readFileSync(join(here, 'online-state', 'repository', 'metadata', '2.recently-claimed.json'), 'utf8'),
    );
    expect(rc.signed.delegations.roles.map((r: { name: string }) => r.name)).toEqual(['new-project']);
    expect(readdirSync(join(here, 'medium-back'))).toContain('2.recently-claimed.json');
  }, 240_000);
});
