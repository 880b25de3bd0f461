/**
 * A repository state folder signed with software keys for intake tests: root, targets delegating
 * to claimed (2 of 2), recently-claimed and unclaimed (online key), and an empty claimed v1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/ceremony/state/repository.js';
import { createRequest, encodeRequest } from '../../src/ceremony/claims/requests-format.js';
import type { ClaimedProposal } from '../../src/ceremony/claims/claimed-build.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import type { JsonObject } from '../../src/tuf/model/fields.js';
import type { Key } from '../../src/tuf/model/key.js';
import { Metadata, Root, Targets } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role } from '../../src/tuf/model/roles.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { addSeconds } from '../../src/tuf/base/time.js';

export const DAY = 86400;

export function signer(n: number, owner?: string): Ed25519Signer {
  return new Ed25519Signer(new Uint8Array(32).fill(n), owner, owner ? { 'x-ceremony-owner': owner } : {});
}

export interface Fixture {
  dir: string;
  repo: Repository;
  rootSigners: Signer[];
  targetsSigner: Signer;
  claimedSigners: Signer[];
  online: Signer;
}

export function planJson(bitLength?: number): JsonObject {
  const admin = (name: string) => ({
    name,
    contact: `${name}@example.org`,
    keys: { root: { type: 'ed25519' }, targets: { type: 'ed25519' }, claimed: { type: 'ed25519' } },
  });
  const online = { key: 'online.pub.json' };
  return {
    plan_format: 1,
    repository: 'example-index',
    admins: [admin('alice'), admin('bob')],
    roles: {
      root: { threshold: 2, expires: '365d' },
      targets: { threshold: 1, expires: '365d' },
      claimed: { threshold: 2, expires: '90d', ...(bitLength ? { bins: { bit_length: bitLength } } : {}) },
    },
    online: { snapshot: online, timestamp: online, 'recently-claimed': online, unclaimed: online },
    project_paths: ['{project}'],
  };
}

const far = (now: Date) => addSeconds(now, 365 * DAY);

/** A fresh repository state folder in `dir` (which must not exist). */
export async function makeRepository(dir: string, now: Date, bitLength?: number): Promise<Fixture> {
  const repo = Repository.create(dir, Buffer.from(JSON.stringify(planJson(bitLength), null, 2)));
  const rootSigners = [signer(1, 'alice'), signer(2, 'bob')];
  const targetsSigner = signer(3, 'alice');
  const claimedSigners = [signer(4, 'alice'), signer(5, 'bob')];
  const online = signer(6);
  const keys = new Map<string, Key>();
  for (const s of [...rootSigners, targetsSigner, online]) keys.set(s.key.keyid, s.key);
  const root = new Metadata(
    new Root({
      version: 1,
      expires: far(now),
      consistentSnapshot: true,
      keys,
      roles: {
        root: new Role(
          rootSigners.map((s) => s.key.keyid),
          2,
        ),
        targets: new Role([targetsSigner.key.keyid], 1),
        snapshot: new Role([online.key.keyid], 1),
        timestamp: new Role([online.key.keyid], 1),
      },
    }),
  );
  for (const s of rootSigners) await root.sign(s, 'append');
  repo.writeVersion('root', root);
  const dk = new Map<string, Key>();
  for (const s of [...claimedSigners, online]) dk.set(s.key.keyid, s.key);
  const targets = new Metadata(
    new Targets({
      version: 1,
      expires: far(now),
      delegations: new Delegations(
        dk,
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
          new DelegatedRole('unclaimed', [online.key.keyid], 1, false, ['*'], undefined),
        ],
        undefined,
      ),
    }),
  );
  await targets.sign(targetsSigner, 'append');
  repo.writeVersion('targets', targets);
  const claimed = new Metadata(
    new Targets({ version: 1, expires: far(now), delegations: new Delegations(new Map(), [], undefined) }),
  );
  for (const s of claimedSigners) await claimed.sign(s, 'append');
  repo.writeVersion('claimed', claimed);
  return { dir, repo, rootSigners, targetsSigner, claimedSigners, online };
}

/** Sign every proposed role with the claimed keys and store it, as finalize would. */
export async function signAndStore(f: Fixture, proposal: ClaimedProposal): Promise<void> {
  for (const r of proposal.roles) {
    for (const s of f.claimedSigners) await r.metadata.sign(s, 'append');
    f.repo.writeVersion(r.role, r.metadata);
  }
}

/** recently-claimed signed by the online key, listing projects with their registered keys. */
export async function recentlyClaimed(
  f: Fixture,
  projects: Array<{ name: string; keys: Key[] }>,
  now: Date,
  by: Signer = f.online,
): Promise<Buffer> {
  const keys = new Map<string, Key>();
  for (const p of projects) for (const k of p.keys) keys.set(k.keyid, k);
  const roles = projects.map(
    (p) =>
      new DelegatedRole(
        p.name,
        p.keys.map((k) => k.keyid),
        1,
        true,
        [p.name],
        undefined,
      ),
  );
  const md = new Metadata(
    new Targets({ version: 7, expires: addSeconds(now, DAY), delegations: new Delegations(keys, roles, undefined) }),
  );
  await md.sign(by, 'append');
  return md.toBytes();
}

export interface RequestSpec {
  project: string;
  signers: Signer[];
  threshold?: number;
  created?: Date;
  validDays?: number;
  /** Change the finished request (after signing) to make it bad. */
  mutate?: (request: any) => void;
}

export async function requestBytes(spec: RequestSpec, now: Date): Promise<Buffer> {
  const created = spec.created ?? addSeconds(now, -DAY);
  const request = await createRequest({
    project: spec.project,
    signers: spec.signers,
    threshold: spec.threshold ?? 1,
    contact: `maintainer of ${spec.project} <dev@example.org>`,
    created,
    expires: addSeconds(created, (spec.validDays ?? 30) * DAY),
  });
  spec.mutate?.(request);
  return encodeRequest(request);
}

export async function writeRequest(dir: string, file: string, spec: RequestSpec, now: Date): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), await requestBytes(spec, now));
}
