import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importBundle } from '../../src/bundle/import.js';
import { defaultStatePath, readImportState, STATE_NAME } from '../../src/bundle/import-state.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { RefusedError, VerificationError } from '../../src/tuf/base/errors.js';
import { Metadata, MetaFile, Timestamp } from '../../src/tuf/model/metadata.js';
import { loadVector } from '../helpers/vectors.js';
import {
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
  it('creates the target folder, copies every file byte for byte and records the sequence', async () => {
    const parent = tempDir();
    const b = await makeBundle(parent, 3);
    const target = join(parent, 'online-metadata');
    const res = importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expect(res.actions.map((a) => a.action)).toEqual(['new', 'new', 'new', 'new']);
    // Roots become visible first.
    expect(res.actions.slice(0, 2).map((a) => a.name)).toEqual(['1.root.json', '2.root.json']);
    expect(readdirSync(target).sort()).toEqual([...OFFLINE_FILES, STATE_NAME].sort());
    for (const f of vectorFiles(OFFLINE_FILES)) expect(readFileSync(join(target, f.name)).equals(f.bytes)).toBe(true);
    const state = readImportState(defaultStatePath(target));
    expect(state['offline-to-online']).toMatchObject({ sequence: 3, manifestSha256: b.manifestSha256 });
    expect(state['online-to-offline']).toBeUndefined();
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
    expect(readdirSync(target)).not.toContain(STATE_NAME);
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
    const withTranscript = (text: string) => [...base, { name: 'transcript.jsonl', bytes: Buffer.from(text) }];
    importBundle((await makeBundle(parent, 1, { files: withTranscript('{"seq":1}\n') })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    const res = importBundle((await makeBundle(parent, 2, { files: withTranscript('{"seq":1}\n{"seq":2}\n') })).dir, {
      target,
      trustedRoot: trustedRoot(),
      at: NOW,
    });
    expect(res.actions.find((a) => a.name === 'transcript.jsonl')?.action).toBe('replace');
    const before = snapshotFolder(target);
    await expect(async () =>
      importBundle((await makeBundle(parent, 3, { files: withTranscript('{"seq":1}\n{"seq":"2"}\n') })).dir, {
        target,
        trustedRoot: trustedRoot(),
        at: NOW,
      }),
    ).rejects.toThrow(/transcript\.jsonl: does not extend the transcript already in/);
    expect(snapshotFolder(target)).toEqual(before);
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
