/** A small repository signed with software keys, for tests of the model and the verifier. */
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, Root, Snapshot, Targets, Timestamp, MetaFile } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role } from '../../src/tuf/model/roles.js';

export function seededSigner(n: number, owner?: string): Ed25519Signer {
  const seed = new Uint8Array(32).fill(n);
  return new Ed25519Signer(seed, owner ? `key of ${owner}` : undefined, owner ? { 'x-ceremony-owner': owner } : {});
}

export const FAR = new Date(Date.UTC(2050, 0, 1));

export function makeRoot(
  rootSigners: Ed25519Signer[],
  threshold: number,
  others: { targets: Ed25519Signer; online: Ed25519Signer },
  version = 1,
): Metadata<Root> {
  const keys = new Map<string, Key>();
  for (const s of [...rootSigners, others.targets, others.online]) keys.set(s.key.keyid, s.key);
  return new Metadata(
    new Root({
      version,
      expires: FAR,
      consistentSnapshot: true,
      keys,
      roles: {
        root: new Role(
          rootSigners.map((s) => s.key.keyid),
          threshold,
        ),
        targets: new Role([others.targets.key.keyid], 1),
        snapshot: new Role([others.online.key.keyid], 1),
        timestamp: new Role([others.online.key.keyid], 1),
      },
    }),
  );
}

export interface SoftwareRepo {
  files: Map<string, Uint8Array>;
  rootSigners: Ed25519Signer[];
  targetsSigner: Ed25519Signer;
  online: Ed25519Signer;
  claimedSigners: Ed25519Signer[];
  developer: Ed25519Signer;
}

/** root (2 of 3) → targets → claimed (2 of 2) → project "demo"; snapshot and timestamp. */
export async function buildSoftwareRepo(): Promise<SoftwareRepo> {
  const rootSigners = [seededSigner(1, 'alice'), seededSigner(2, 'bob'), seededSigner(3, 'carol')];
  const targetsSigner = seededSigner(4, 'alice');
  const online = seededSigner(5);
  const claimedSigners = [seededSigner(6, 'alice'), seededSigner(7, 'bob')];
  const developer = seededSigner(8);
  const files = new Map<string, Uint8Array>();

  const root = makeRoot(rootSigners, 2, { targets: targetsSigner, online });
  await root.sign(rootSigners[0]!, 'append');
  await root.sign(rootSigners[1]!, 'append');
  files.set('1.root.json', root.toBytes());

  const delegKeys = new Map<string, Key>();
  for (const s of [...claimedSigners, online]) delegKeys.set(s.key.keyid, s.key);
  const targets = new Metadata(
    new Targets({
      version: 1,
      expires: FAR,
      delegations: new Delegations(
        delegKeys,
        [
          new DelegatedRole(
            'claimed',
            claimedSigners.map((s) => s.key.keyid),
            2,
            false,
            ['*'],
            undefined,
          ),
          new DelegatedRole('recently-claimed', [online.key.keyid], 1, false, ['*'], undefined),
        ],
        undefined,
      ),
    }),
  );
  await targets.sign(targetsSigner, 'append');
  files.set('1.targets.json', targets.toBytes());

  const claimed = new Metadata(
    new Targets({
      version: 1,
      expires: FAR,
      delegations: new Delegations(
        new Map([[developer.key.keyid, developer.key]]),
        [new DelegatedRole('demo', [developer.key.keyid], 1, true, ['demo'], undefined)],
        undefined,
      ),
    }),
  );
  for (const s of claimedSigners) await claimed.sign(s, 'append');
  files.set('1.claimed.json', claimed.toBytes());

  const project = new Metadata(new Targets({ version: 1, expires: FAR }));
  await project.sign(developer, 'append');
  files.set('1.demo.json', project.toBytes());

  const snapshot = new Metadata(
    new Snapshot({
      version: 1,
      expires: FAR,
      meta: new Map([
        ['targets.json', new MetaFile(1)],
        ['claimed.json', new MetaFile(1)],
        ['demo.json', new MetaFile(1)],
      ]),
    }),
  );
  await snapshot.sign(online, 'append');
  files.set('1.snapshot.json', snapshot.toBytes());
  const timestamp = new Metadata(new Timestamp({ version: 1, expires: FAR, snapshotMeta: new MetaFile(1) }));
  await timestamp.sign(online, 'append');
  files.set('timestamp.json', timestamp.toBytes());
  return { files, rootSigners, targetsSigner, online, claimedSigners, developer };
}

export function mapSource(files: Map<string, Uint8Array>) {
  return {
    names: () => [...files.keys()],
    read: (n: string) => {
      const b = files.get(n);
      if (!b) throw new Error(`no ${n}`);
      return b;
    },
  };
}
