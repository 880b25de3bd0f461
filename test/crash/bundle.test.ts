/**
 * `bundle export` and `bundle import` cut at every call that changes the file system
 * (docs/formats/bundle.md, "Crash safety"): nothing partial under a final name, on the medium or
 * in the published folder, and running the command again ends as the uninterrupted run. The
 * commands that make signing events are in events.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRepository } from '../../src/ceremony/state/repository-export.js';
import { AT, clientProblems, startingRepository } from './fixture.js';
import { buildCli, freshCopy, hiddenEntries, pool, runChild, treeOf } from './harness.js';

let start: string;
beforeAll(async () => {
  buildCli();
  start = mkdtempSync(join(tmpdir(), 'crash-bundle-'));
  const f = await startingRepository(start);
  mkdirSync(join(start, 'medium'));
  mkdirSync(join(start, 'carried'));
  await exportRepository(f.repo, { to: join(start, 'carried'), toolVersion: 'test', now: new Date(AT) });
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
    expect(
      hiddenEntries(dir, (rel) => skip(rel) || rel.endsWith('.tuf-ceremony-import.json')),
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
              !rel.startsWith('medium/bundle-000003') && rel !== 'repo/exports.json' && rel !== 'repo/transcript.jsonl',
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
      secondRun: (tree) => 'medium/bundle-000003/' in tree && !('medium/bundle-000004/' in tree),
    });
    console.log(`bundle export: ${r.calls} cut points`, r.outcomes);
  });

  it('bundle import leaves nothing temporary in the published folder and a state that moved on only with it', async () => {
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
        if (existsSync(join(dir, 'published')))
          expect(
            hiddenEntries(join(dir, 'published'), (rel) => rel === '.tuf-ceremony-import.json'),
            `cut at ${k}`,
          ).toEqual([]);
      },
      alreadyDone: /not newer|sequence/,
    });
    console.log(`bundle import: ${r.calls} cut points`, r.outcomes);
  });
});
