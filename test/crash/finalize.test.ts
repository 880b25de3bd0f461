/**
 * `event finalize` cut at every call that changes the file system (docs/formats/event.md, "Crash
 * safety"): afterwards no partial file is under a final name, the repository (once opened, which
 * completes or undoes the cut finalize) verifies from its first root, and running the command
 * again ends as the uninterrupted run did.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Repository } from '../../src/ceremony/state/repository.js';
import { verifyTranscript } from '../../src/ceremony/state/transcript.js';
import { AT, clientProblems, signedClaimEvent, signedRotationEvent, startingRepository } from './fixture.js';
import { buildCli, freshCopy, hiddenEntries, pool, runChild, treeOf } from './harness.js';

let start: string;
beforeAll(async () => {
  buildCli();
  start = mkdtempSync(join(tmpdir(), 'crash-finalize-'));
  const f = await startingRepository(start);
  await signedRotationEvent(f, start);
  await signedClaimEvent(f, start);
}, 120_000);

async function crashEveryCall(eventName: string): Promise<{ calls: number; outcomes: Record<string, number> }> {
  const args = ['event', 'finalize', eventName, '--repo', 'repo', '--at', AT, '--json'];
  const baseDir = freshCopy(start, 'crash-base-');
  const base = await runChild(args, { cwd: baseDir });
  expect(base.stderr).toBe('');
  expect(base.code).toBe(0);
  expect(base.calls).toBeGreaterThan(5);
  const expected = treeOf(baseDir, (rel) => rel.startsWith('.calls'));
  const expectedMetadata = new Map(
    readdirSync(join(baseDir, 'repo', 'metadata')).map((n) => [n, readFileSync(join(baseDir, 'repo', 'metadata', n))]),
  );
  const expectedJson = JSON.parse(base.stdout.split(baseDir).join('<ROOT>'));
  const outcomes: Record<string, number> = {};

  await pool(base.calls, 3, async (i) => {
    const k = i + 1;
    const dir = freshCopy(start, 'crash-k-');
    const cut = await runChild(args, { cwd: dir, crashAt: k });
    expect(cut.signal, `cut at ${k}: exit ${cut.code} ${cut.stderr}`).toBe('SIGKILL');
    const metadata = join(dir, 'repo', 'metadata');
    // Nothing partial under a final name, nothing hidden in the published folder.
    for (const name of readdirSync(metadata)) {
      expect(name.startsWith('.'), `cut at ${k}: ${name}`).toBe(false);
      expect(
        readFileSync(join(metadata, name)).equals(expectedMetadata.get(name)!),
        `cut at ${k}: ${name} is not the finished file`,
      ).toBe(true);
    }
    // Half the cuts are recovered by opening the repository (any command), the other half by the rerun itself.
    let note = '';
    if (k % 2 === 1) {
      Repository.open(join(dir, 'repo'), (line) => (note = line));
      expect(existsSync(join(dir, 'repo', 'finalize-journal.json'))).toBe(false);
      expect(clientProblems(metadata, AT), `cut at ${k}: ${note}`).toEqual([]);
    }
    const again = await runChild(args, { cwd: dir });
    const outcome =
      again.code === 0
        ? again.stderr
          ? `finished, recovery: ${again.stderr.split(':')[1]?.trim().split(' ').slice(0, 3).join(' ')}`
          : 'finished'
        : `refused as already done (${again.code})`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (again.code === 0)
      expect(JSON.parse(again.stdout.split(dir).join('<ROOT>')).written, `cut at ${k}: ${again.stderr}`).toEqual(
        expectedJson.written,
      );
    else {
      // The cut came after the finalize was complete: refused as today, "exists already", and the
      // refusal recorded (docs/formats/transcript.md, "Refusals and failures"). Set aside, the
      // rest must be what the uninterrupted run left.
      expect(again.code, `cut at ${k}: ${again.stderr}`).toBe(5);
      expect(again.stderr).toMatch(/already/);
      const path = join(dir, 'repo', 'transcript.jsonl');
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      expect(JSON.parse(lines.at(-1)!), `cut at ${k}`).toMatchObject({
        step: 'event-finalize',
        details: { outcome: 'refused' },
      });
      writeFileSync(path, `${lines.slice(0, -1).join('\n')}\n`);
    }
    expect(clientProblems(metadata, AT), `cut at ${k}`).toEqual([]);
    expect(verifyTranscript(join(dir, 'repo', 'transcript.jsonl')).ok).toBe(true);
    expect(hiddenEntries(join(dir, 'repo')), `cut at ${k}`).toEqual([]);
    expect(
      treeOf(dir, (rel) => rel.startsWith('.calls')),
      `cut at ${k}`,
    ).toEqual(expected);
  });
  return { calls: base.calls, outcomes };
}

describe('event finalize cut at every file-system call', () => {
  it('a root and targets rotation is installed whole or not at all, with its transcript record', async () => {
    const r = await crashEveryCall('rotate-event');
    console.log(`finalize (rotation): ${r.calls} cut points`, r.outcomes);
  });

  it('a claim event is installed whole or not at all, with its transcript record', async () => {
    const r = await crashEveryCall('claim-event');
    console.log(`finalize (claim): ${r.calls} cut points`, r.outcomes);
  });
});
