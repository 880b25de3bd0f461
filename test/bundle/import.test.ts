import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importBundle } from '../../src/bundle/import.js';
import { defaultStatePath, LEGACY_STATE_NAME, readImportState, STATE_NAME } from '../../src/bundle/import-state.js';
import { recordsFolderOf } from '../../src/bundle/records-folder.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { RefusedError, VerificationError } from '../../src/tuf/base/errors.js';
import { Metadata, MetaFile, Timestamp } from '../../src/tuf/model/metadata.js';
import { loadVector } from '../helpers/vectors.js';
import {
  chainedTranscript,
  makeBundle,
  NOW,
  OFFLINE_FILES,
  ONLINE_FILES,
  snapshotFolder,
  tempDir,
  trustedRoot,
  vectorFiles,
} from './fixtures.js';

const online = new Ed25519Signer(
  Buffer.from(
    loadVector('pep480-repo/TEST-KEYS.json')['online (ed25519: snapshot, timestamp, recently-claimed, unclaimed)']
      .seed_hex,
    'hex',
  ),
);

async function timestamp(version: number): Promise<{ name: string; bytes: Buffer }> {
  const md = new Metadata(
    new Timestamp({ version, expires: new Date('2050-01-01T00:00:00Z'), snapshotMeta: new MetaFile(1) }),
  );
  await md.sign(online, 'append');
  return { name: 'timestamp.json', bytes: md.toBytes() };
}

describe('bundle import', () => {
  it('creates the target folder with the metadata only; the transcript and the state go beside it', async () => {
    const parent = tempDir();
    const b = await makeBundle(parent, 3);
    const target = join(parent, 'online-metadata');
    const res = importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expect(res.actions.map((a) => a.action)).toEqual(['new', 'new', 'new', 'new', 'new']);
    // Roots become visible first; the transcript, which is not published, last.
    expect(res.actions.slice(0, 2).map((a) => a.name)).toEqual(['1.root.json', '2.root.json']);
    const records = join(parent, 'online-metadata.records');
    expect(res.recordsDir).toBe(records);
    expect(res.actions.at(-1)).toEqual({
      name: 'transcript.jsonl',
      action: 'new',
      path: join(records, 'transcript.jsonl'),
    });
    expect(readdirSync(target).sort()).toEqual([...OFFLINE_FILES].sort());
    expect(readdirSync(records).sort()).toEqual([STATE_NAME, 'transcript.jsonl']);
    expect(readFileSync(join(records, 'transcript.jsonl')).equals(readFileSync(join(b.dir, 'transcript.jsonl')))).toBe(
      true,
    );
    for (const f of vectorFiles(OFFLINE_FILES)) expect(readFileSync(join(target, f.name)).equals(f.bytes)).toBe(true);
    const state = readImportState(defaultStatePath(target));
    expect(state['offline-to-online']).toMatchObject({ sequence: 3, manifestSha256: b.manifestSha256 });
    expect(state['online-to-offline']).toBeUndefined();
  });

  it('says which root to trust next after a root rotation, and records the roots in the state', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    const res = importBundle((await makeBundle(parent, 1)).dir, { target, trustedRoot: trustedRoot(1), at: NOW });
    const root2 = sha256Hex(readFileSync(join(target, '2.root.json')));
    expect(res.nextRoot).toEqual({ file: '2.root.json', version: 2, sha256: root2 });
    expect(readImportState(res.statePath)['offline-to-online']).toMatchObject({
      trustedRoot: { version: 1, sha256: sha256Hex(trustedRoot(1)) },
      nextRoot: { version: 2, sha256: root2 },
    });
    // From root 2 the next bundle carries no newer root: nothing new to trust.
    const again = importBundle((await makeBundle(parent, 2)).dir, { target, trustedRoot: trustedRoot(2), at: NOW });
    expect(again.nextRoot).toBeUndefined();
    expect(readImportState(res.statePath)['offline-to-online']?.trustedRoot).toEqual({ version: 2, sha256: root2 });
  });

  it('refuses a records folder or an import state inside the published folder', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    const b = await makeBundle(parent, 1);
    for (const opts of [{ recordsDir: join(target, 'records') }, { statePath: join(target, LEGACY_STATE_NAME) }])
      expect(() => importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW, ...opts })).toThrow(
        /is inside the published folder .*; keep it beside the folder/,
      );
    expect(existsSync(target)).toBe(false);
  });

  it('moves the transcript and import state an earlier release left in the published folder', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    mkdirSync(target);
    // What an earlier release left: bundle 1's files, its transcript and its hidden state, all in the target.
    const first = await makeBundle(parent, 1);
    for (const name of [...OFFLINE_FILES, 'transcript.jsonl'])
      writeFileSync(join(target, name), readFileSync(join(first.dir, name)));
    const legacyState =
      '{"directions":{"offline-to-online":{"imported":"2030-01-01T00:00:00Z","manifest_sha256":"' +
      `${first.manifestSha256}","sequence":1}},"format":"tuf-ceremony-import-state","format_version":1}\n`;
    writeFileSync(join(target, LEGACY_STATE_NAME), legacyState);
    // Its sequence still counts: bundle 1 again is a replay, refused with nothing moved.
    const before = snapshotFolder(target);
    expect(() => importBundle(first.dir, { target, trustedRoot: trustedRoot(), at: NOW })).toThrow(
      /sequence 1 is not newer than 1/,
    );
    expect(snapshotFolder(target)).toEqual(before);
    expect(existsSync(recordsFolderOf(target))).toBe(false);

    const notes: string[] = [];
    const longer = chainedTranscript(['init', 'bundle-export', 'claim', 'bundle-export']);
    const files = [...vectorFiles(OFFLINE_FILES), { name: 'transcript.jsonl', bytes: longer }];
    const res = importBundle((await makeBundle(parent, 2, { files })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
      note: (l) => notes.push(l),
    });
    const records = recordsFolderOf(target);
    expect(res.moved).toEqual([
      { from: join(target, LEGACY_STATE_NAME), to: join(records, STATE_NAME) },
      { from: join(target, 'transcript.jsonl'), to: join(records, 'transcript.jsonl') },
    ]);
    expect(notes).toEqual(
      res.moved.map((m) => `${m.from}: moved to ${m.to}, beside the published folder, which holds metadata only`),
    );
    expect(readdirSync(target).sort()).toEqual([...OFFLINE_FILES].sort());
    expect(readFileSync(join(records, 'transcript.jsonl')).equals(longer)).toBe(true);
    expect(res.actions.find((a) => a.name === 'transcript.jsonl')?.action).toBe('replace');
    expect(readImportState(res.statePath)['offline-to-online']?.sequence).toBe(2);
  });

  it('refuses when an earlier release left a different state in the published folder than the one beside it', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    importBundle((await makeBundle(parent, 1)).dir, { target, trustedRoot: trustedRoot(), at: NOW });
    const records = recordsFolderOf(target);
    // A move cut short leaves the same file in both places: the one in the target is removed.
    writeFileSync(join(target, 'transcript.jsonl'), readFileSync(join(records, 'transcript.jsonl')));
    importBundle((await makeBundle(parent, 2)).dir, { target, trustedRoot: trustedRoot(), at: NOW, note: () => {} });
    expect(readdirSync(target)).not.toContain('transcript.jsonl');
    // Two different ones: a person says which is current.
    writeFileSync(join(target, LEGACY_STATE_NAME), '{}\n');
    const before = { target: snapshotFolder(target), records: snapshotFolder(records) };
    const b3 = await makeBundle(parent, 3);
    expect(() => importBundle(b3.dir, { target, trustedRoot: trustedRoot(), at: NOW })).toThrow(
      new RefusedError(
        `${join(target, LEGACY_STATE_NAME)} was left in the published folder by an earlier release and differs from ` +
          `${join(records, STATE_NAME)}: keep the current one at ${join(records, STATE_NAME)}, delete ` +
          `${join(target, LEGACY_STATE_NAME)}, and run the command again`,
        'E_IMPORT_RECORDS',
      ),
    );
    expect({ target: snapshotFolder(target), records: snapshotFolder(records) }).toEqual(before);
  });

  it('keeps identical files, adds new ones, and keeps the state per direction', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    importBundle((await makeBundle(parent, 1, { names: ['1.root.json', '2.root.json', '1.targets.json'] })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    const res = importBundle((await makeBundle(parent, 2)).dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expect(Object.fromEntries(res.actions.map((a) => [a.name, a.action]))).toEqual({
      '1.root.json': 'same',
      '2.root.json': 'same',
      '1.targets.json': 'same',
      '1.claimed.json': 'new',
      'transcript.jsonl': 'same',
    });
    // An online-to-offline bundle has its own sequence.
    importBundle((await makeBundle(tempDir(), 1, { names: ONLINE_FILES, direction: 'online-to-offline' })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    const state = readImportState(defaultStatePath(target));
    expect(state['offline-to-online']?.sequence).toBe(2);
    expect(state['online-to-offline']?.sequence).toBe(1);
  });

  it('keeps the state in a file given instead of the target folder', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    const statePath = join(parent, 'state.json');
    importBundle((await makeBundle(parent, 9)).dir, { target, trustedRoot: trustedRoot(), at: NOW, statePath });
    expect(existsSync(defaultStatePath(target))).toBe(false);
    expect(readImportState(statePath)['offline-to-online']?.sequence).toBe(9);
    await expect(async () =>
      importBundle((await makeBundle(parent, 8)).dir, { target, trustedRoot: trustedRoot(), at: NOW, statePath }),
    ).rejects.toThrow(/sequence 8 is not newer than 9/);
  });

  it('refuses a second, different file of the same version (a fork) and writes nothing', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    mkdirSync(target);
    const claimed = vectorFiles(['1.claimed.json'])[0]!;
    writeFileSync(join(target, '1.claimed.json'), JSON.stringify(JSON.parse(claimed.bytes.toString())));
    const before = snapshotFolder(target);
    const b = await makeBundle(parent, 1);
    expect(() => importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW })).toThrow(
      /1\.claimed\.json: differs from the 1\.claimed\.json already in .* \(two different versions with one number: a fork\)/,
    );
    expect(snapshotFolder(target)).toEqual(before);
  });

  it('refuses to write through a symbolic link in the target folder', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    mkdirSync(target);
    symlinkSync('/etc/passwd', join(target, '1.claimed.json'));
    const before = snapshotFolder(target);
    const b = await makeBundle(parent, 1);
    expect(() => importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW })).toThrow(RefusedError);
    expect(snapshotFolder(target)).toEqual(before);
  });

  it('replaces the transcript only with one that extends it', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    const base = vectorFiles(['1.root.json']);
    const withTranscript = (steps: string[]) => [
      ...base,
      { name: 'transcript.jsonl', bytes: chainedTranscript(steps) },
    ];
    importBundle((await makeBundle(parent, 1, { files: withTranscript(['init']) })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    const res = importBundle((await makeBundle(parent, 2, { files: withTranscript(['init', 'claim']) })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    expect(res.actions.find((a) => a.name === 'transcript.jsonl')?.action).toBe('replace');
    const before = [snapshotFolder(target), snapshotFolder(res.recordsDir)];
    // A whole chain of its own, but not the one imported before: records were changed.
    await expect(async () =>
      importBundle((await makeBundle(parent, 3, { files: withTranscript(['init', 'revoke', 'claim']) })).dir, {
        target,
        trustedRoot: trustedRoot(),
        at: NOW,
      }),
    ).rejects.toThrow(/transcript\.jsonl: does not extend the transcript already in .*t\.records/);
    expect([snapshotFolder(target), snapshotFolder(res.recordsDir)]).toEqual(before);
  });

  it('replaces timestamp.json only with a newer version (no rollback)', async () => {
    const parent = tempDir();
    const target = join(parent, 't');
    const rest = vectorFiles([
      '1.root.json',
      '2.root.json',
      '1.targets.json',
      '1.recently-claimed.json',
      '1.snapshot.json',
    ]);
    const opts = { target, trustedRoot: trustedRoot(), at: NOW };
    importBundle(
      (await makeBundle(parent, 1, { files: [...rest, await timestamp(2)], direction: 'online-to-offline' })).dir,
      opts,
    );
    const res = importBundle(
      (await makeBundle(parent, 2, { files: [...rest, await timestamp(3)], direction: 'online-to-offline' })).dir,
      opts,
    );
    expect(res.actions.find((a) => a.name === 'timestamp.json')?.action).toBe('replace');
    expect(res.actions.at(-1)?.name).toBe('timestamp.json');
    const old = await makeBundle(parent, 3, {
      files: [...rest, vectorFiles(['timestamp.json'])[0]!],
      direction: 'online-to-offline',
    });
    expect(() => importBundle(old.dir, opts)).toThrow(
      /timestamp\.json: version 1 is not newer than version 3 already in .* \(a rollback\)/,
    );
    expect(sha256Hex(readFileSync(join(target, 'timestamp.json')))).toBe(sha256Hex((await timestamp(3)).bytes));
  });

  it('refuses a bundle of the other direction when one is expected', async () => {
    const parent = tempDir();
    const b = await makeBundle(parent, 1, { names: ONLINE_FILES, direction: 'online-to-offline' });
    expect(() =>
      importBundle(b.dir, {
        target: join(parent, 't'),
        trustedRoot: trustedRoot(),
        at: NOW,
        direction: 'offline-to-online',
      }),
    ).toThrow(VerificationError);
  });
});
