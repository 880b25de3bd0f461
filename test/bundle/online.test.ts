/** The online side's bundle: recently-claimed and the current top-level metadata, verified offline. */
import { cpSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export.js';
import { onlineBundleFiles } from '../../src/bundle/online-files.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { Metadata, MetaFile, type Targets, type Timestamp } from '../../src/tuf/model/metadata.js';
import { loadVector, PEP480_DIR } from '../helpers/vectors.js';
import { NOW, ONLINE_FILES, tempDir, trustedRoot, vectorFiles } from './fixtures.js';

const online = new Ed25519Signer(
  Buffer.from(
    loadVector('pep480-repo/TEST-KEYS.json')['online (ed25519: snapshot, timestamp, recently-claimed, unclaimed)']
      .seed_hex,
    'hex',
  ),
);

function onlineFolder(): string {
  const dir = join(tempDir('online-'), 'metadata');
  cpSync(PEP480_DIR, dir, { recursive: true });
  return dir;
}

async function exportOnline(files: { name: string; bytes: Uint8Array }[], parent = tempDir()) {
  return exportBundle({
    files,
    to: join(parent, 'b'),
    sequence: 1,
    baseRootVersion: 2,
    toolVersion: 't',
    now: NOW,
    direction: 'online-to-offline',
  });
}

describe('online-to-offline bundle', () => {
  it('carries every root, the current targets and recently-claimed, the snapshot the timestamp names and the timestamp', () => {
    const sel = onlineBundleFiles(onlineFolder());
    expect(sel.files.map((f) => f.name).sort()).toEqual([...ONLINE_FILES].sort());
    expect(sel.rootVersion).toBe(2);
  });

  it('verifies offline with the same rules, the snapshot vouching for the recently-claimed version', async () => {
    const b = await exportOnline(onlineBundleFiles(onlineFolder()).files);
    const v = verifyBundle(b.dir, { trustedRoot: trustedRoot(2), at: NOW, direction: 'online-to-offline' });
    expect(v.metadata.verified.map((x) => x.file)).toEqual([
      '1.recently-claimed.json',
      '1.root.json',
      '1.snapshot.json',
      '1.targets.json',
      '2.root.json',
      'timestamp.json',
    ]);
  });

  it('refuses a recently-claimed that is not the version the snapshot lists', async () => {
    const files = vectorFiles(ONLINE_FILES.filter((n) => n !== '1.recently-claimed.json'));
    const rc = Metadata.fromBytes<Targets>(vectorFiles(['1.recently-claimed.json'])[0]!.bytes, 'rc', 'targets').edit(
      (s) => (s.version = 2),
    );
    await rc.sign(online, 'replace');
    const b = await exportOnline([...files, { name: '2.recently-claimed.json', bytes: rc.toBytes() }]);
    expect(() => verifyBundle(b.dir, { trustedRoot: trustedRoot(2), at: NOW })).toThrow(
      /2\.recently-claimed\.json: version 2, but 1\.snapshot\.json lists version 1/,
    );
  });

  it('refuses a snapshot whose sha256 differs from the one the timestamp lists, naming both', async () => {
    const files = vectorFiles(ONLINE_FILES.filter((n) => n !== 'timestamp.json'));
    const ts = Metadata.fromBytes<Timestamp>(vectorFiles(['timestamp.json'])[0]!.bytes, 'ts', 'timestamp').edit(
      (s) => (s.snapshotMeta = new MetaFile(1, undefined, { sha256: '0'.repeat(64) })),
    );
    await ts.sign(online, 'replace');
    const b = await exportOnline([...files, { name: 'timestamp.json', bytes: ts.toBytes() }]);
    expect(() => verifyBundle(b.dir, { trustedRoot: trustedRoot(2), at: NOW })).toThrow(
      /^1\.snapshot\.json: sha256 [0-9a-f]{64} differs from 0{64} listed in the timestamp$/,
    );
  });

  it('refuses a snapshot the timestamp does not name, and an expired timestamp', async () => {
    const withoutSnapshot = vectorFiles(ONLINE_FILES.filter((n) => n !== '1.snapshot.json'));
    const b = await exportOnline(withoutSnapshot);
    expect(() => verifyBundle(b.dir, { trustedRoot: trustedRoot(2), at: NOW })).toThrow(
      /1\.snapshot\.json: the timestamp lists it but the bundle does not carry it/,
    );
    const all = await exportOnline(vectorFiles(ONLINE_FILES));
    expect(() => verifyBundle(all.dir, { trustedRoot: trustedRoot(2), at: new Date('2050-06-01T00:00:00Z') })).toThrow(
      /expired/,
    );
  });

  it('names what is missing in a folder that is not an online metadata folder', () => {
    const dir = onlineFolder();
    for (const name of readdirSync(dir)) if (name.includes('recently-claimed')) unlinkSync(join(dir, name));
    expect(() => onlineBundleFiles(dir)).toThrow(/holds no N\.recently-claimed\.json/);
  });
});
