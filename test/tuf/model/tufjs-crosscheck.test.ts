/** @tufjs/models as a second, independent verifier of what this model writes, and the reverse. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tufjs from '@tufjs/models';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { Metadata, type Root, type Targets } from '../../../src/tuf/model/metadata.js';
import { verifyRole, verifyWithRoot } from '../../../src/tuf/verify/verification.js';
import { buildSoftwareRepo, seededSigner } from '../../helpers/software-repo.js';
import { PEP480_DIR } from '../../helpers/vectors.js';

const asTufjs = (bytes: Uint8Array, kind: tufjs.MetadataKind): tufjs.Metadata<any> =>
  tufjs.Metadata.fromJSON(kind as any, JSON.parse(Buffer.from(bytes).toString()));

describe('metadata written here verifies with @tufjs/models', () => {
  it('root → targets → claimed → project role, and snapshot/timestamp', async () => {
    const repo = await buildSoftwareRepo();
    const f = (n: string) => repo.files.get(n)!;
    const root = asTufjs(f('1.root.json'), tufjs.MetadataKind.Root) as tufjs.Metadata<tufjs.Root>;
    expect(() => root.verifyDelegate('root', root)).not.toThrow();
    for (const [role, file, kind] of [
      ['targets', '1.targets.json', tufjs.MetadataKind.Targets],
      ['snapshot', '1.snapshot.json', tufjs.MetadataKind.Snapshot],
      ['timestamp', 'timestamp.json', tufjs.MetadataKind.Timestamp],
    ] as const) {
      expect(() => root.verifyDelegate(role, asTufjs(f(file), kind))).not.toThrow();
    }
    const targets = asTufjs(f('1.targets.json'), tufjs.MetadataKind.Targets) as tufjs.Metadata<tufjs.Targets>;
    const claimed = asTufjs(f('1.claimed.json'), tufjs.MetadataKind.Targets) as tufjs.Metadata<tufjs.Targets>;
    expect(() => targets.verifyDelegate('claimed', claimed)).not.toThrow();
    expect(() => claimed.verifyDelegate('demo', asTufjs(f('1.demo.json'), tufjs.MetadataKind.Targets))).not.toThrow();
    // and tuf-js refuses the same role when one threshold signature is missing
    const oneSig = JSON.parse(Buffer.from(f('1.claimed.json')).toString());
    oneSig.signatures = oneSig.signatures.slice(0, 1);
    expect(() =>
      targets.verifyDelegate('claimed', tufjs.Metadata.fromJSON(tufjs.MetadataKind.Targets, oneSig)),
    ).toThrow();
  });

  it('the canonical bytes signed here are the bytes tuf-js signs', async () => {
    const repo = await buildSoftwareRepo();
    for (const [file, kind] of [
      ['1.root.json', tufjs.MetadataKind.Root],
      ['1.claimed.json', tufjs.MetadataKind.Targets],
    ] as const) {
      const ours = Metadata.fromBytes(repo.files.get(file)!, file);
      let signedBytes: Buffer | undefined;
      asTufjs(repo.files.get(file)!, kind).sign((data) => {
        signedBytes = data;
        return new tufjs.Signature({ keyID: 'x', sig: '00' });
      });
      expect(signedBytes!.equals(ours.payload())).toBe(true);
    }
  });
});

describe('metadata written by tuf-js verifies here', () => {
  it('a targets role signed through @tufjs/models', async () => {
    const signer = seededSigner(31);
    const seed = new Uint8Array(32).fill(31);
    const rootSigner = seededSigner(32);
    const targets = new tufjs.Metadata(
      new tufjs.Targets({
        version: 3,
        specVersion: '1.0.31',
        expires: '2040-06-01T00:00:00Z',
        unrecognizedFields: { 'x-from-tufjs': 'yes' },
      }),
    );
    targets.sign(
      (data) => new tufjs.Signature({ keyID: signer.key.keyid, sig: Buffer.from(ed.sign(data, seed)).toString('hex') }),
    );
    const bytes = Buffer.from(JSON.stringify(targets.toJSON()));
    const ours = Metadata.fromBytes<Targets>(bytes, 'targets.json');
    expect(ours.signed.unrecognized['x-from-tufjs']).toBe('yes');
    const r = verifyRole(ours, 'targets', { keyids: [signer.key.keyid], threshold: 1 }, (k) =>
      k === signer.key.keyid ? signer.key : undefined,
    );
    expect(r.verified).toBe(true);
    const wrong = verifyRole(ours, 'targets', { keyids: [rootSigner.key.keyid], threshold: 1 }, () => rootSigner.key);
    expect(wrong.verified).toBe(false);
  });

  it('the python-tuf vector repository agrees in both verifiers', () => {
    const read = (n: string) => readFileSync(join(PEP480_DIR, n));
    const ours = Metadata.fromBytes<Root>(read('1.root.json'), '1.root.json');
    const theirs = asTufjs(read('1.root.json'), tufjs.MetadataKind.Root) as tufjs.Metadata<tufjs.Root>;
    for (const [role, file] of [
      ['targets', '1.targets.json'],
      ['snapshot', '1.snapshot.json'],
      ['timestamp', 'timestamp.json'],
    ] as const) {
      const md = Metadata.fromBytes(read(file), file);
      expect(verifyWithRoot(ours.signed, role, md).verified).toBe(true);
      expect(() =>
        theirs.verifyDelegate(role, asTufjs(read(file), md.signed.type as tufjs.MetadataKind)),
      ).not.toThrow();
    }
  });
});
