/**
 * `bundle export` and `bundle import` cut at every call that changes the file system
 * (docs/formats/bundle.md, "Crash safety"): nothing partial under a final name, on the medium or
 * in the published folder, and running the command again ends as the uninterrupted run. The
 * commands that make signing events are in events.test.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRepository } from '../../src/ceremony/state/repository-export.js';
import { sha256Hex } from '../../src/tuf/model/index.js';
import { LEGACY_STATE_NAME, readImportState, STATE_NAME } from '../../src/bundle/import-state.js';
import { AT, clientProblems, startingRepository } from './fixture.js';
import { buildCli, freshCopy, hiddenEntries, pool, runChild, treeOf } from './harness.js';

let start: string;
beforeAll(async () => {
  buildCli();
  start = mkdtempSync(join(tmpdir(), 'crash-bundle-'));
  const f = await startingRepository(start);
  mkdirSync(join(start, 'medium'));
  mkdirSync(join(start, 'carried'));
  for (let i = 0; i < 2; i++)
    await exportRepository(f.repo, { to: join(start, 'carried'), toolVersion: 'test', now: new Date(AT) });
  // A folder published by an earlier release: bundle 1 imported with its transcript and hidden state in it.
  const first = join(start, 'carried', 'bundle-000001');
  mkdirSync(join(start, 'old-published'));
  for (const name of readdirSync(first).filter((n) => !n.startsWith('bundle.')))
    copyFileSync(join(first, name), join(start, 'old-published', name));
  const entry = { imported: AT, manifest_sha256: sha256Hex(readFileSync(join(first, 'bundle.json'))), sequence: 1 };
  const state = { directions: { 'offline-to-online': entry }, format: 'tuf-ceremony-import-state', format_version: 1 };
  writeFileSync(join(start, 'old-published', LEGACY_STATE_NAME), JSON.stringify(state));
}, 120_000);

interface Case {
  args: string[];
  /** Checks right after the cut, before anything runs again. */
  afterCut: (dir: string, k: number) => void;
  /** A rerun that refuses is fine only when the cut came after the work was done. */
  alreadyDone: RegExp;
  /** Whether the rerun was a second, new run (the cut came after the first was complete). */
  secondRun?: (tree: Record<string, string>) => boolean;
}

async function crashEveryCall(c: Case): Promise<{ calls: number; outcomes: Record<string, number> }> {
  const baseDir = freshCopy(start, 'crash-base-');
  const base = await runChild(c.args, { cwd: baseDir });
  expect(base.code, base.stderr).toBe(0);
  const skip = (rel: string) => rel.startsWith('.calls');
  const expected = treeOf(baseDir, skip);
  const outcomes: Record<string, number> = {};
  await pool(base.calls, 3, async (i) => {
    const k = i + 1;
    const dir = freshCopy(start, 'crash-k-');
    const cut = await runChild(c.args, { cwd: dir, crashAt: k });
    expect(cut.signal, `cut at ${k}: exit ${cut.code} ${cut.stderr}`).toBe('SIGKILL');
    c.afterCut(dir, k);
    const again = await runChild(c.args, { cwd: dir });
    const outcome =
      again.code === 0
        ? again.stderr
          ? 'finished after a note'
          : 'finished'
        : `refused as already done (${again.code})`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (again.code !== 0) expect(again.stderr, `cut at ${k}`).toMatch(c.alreadyDone);
    expect(clientProblems(join(dir, 'repo', 'metadata'), AT)).toEqual([]);
    // What an earlier release left is a case of its own; the tree comparison below checks it moved.
    expect(
      hiddenEntries(dir, (rel) => skip(rel) || rel === join('old-published', LEGACY_STATE_NAME)),
      `cut at ${k}`,
    ).toEqual([]);
    const tree = treeOf(dir, skip);
    if (again.code === 0 && c.secondRun && c.secondRun(tree)) {
      // Cut after the export was complete and logged: running it again is a new export, with a new sequence.
      outcomes['complete before the cut; the rerun made the next bundle'] =
        (outcomes['complete before the cut; the rerun made the next bundle'] ?? 0) + 1;
      const drop = (t: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(t).filter(
            ([rel]) =>
              !rel.startsWith('medium/bundle-000004') && rel !== 'repo/exports.json' && rel !== 'repo/transcript.jsonl',
          ),
        );
      expect(drop(tree), `cut at ${k}`).toEqual(drop(expected));
      return;
    }
    expect(tree, `cut at ${k}`).toEqual(expected);
  });
  return { calls: base.calls, outcomes };
}

describe('cut at every file-system call', () => {
  it('bundle export leaves no partial bundle and never hands a sequence out twice', async () => {
    const r = await crashEveryCall({
      args: ['bundle', 'export', '--repo', 'repo', '--to', 'medium', '--at', AT, '--json'],
      afterCut: (dir, k) => {
        // Under a bundle name there is a whole bundle or nothing.
        for (const name of readdirSync(join(dir, 'medium')).filter((n) => !n.startsWith('.'))) {
          expect(existsSync(join(dir, 'medium', name, 'bundle.json')), `cut at ${k}: ${name}`).toBe(true);
        }
      },
      alreadyDone: /exists already|already exists/,
      secondRun: (tree) => 'medium/bundle-000004/' in tree && !('medium/bundle-000005/' in tree),
    });
    console.log(`bundle export: ${r.calls} cut points`, r.outcomes);
  });

  it('bundle import leaves only metadata in the published folder and a state that moved on only with it', async () => {
    const args = [
      'bundle',
      'import',
      'carried/bundle-000001',
      '--root',
      'repo/metadata/1.root.json',
      '--into',
      'published',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({
      args,
      afterCut: (dir, k) => {
        // Nothing temporary, no transcript and no state: the transcript and state are in published.records.
        if (existsSync(join(dir, 'published')))
          expect(
            readdirSync(join(dir, 'published')).filter((n) => n.startsWith('.') || !/^\d+\.\w+\.json$/.test(n)),
            `cut at ${k}`,
          ).toEqual([]);
      },
      alreadyDone: /not newer|sequence/,
    });
    console.log(`bundle import: ${r.calls} cut points`, r.outcomes);
  });

  it('bundle import moves what an earlier release left in the published folder, whole, wherever it is cut', async () => {
    const args = [
      'bundle',
      'import',
      'carried/bundle-000002',
      '--root',
      'repo/metadata/1.root.json',
      '--into',
      'old-published',
      '--at',
      AT,
      '--json',
    ];
    const r = await crashEveryCall({
      args,
      afterCut: (dir, k) => {
        // Each file an earlier release left is still in the target, or whole beside it (as it was,
        // or already as this import leaves it), or both.
        const records = join(dir, 'old-published.records');
        const transcripts = [
          join(start, 'old-published', 'transcript.jsonl'),
          join(dir, 'carried', 'bundle-000002', 'transcript.jsonl'),
        ];
        if (!existsSync(join(dir, 'old-published', 'transcript.jsonl')))
          expect(
            transcripts.map((t) => readFileSync(t).equals(readFileSync(join(records, 'transcript.jsonl')))),
            `cut at ${k}`,
          ).toContain(true);
        if (!existsSync(join(dir, 'old-published', LEGACY_STATE_NAME)))
          expect(
            readImportState(join(records, STATE_NAME))['offline-to-online']?.sequence,
            `cut at ${k}`,
          ).toBeGreaterThan(0);
      },
      alreadyDone: /not newer|sequence/,
    });
    console.log(`bundle import over an earlier release's folder: ${r.calls} cut points`, r.outcomes);
  });
});
