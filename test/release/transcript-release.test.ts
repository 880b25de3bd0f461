/**
 * The release digest in transcript records (docs/formats/transcript.md): a record written by a
 * release names it, a record without one (a source checkout, or a transcript older than releases)
 * still verifies, and the field is chained like every other.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runningReleaseDigest } from '../../src/ceremony/state/release-check.js';
import {
  appendTranscript,
  readTranscript,
  TRANSCRIPT_FILE,
  verifyTranscript,
} from '../../src/ceremony/state/transcript.js';
import { renderTranscript } from '../../src/ceremony/state/transcript-view.js';

const DIGEST = 'ab'.repeat(32);
const dirs: string[] = [];
const newRepo = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'transcript-release-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the release digest in transcript records', () => {
  it('is absent when the tool runs from a source checkout, and such a transcript verifies', () => {
    expect(runningReleaseDigest()).toBeUndefined();
    const repo = newRepo();
    appendTranscript(repo, { step: 'init', inputs: {}, outputs: {} });
    expect(readFileSync(join(repo, TRANSCRIPT_FILE), 'utf8')).not.toContain('"release"');
    expect(verifyTranscript(join(repo, TRANSCRIPT_FILE))).toMatchObject({ ok: true, records: 1 });
  });

  it('is kept, chained and shown when a record names one, after records without it', () => {
    const repo = newRepo();
    appendTranscript(repo, { step: 'init', inputs: {}, outputs: {} });
    appendTranscript(repo, { step: 'event-sign', inputs: {}, outputs: {}, release: DIGEST });
    const records = readTranscript(join(repo, TRANSCRIPT_FILE));
    expect(records.map((r) => r.release)).toEqual([undefined, DIGEST]);
    const shown = renderTranscript(records, verifyTranscript(join(repo, TRANSCRIPT_FILE)).head!);
    expect(shown).toContain(`written by release ${DIGEST}`);
  });

  it('breaks the chain at the record whose release digest was changed', () => {
    const repo = newRepo();
    appendTranscript(repo, { step: 'init', inputs: {}, outputs: {}, release: DIGEST });
    const path = join(repo, TRANSCRIPT_FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace(DIGEST, 'cd'.repeat(32)));
    expect(verifyTranscript(path)).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('is refused when it is not a SHA-256 in lowercase hex', () => {
    expect(() =>
      appendTranscript(newRepo(), { step: 'init', inputs: {}, outputs: {}, release: 'AB'.repeat(32) }),
    ).toThrow(/release: expected a SHA-256/);
  });
});
