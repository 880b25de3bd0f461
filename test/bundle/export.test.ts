import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBundle, resolveBundleDir } from '../../src/bundle/export.js';
import { MANIFEST_NAME, parseManifest, QR_NAME } from '../../src/bundle/manifest.js';
import { qrPng } from '../../src/bundle/qr.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { RefusedError, UsageError } from '../../src/tuf/base/errors.js';
import {
  chainedTranscript,
  makeBundle,
  NOW,
  OFFLINE_FILES,
  ONLINE_FILES,
  tempDir,
  trustedRoot,
  vectorFiles,
} from './fixtures.js';

describe('bundle export', () => {
  it('writes the files, a manifest with size and sha256 of each, and a QR code of the manifest digest', async () => {
    const parent = tempDir();
    const res = await makeBundle(parent, 7);
    expect(readdirSync(res.dir).sort()).toEqual([...OFFLINE_FILES, 'transcript.jsonl', MANIFEST_NAME, QR_NAME].sort());
    const manifestBytes = readFileSync(join(res.dir, MANIFEST_NAME));
    expect(sha256Hex(manifestBytes)).toBe(res.manifestSha256);
    const m = parseManifest(manifestBytes);
    expect(m.sequence).toBe(7);
    expect(m.baseRootVersion).toBe(1);
    expect(m.direction).toBe('offline-to-online');
    expect(m.toolVersion).toBe('test');
    expect(m.created.toISOString()).toBe(NOW.toISOString());
    for (const f of vectorFiles(OFFLINE_FILES)) {
      expect(m.files.get(f.name)).toEqual({ length: f.bytes.length, sha256: sha256Hex(f.bytes) });
      expect(readFileSync(join(res.dir, f.name)).equals(f.bytes)).toBe(true);
    }
    const png = readFileSync(join(res.dir, QR_NAME));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.equals(await qrPng(res.manifestSha256))).toBe(true);
    // No temporary folder is left beside the bundle.
    expect(readdirSync(parent)).toEqual(['bundle-7']);
    // What was written verifies.
    expect(verifyBundle(res.dir, { trustedRoot: trustedRoot(), at: NOW }).manifestSha256).toBe(res.manifestSha256);
  });

  it('never overwrites: an existing folder, even empty, is refused and left as it was', async () => {
    const parent = tempDir();
    const to = join(parent, 'bundle-1');
    mkdirSync(to);
    writeFileSync(join(to, 'keep.txt'), 'mine');
    await expect(
      exportBundle({
        files: vectorFiles(OFFLINE_FILES),
        to,
        sequence: 1,
        baseRootVersion: 1,
        toolVersion: 't',
        now: NOW,
      }),
    ).rejects.toThrow(RefusedError);
    expect(readdirSync(to)).toEqual(['keep.txt']);
    expect(readdirSync(parent)).toEqual(['bundle-1']);
  });

  it('refuses to put a new bundle inside an existing bundle, which would break it', async () => {
    const parent = tempDir();
    const first = await makeBundle(parent, 1);
    expect(() => resolveBundleDir(first.dir, 2)).toThrow(RefusedError);
    expect(() => resolveBundleDir(first.dir, 2)).toThrow(/is a bundle already/);
    expect(resolveBundleDir(parent, 2)).toBe(join(parent, 'bundle-000002'));
    expect(verifyBundle(first.dir, { trustedRoot: trustedRoot(), at: NOW }).manifestSha256).toBe(first.manifestSha256);
  });

  it('refuses names that are not plain file names, duplicates and reserved names', async () => {
    const parent = tempDir();
    const bytes = Buffer.from('{}');
    for (const name of ['../x.json', 'a/b.json', '.hidden.json', 'bundle.json', 'bundle.png', 'notes.txt', '']) {
      await expect(
        exportBundle({
          files: [{ name, bytes }],
          to: join(parent, 'b'),
          sequence: 1,
          baseRootVersion: 1,
          toolVersion: 't',
          now: NOW,
        }),
      ).rejects.toThrow(UsageError);
    }
    await expect(
      exportBundle({
        files: [
          { name: '1.root.json', bytes },
          { name: '1.root.json', bytes },
        ],
        to: join(parent, 'b'),
        sequence: 1,
        baseRootVersion: 1,
        toolVersion: 't',
        now: NOW,
      }),
    ).rejects.toThrow(/twice/);
    expect(existsSync(join(parent, 'b'))).toBe(false);
  });

  it('puts the bundle inside --to when it is an existing folder (the medium), else creates --to', () => {
    const parent = tempDir();
    expect(resolveBundleDir(parent, 42)).toBe(join(parent, 'bundle-000042'));
    expect(resolveBundleDir(join(parent, 'new'), 42)).toBe(join(parent, 'new'));
  });

  it('carries the transcript head and refuses one that does not end the transcript', async () => {
    const parent = tempDir();
    const transcript = chainedTranscript(['init', 'bundle-export']);
    const lines = transcript.toString().split('\n');
    const head = sha256Hex(lines[1]!);
    const files = [...vectorFiles(OFFLINE_FILES), { name: 'transcript.jsonl', bytes: transcript }];
    const options = { files, sequence: 1, baseRootVersion: 1, toolVersion: 't', now: NOW };
    const ok = await exportBundle({ ...options, to: join(parent, 'a'), transcriptHead: head });
    expect(ok.manifest.transcriptHead).toBe(head);
    expect(verifyBundle(ok.dir, { trustedRoot: trustedRoot(), at: NOW }).manifest.transcriptHead).toBe(head);
    await expect(
      exportBundle({ ...options, to: join(parent, 'b'), transcriptHead: sha256Hex(lines[0]!) }),
    ).rejects.toThrow(/transcript head/);
  });

  it('never writes a bundle that verification would refuse for its transcript head', async () => {
    const parent = tempDir();
    const options = { sequence: 1, baseRootVersion: 1, toolVersion: 't', now: NOW };
    // An offline-to-online bundle without the transcript.
    await expect(
      exportBundle({ ...options, files: vectorFiles(OFFLINE_FILES), to: join(parent, 'a') }),
    ).rejects.toThrow(
      new UsageError(
        "the bundle's files: no transcript.jsonl: an offline-to-online bundle carries the ceremony transcript",
      ),
    );
    // Any bundle carrying a transcript without its head.
    const files = [...vectorFiles(ONLINE_FILES), { name: 'transcript.jsonl', bytes: chainedTranscript(['init']) }];
    await expect(
      exportBundle({ ...options, files, to: join(parent, 'b'), direction: 'online-to-offline' }),
    ).rejects.toThrow(/^the bundle's transcript_head: missing; it anchors the end of transcript\.jsonl/);
    expect(readdirSync(parent)).toEqual([]);
  });
});
