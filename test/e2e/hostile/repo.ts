/**
 * Complete TUF repositories signed with software keys, written to a folder the way a PEP 458/480
 * index publishes them (consistent snapshots, TUF specification 1.0.x section 5): `N.root.json`,
 * `N.<role>.json` for targets and every delegated role (the role name percent-encoded as
 * python-tuf's `urllib.parse.quote(role, '')` does), `N.snapshot.json`, an unversioned
 * `timestamp.json`, and each target file under `targets/` as `<dir>/<sha256>.<base name>`.
 *
 * An honest repository is a draft (one entry per targets-type role); each hostile case changes the
 * draft before it is written, or the files after.
 */
import { createPublicKey, ECDH, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ed25519Signer, PemSigner } from '../../../src/keys/software-signer.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role, SuccinctRoles } from '../../../src/tuf/model/roles.js';
import type { Signer } from '../../../src/tuf/model/signer.js';

export const FAR = new Date(Date.UTC(2050, 0, 1));
export const PAST = new Date(Date.UTC(2020, 0, 1));

export const PROJECT = 'example-project';
export const HONEST_PATH = `${PROJECT}/${PROJECT}-1.0.tar.gz`;
export const HONEST = Buffer.from('example-project 1.0, as its developer built it\n');
export const EVIL = Buffer.from('example-project 1.0 with a back door\n');

/** The layout of claimed: projects delegated directly, or through hashed bins (TAP 15 or PEP 458). */
export type Layout = 'flat' | 'succinct' | 'hashed';

/** The names of claimed's bins in the sharded layouts. */
export const SUCCINCT_PREFIX = 'claimed-bins';
const SUCCINCT_BITS = 2;
const HASHED_BINS = ['claimed-bin-0', 'claimed-bin-1', 'claimed-bin-2', 'claimed-bin-3'];

function seeded(n: number): Ed25519Signer {
  return new Ed25519Signer(new Uint8Array(32).fill(n));
}

/** Every key of the repository; the attacker holds the online keys' and their own. */
export class RepoKeys {
  readonly root = [seeded(1), seeded(2), seeded(3)];
  readonly targets = seeded(4);
  readonly snapshot = seeded(5);
  readonly timestamp = seeded(6);
  readonly recentlyClaimed = seeded(7);
  readonly claimed = [seeded(8), seeded(9)];
  readonly developer = seeded(10);
  /** The developer's key that claimed revoked (replaced by `developer`). */
  readonly revokedDeveloper = seeded(11);
  readonly attacker = seeded(12);
}

/** File-name form of a role name: python-tuf's `urllib.parse.quote(role, '')` (TUF specification 5.6; python-tuf writes them so). */
export function quoteRole(role: string): string {
  return encodeURIComponent(role).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function roleFile(role: string, version: number): string {
  return `${version}.${quoteRole(role)}.json`;
}

/** One targets-type role before signing. */
export interface RoleDraft {
  version: number;
  expires: Date;
  targets: Map<string, TargetFile>;
  delegations?: Delegations;
  signers: Signer[];
}

export function targetFile(bytes: Uint8Array): TargetFile {
  return new TargetFile(bytes.length, { sha256: sha256Hex(bytes) });
}

export function delegation(
  name: string,
  signers: Signer[],
  opts: { threshold?: number; terminating?: boolean; paths?: string[]; prefixes?: string[] } = {},
): { role: DelegatedRole; keys: Key[] } {
  const keys = signers.map((s) => s.key);
  const role = new DelegatedRole(
    name,
    keys.map((k) => k.keyid),
    opts.threshold ?? 1,
    opts.terminating ?? false,
    opts.prefixes ? undefined : (opts.paths ?? ['*/*']),
    opts.prefixes,
  );
  return { role, keys };
}

export function delegations(entries: Array<{ role: DelegatedRole; keys: Key[] }>): Delegations {
  const keys = new Map<string, Key>();
  for (const e of entries) for (const k of e.keys) keys.set(k.keyid, k);
  return new Delegations(
    keys,
    entries.map((e) => e.role),
    undefined,
  );
}

/** Add a delegation to a role (after the ones it has, so with the lowest priority). */
export function addDelegation(draft: RoleDraft, entry: { role: DelegatedRole; keys: Key[] }, first = false): void {
  const old = draft.delegations;
  const keys = new Map(old?.keys ?? []);
  for (const k of entry.keys) keys.set(k.keyid, k);
  const roles = [...(old?.roles ?? [])];
  if (first) roles.unshift(entry.role);
  else roles.push(entry.role);
  draft.delegations = new Delegations(keys, roles, undefined);
}

export interface RepoDraft {
  keys: RepoKeys;
  layout: Layout;
  /** Targets-type roles by name, `targets` included, in the order they are written. */
  roles: Map<string, RoleDraft>;
  snapshot: { version: number; expires: Date; withHashes: boolean; edit?: (meta: Map<string, MetaFile>) => void };
  timestamp: { version: number; expires: Date; edit?: (meta: MetaFile) => MetaFile };
  /** Target files published under `targets/` as [path, bytes] (their listing is up to the roles). */
  targetFiles: Array<[string, Uint8Array]>;
}

/** The role of claimed's layout that delegates the project of `targetPath`. */
function claimedBinFor(draft: RepoDraft, targetPath: string): string {
  if (draft.layout === 'flat') return 'claimed';
  if (draft.layout === 'succinct')
    return new SuccinctRoles([], 1, SUCCINCT_BITS, SUCCINCT_PREFIX).roleForTarget(targetPath);
  const first = parseInt(sha256Hex(Buffer.from(targetPath)).charAt(0), 16);
  return HASHED_BINS[Math.floor(first / 4)]!;
}

/**
 * root (2 of 3) → targets → [claimed (2 of 2 admins), recently-claimed (online)], in that order;
 * claimed → example-project (developer key, terminating), directly or through its bins;
 * example-project lists HONEST_PATH.
 */
export function honestRepo(layout: Layout = 'flat', keys = new RepoKeys()): RepoDraft {
  const roles = new Map<string, RoleDraft>();
  const draft: RepoDraft = {
    keys,
    layout,
    roles,
    snapshot: { version: 1, expires: FAR, withHashes: false },
    timestamp: { version: 1, expires: FAR },
    targetFiles: [[HONEST_PATH, HONEST]],
  };
  roles.set('targets', {
    version: 1,
    expires: FAR,
    targets: new Map(),
    delegations: delegations([
      delegation('claimed', keys.claimed, { threshold: 2 }),
      delegation('recently-claimed', [keys.recentlyClaimed]),
    ]),
    signers: [keys.targets],
  });
  const claimed: RoleDraft = { version: 1, expires: FAR, targets: new Map(), signers: keys.claimed };
  roles.set('claimed', claimed);
  roles.set('recently-claimed', {
    version: 1,
    expires: FAR,
    targets: new Map(),
    delegations: delegations([]),
    signers: [keys.recentlyClaimed],
  });
  const project = delegation(PROJECT, [keys.developer], { terminating: true, paths: [`${PROJECT}/*`] });
  if (layout === 'flat') claimed.delegations = delegations([project]);
  else {
    const bins =
      layout === 'succinct'
        ? [...Array(2 ** SUCCINCT_BITS).keys()].map((i) =>
            new SuccinctRoles([], 1, SUCCINCT_BITS, SUCCINCT_PREFIX).binName(i),
          )
        : HASHED_BINS;
    if (layout === 'succinct') {
      const ids = keys.claimed.map((s) => s.key.keyid);
      claimed.delegations = new Delegations(
        new Map(keys.claimed.map((s) => [s.key.keyid, s.key])),
        undefined,
        new SuccinctRoles(ids, 2, SUCCINCT_BITS, SUCCINCT_PREFIX),
      );
    } else {
      // PEP 458 hashed bins: bin i takes the paths whose sha256 starts with a hex digit of
      // 4i..4i+3; not terminating, as docs/decisions/0003-claimed-sharding.md writes them.
      claimed.delegations = delegations(
        HASHED_BINS.map((name, i) =>
          delegation(name, keys.claimed, { threshold: 2, prefixes: [0, 1, 2, 3].map((d) => (4 * i + d).toString(16)) }),
        ),
      );
    }
    for (const bin of bins)
      roles.set(bin, {
        version: 1,
        expires: FAR,
        targets: new Map(),
        delegations: delegations([]),
        signers: keys.claimed,
      });
    roles.get(claimedBinFor(draft, HONEST_PATH))!.delegations = delegations([project]);
  }
  roles.set(PROJECT, {
    version: 1,
    expires: FAR,
    targets: new Map([[HONEST_PATH, targetFile(HONEST)]]),
    signers: [keys.developer],
  });
  return draft;
}

export async function signRole(draft: RoleDraft): Promise<Buffer> {
  const md = new Metadata(
    new Targets({
      version: draft.version,
      expires: draft.expires,
      targets: draft.targets,
      delegations: draft.delegations,
    }),
  );
  for (const s of draft.signers) await md.sign(s, 'append');
  return md.toBytes();
}

export async function signSnapshot(
  keys: RepoKeys,
  version: number,
  expires: Date,
  meta: Map<string, MetaFile>,
): Promise<Buffer> {
  const snapshot = new Metadata(new Snapshot({ version, expires, meta }));
  await snapshot.sign(keys.snapshot, 'append');
  return snapshot.toBytes();
}

export interface WrittenRepo {
  dir: string;
  metadata: string;
  targets: string;
  /** The trusted root, outside the metadata folder (given to the client out of band). */
  trustedRoot: string;
  draft: RepoDraft;
  /** What snapshot lists. */
  snapshotMeta: Map<string, MetaFile>;
  write(name: string | Buffer, bytes: Uint8Array): void;
  remove(name: string): void;
}

/** Write the draft to `dir`/metadata and `dir`/targets. */
export async function writeRepo(draft: RepoDraft, dir: string): Promise<WrittenRepo> {
  const metadata = join(dir, 'metadata');
  const targets = join(dir, 'targets');
  mkdirSync(metadata, { recursive: true });
  mkdirSync(targets, { recursive: true });
  const { keys } = draft;
  const rootKeys = new Map<string, Key>();
  for (const s of [...keys.root, keys.targets, keys.snapshot, keys.timestamp]) rootKeys.set(s.key.keyid, s.key);
  const root = new Metadata(
    new Root({
      version: 1,
      expires: FAR,
      consistentSnapshot: true,
      keys: rootKeys,
      roles: {
        root: new Role(
          keys.root.map((s) => s.key.keyid),
          2,
        ),
        targets: new Role([keys.targets.key.keyid], 1),
        snapshot: new Role([keys.snapshot.key.keyid], 1),
        timestamp: new Role([keys.timestamp.key.keyid], 1),
      },
    }),
  );
  await root.sign(keys.root[0]!, 'append');
  await root.sign(keys.root[1]!, 'append');
  writeFileSync(join(metadata, '1.root.json'), root.toBytes());
  writeFileSync(join(dir, 'trusted-1.root.json'), root.toBytes());

  const meta = new Map<string, MetaFile>();
  for (const [name, role] of draft.roles) {
    const bytes = await signRole(role);
    writeFileSync(join(metadata, roleFile(name, role.version)), bytes);
    // Snapshot meta keys are the role name as it is (python-tuf `f"{role}.json"`).
    meta.set(
      `${name}.json`,
      draft.snapshot.withHashes
        ? new MetaFile(role.version, bytes.length, { sha256: sha256Hex(bytes) })
        : new MetaFile(role.version),
    );
  }
  draft.snapshot.edit?.(meta);
  const snapshotBytes = await signSnapshot(keys, draft.snapshot.version, draft.snapshot.expires, meta);
  writeFileSync(join(metadata, `${draft.snapshot.version}.snapshot.json`), snapshotBytes);
  let snapshotMeta = new MetaFile(draft.snapshot.version, snapshotBytes.length, { sha256: sha256Hex(snapshotBytes) });
  snapshotMeta = draft.timestamp.edit?.(snapshotMeta) ?? snapshotMeta;
  const timestamp = new Metadata(
    new Timestamp({ version: draft.timestamp.version, expires: draft.timestamp.expires, snapshotMeta }),
  );
  await timestamp.sign(keys.timestamp, 'append');
  writeFileSync(join(metadata, 'timestamp.json'), timestamp.toBytes());

  for (const [path, bytes] of draft.targetFiles) {
    const slash = path.lastIndexOf('/');
    const file = join(targets, path.slice(0, slash + 1), `${sha256Hex(bytes)}.${path.slice(slash + 1)}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return {
    dir,
    metadata,
    targets,
    trustedRoot: join(dir, 'trusted-1.root.json'),
    draft,
    snapshotMeta: meta,
    write: (name, bytes) =>
      writeFileSync(
        typeof name === 'string' ? join(metadata, name) : Buffer.concat([Buffer.from(`${metadata}/`), name]),
        bytes,
      ),
    remove: (name) => rmSync(join(metadata, name)),
  };
}

/** A P-256 key pair for the ECDSA cases (ecdsa-sha2-nistp256, TUF specification 4.2). */
export function ecdsaSigner(): PemSigner {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new PemSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

function pem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/** SubjectPublicKeyInfo of a P-256 key with the point compressed (SEC 1 section 2.3.3). */
const COMPRESSED_SPKI_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/** The same public key written another way: the point compressed, or text after the PEM. */
export function reencoded(signer: PemSigner, how: 'compressed-point' | 'trailing-text'): Key {
  const spki = createPublicKey(signer.key.publicValue).export({ type: 'spki', format: 'der' });
  const point = spki.subarray(spki.length - 65);
  const value =
    how === 'compressed-point'
      ? pem(
          Buffer.concat([
            COMPRESSED_SPKI_PREFIX,
            ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer,
          ]),
        )
      : `${signer.key.publicValue}this text is not part of the key\n`;
  return new Key(signer.key.keytype, signer.key.scheme, { public: value });
}

/** A signer that signs with `signer`'s private key under another key object (another keyid). */
export function signerAs(signer: Signer, key: Key): Signer {
  return { key, description: 'the same key under another keyid', sign: (payload) => signer.sign(payload) };
}
