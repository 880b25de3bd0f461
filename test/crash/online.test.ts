/**
 * `online publish` cut at every call that changes the file system: the published repository
 * verifies from root v1 as a client reads it (TUF spec 5.3 to 5.6) right after every cut, holds no
 * temporary file, and running the command again finishes the publication.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerifiedFolder } from '../../src/bundle/verified-folder.js';
import { exportRepository } from '../../src/ceremony/state/repository-export.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import type { Ed25519Signer } from '../../src/keys/software-signer.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { runCli } from '../helpers/cli.js';
import { signer } from '../requests/fixtures.js';
import { AT, startingRepository } from './fixture.js';
import { buildCli, freshCopy, hiddenEntries, pool, runChild } from './harness.js';

const PASSPHRASE = 'crash test passphrase: walnut meridian 42 ochre';
let start: string;

async function cli(argv: string[]): Promise<void> {
  const r = await runCli(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  buildCli();
  start = mkdtempSync(join(tmpdir(), 'crash-online-'));
  const f = await startingRepository(start);
  mkdirSync(join(start, 'carried'));
  await exportRepository(f.repo, { to: join(start, 'carried'), toolVersion: 'test', now: new Date(AT) });
  writeFileSync(join(start, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
  writeEncryptedKeyFile(join(start, 'online.key.json'), f.online as Ed25519Signer, PASSPHRASE, {
    scrypt: { n: 2 ** 14, r: 8, p: 1 },
  });
  const state = join(start, 'online');
  await cli(['online', 'init', '--state', state, '--root', join(start, 'repo', 'metadata', '1.root.json')]);
  await cli(['online', 'import', join(start, 'carried', 'bundle-000001'), '--state', state, '--at', AT]);
  await cli([
    'online',
    'publish',
    '--state',
    state,
    '--key',
    join(start, 'online.key.json'),
    '--passphrase-file',
    join(start, 'passphrase'),
    '--at',
    AT,
  ]);
  // A registration: the publish under test signs recently-claimed v2, snapshot v2 and timestamp v2.
  writeFileSync(join(start, 'newcomer.pub.json'), serializeJson(signer(21).key.toJSON()));
  await cli([
    'online',
    'register',
    '--state',
    state,
    '--project',
    'newcomer',
    '--key',
    join(start, 'newcomer.pub.json'),
    '--at',
    AT,
  ]);
}, 120_000);

/** The projects the published recently-claimed delegates, read as a client reads it. */
function published(dir: string): string[] {
  const folder = VerifiedFolder.open(
    join(dir, 'online', 'repository', 'metadata'),
    join(dir, 'repo', 'metadata', '1.root.json'),
    new Date(AT),
  );
  return folder.findProject('recently-claimed', 'newcomer') ? ['newcomer'] : [];
}

describe('cut at every file-system call', () => {
  it('online publish leaves a repository that verifies at every instant, and the rerun publishes', async () => {
    const args = [
      'online',
      'publish',
      '--state',
      'online',
      '--key',
      'online.key.json',
      '--passphrase-file',
      'passphrase',
      '--at',
      AT,
      '--json',
    ];
    const baseDir = freshCopy(start, 'crash-online-base-');
    const base = await runChild(args, { cwd: baseDir });
    expect(base.code, base.stderr).toBe(0);
    expect(published(baseDir)).toEqual(['newcomer']);
    const outcomes: Record<string, number> = {};
    await pool(base.calls, 3, async (i) => {
      const k = i + 1;
      const dir = freshCopy(start, 'crash-online-k-');
      const cut = await runChild(args, { cwd: dir, crashAt: k });
      expect(cut.signal, `cut at ${k}: exit ${cut.code} ${cut.stderr}`).toBe('SIGKILL');
      // The old publication or the new one, whole: never a timestamp naming what is not there.
      const seen = published(dir);
      expect(hiddenEntries(join(dir, 'online', 'repository')), `cut at ${k}`).toEqual([]);
      const again = await runChild(args, { cwd: dir });
      expect(again.code, `cut at ${k}: ${again.stderr}`).toBe(0);
      expect(published(dir), `cut at ${k}`).toEqual(['newcomer']);
      const ts = JSON.parse(readFileSync(join(dir, 'online', 'repository', 'metadata', 'timestamp.json'), 'utf8'));
      const outcome = seen.length ? 'new publication whole; the rerun renewed the timestamp' : 'old publication whole';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      expect(ts.signed.version, `cut at ${k}`).toBe(seen.length ? 3 : 2);
      expect(
        readdirSync(join(dir, 'online', 'repository', 'metadata')).filter((n) => n.endsWith('.snapshot.json')).length,
      ).toBeGreaterThanOrEqual(2);
    });
    expect(Object.keys(outcomes).length).toBeGreaterThan(0);
    console.log(`online publish: ${base.calls} cut points`, outcomes);
  }, 600_000);
});
