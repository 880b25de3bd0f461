/**
 * The transcript is an append-only hash chain: it verifies as written; changing, removing,
 * reordering or cutting any record breaks it at that record, and a broken chain is never extended.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendTranscript,
  GENESIS_PREV,
  readTranscript,
  verifyTranscript,
} from '../../../src/ceremony/state/transcript.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { runCli } from '../../helpers/cli.js';

const digest = (s: string) => sha256Hex(s);

function fiveRecords(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'transcript-'));
  appendTranscript(dir, {
    step: 'init',
    inputs: { 'plan.json': digest('plan') },
    outputs: {},
    tokens: [{ holder: 'admin-a', serial: '0001', keyids: [digest('k1')] }],
  });
  appendTranscript(dir, { step: 'event-create', inputs: {}, outputs: { 'event.json': digest('event') } });
  appendTranscript(dir, {
    step: 'event-sign',
    operator: 'admin-a',
    confirmation: '--confirm abc',
    inputs: { 'event.json': digest('event') },
    outputs: { '1.root.json': digest('r1') },
  });
  appendTranscript(dir, {
    step: 'event-sign',
    operator: 'admin-b',
    inputs: { 'event.json': digest('event') },
    outputs: { '1.root.json': digest('r2') },
    details: { note: 'second signature' },
  });
  appendTranscript(dir, {
    step: 'event-finalize',
    inputs: { 'event.json': digest('event') },
    outputs: { '1.root.json': digest('r2') },
  });
  return { dir, path: join(dir, 'transcript.jsonl') };
}

describe('transcript', () => {
  it('chains each record to the previous line and verifies', () => {
    const { path } = fiveRecords();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const records = readTranscript(path);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]!.prev).toBe(GENESIS_PREV);
    for (let i = 1; i < 5; i++) expect(records[i]!.prev).toBe(sha256Hex(lines[i - 1]!));
    expect(verifyTranscript(path)).toEqual({ ok: true, records: 5, head: sha256Hex(lines[4]!) });
  });

  it('editing any single record breaks the chain at that record', () => {
    const { path } = fiveRecords();
    const original = readFileSync(path, 'utf8');
    const lines = original.trimEnd().split('\n');
    for (let i = 0; i < lines.length; i++) {
      const edited = [...lines];
      edited[i] = edited[i]!.replace(/"step":"[^"]+"/, '"step":"something-else"');
      expect(edited[i]).not.toBe(lines[i]);
      writeFileSync(path, `${edited.join('\n')}\n`);
      const check = verifyTranscript(path);
      expect(check.ok).toBe(false);
      expect(check.brokenAt).toBe(i + 1);
      expect(check.records).toBe(i);
    }
    writeFileSync(path, original);
    expect(verifyTranscript(path).ok).toBe(true);
  });

  it('a record edited with its own hash recomputed is caught by the next record', () => {
    const { path } = fiveRecords();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const rec = JSON.parse(lines[1]!);
    rec.step = 'forged';
    delete rec.hash;
    // Recompute the record's own hash the way the tool does (canonical line without `hash`).
    const sorted = (o: any): any =>
      Array.isArray(o)
        ? o.map(sorted)
        : o && typeof o === 'object'
          ? Object.fromEntries(
              Object.keys(o)
                .sort()
                .map((k) => [k, sorted(o[k])]),
            )
          : o;
    rec.hash = sha256Hex(JSON.stringify(sorted(rec)));
    lines[1] = JSON.stringify(sorted(rec));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const check = verifyTranscript(path);
    expect(check.brokenAt).toBe(3);
    expect(check.reason).toMatch(/record 3: prev .* is not the SHA-256 of record 2/);
  });

  it('a removed, a reordered or a cut record breaks the chain and says where', () => {
    const { path } = fiveRecords();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    writeFileSync(path, `${[lines[0], lines[2], lines[3], lines[4]].join('\n')}\n`);
    expect(verifyTranscript(path)).toMatchObject({ ok: false, brokenAt: 2 });
    writeFileSync(path, `${[lines[0], lines[1], lines[3], lines[2], lines[4]].join('\n')}\n`);
    expect(verifyTranscript(path)).toMatchObject({ ok: false, brokenAt: 3 });
    writeFileSync(path, `${lines.join('\n')}\n`.slice(0, -20));
    expect(verifyTranscript(path)).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: 'the last record is cut short (no final newline)',
    });
  });

  it('a broken transcript is never extended', () => {
    const { dir, path } = fiveRecords();
    writeFileSync(path, readFileSync(path, 'utf8').replace('"operator":"admin-b"', '"operator":"mallory"'));
    const before = readFileSync(path);
    expect(() => appendTranscript(dir, { step: 'bundle-export', inputs: {}, outputs: {} })).toThrow(
      /does not verify .*record 4.*it is not extended/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses digests that are not SHA-256 hex', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transcript-'));
    expect(() => appendTranscript(dir, { step: 'x', inputs: { a: 'not-a-digest' }, outputs: {} })).toThrow(
      /inputs\.a: expected a SHA-256/,
    );
  });

  it('transcript verify and show on the command line', async () => {
    const { path } = fiveRecords();
    const ok = await runCli(['transcript', 'verify', path]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK: .* holds 5 record\(s\) in an unbroken chain; head [0-9a-f]{64}/);
    const shown = await runCli(['transcript', 'show', path]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('#3  ');
    expect(shown.stdout).toContain('confirmed by admin-a');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"event-finalize"', '"event-finalise"'));
    const broken = await runCli(['transcript', 'verify', '--json', path]);
    expect(broken.code).toBe(3);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, broken_at: 5, records: 4 });
  });
});
