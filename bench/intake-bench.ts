/**
 * Section "intake": 10k developer request files taken into a claimed role that already delegates
 * to 100k projects, flat and sharded (2^10 bins): reading and checking every request (proofs of
 * possession included), deciding, building the new claimed version or bins, and writing the
 * signing event. Prints seconds, peak memory, the signatures the admins must make, and what a
 * client downloads to find one project (docs/decisions/0003-claimed-sharding.md).
 */
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  claimedAuthorization,
  claimedSettingsFromPlan,
  proposeClaimed,
  readClaimedState,
  type ClaimedProposal,
} from '../src/ceremony/claims/claimed-build.js';
import { createClaimedEvent } from '../src/ceremony/claims/claimed-event.js';
import type { ClaimedProjects } from '../src/ceremony/claims/claimed-projects.js';
import { runIntake, type IntakeResult } from '../src/ceremony/claims/intake.js';
import { Repository } from '../src/ceremony/state/repository.js';
import { createRequest, encodeRequest } from '../src/ceremony/claims/requests-format.js';
import { Ed25519Signer, ed25519PublicKey } from '../src/keys/software-signer.js';
import { Key } from '../src/tuf/model/key.js';
import { Metadata, Root, Targets } from '../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role } from '../src/tuf/model/roles.js';
import type { Signer } from '../src/tuf/model/signer.js';
import { addSeconds } from '../src/tuf/base/time.js';
import { distinctEd25519PublicKeys } from './fixture-keys.js';
import { Bench, formatTable, recordRows, TABLE_HEADERS } from './harness.js';

const EXISTING = 100_000;
const REQUESTS = 10_000;
const BIT_LENGTH = 10;
const NOW = new Date('2031-06-01T00:00:00Z');
const YEAR = 365 * 86400;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** A developer key whose signatures come from node:crypto: fast enough to make 10k requests. */
function nodeEd25519Signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = ed25519PublicKey(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return { key, sign: async (payload) => nodeSign(null, payload, privateKey) };
}

function plan(bitLength?: number): Buffer {
  const admin = (name: string) => ({
    name,
    contact: `${name}@example.org`,
    keys: { root: { type: 'ed25519' }, targets: { type: 'ed25519' }, claimed: { type: 'ed25519' } },
  });
  const online = { key: 'online.json' };
  return Buffer.from(
    JSON.stringify({
      plan_format: 1,
      repository: 'bench-index',
      admins: [admin('alice'), admin('bob')],
      roles: {
        root: { threshold: 2, expires: '365d' },
        targets: { threshold: 1, expires: '365d' },
        claimed: { threshold: 2, expires: '90d', ...(bitLength ? { bins: { bit_length: bitLength } } : {}) },
      },
      online: { snapshot: online, timestamp: online, 'recently-claimed': online, unclaimed: online },
      project_paths: ['{project}'],
    }),
  );
}

const admins = [1, 2, 3, 4].map((n) => new Ed25519Signer(new Uint8Array(32).fill(n)));
const [rootA, rootB, targetsKey] = admins as [Ed25519Signer, Ed25519Signer, Ed25519Signer, Ed25519Signer];
const claimedKeys = [admins[3]!, new Ed25519Signer(new Uint8Array(32).fill(5))];

/** A repository whose claimed role delegates to `existing` projects (flat or sharded), signed. */
async function repositoryWith(dir: string, existing: ClaimedProjects, bitLength?: number): Promise<Repository> {
  const repo = Repository.create(dir, plan(bitLength));
  const expires = addSeconds(NOW, YEAR);
  const online = new Ed25519Signer(new Uint8Array(32).fill(6));
  const rootKeys = new Map([rootA, rootB, targetsKey, online].map((s) => [s.key.keyid, s.key]));
  const root = new Metadata(
    new Root({
      version: 1,
      expires,
      consistentSnapshot: true,
      keys: rootKeys,
      roles: {
        root: new Role([rootA.key.keyid, rootB.key.keyid], 2),
        targets: new Role([targetsKey.key.keyid], 1),
        snapshot: new Role([online.key.keyid], 1),
        timestamp: new Role([online.key.keyid], 1),
      },
    }),
  );
  for (const s of [rootA, rootB]) await root.sign(s, 'append');
  repo.writeVersion('root', root);
  const dk = new Map([...claimedKeys, online].map((s) => [s.key.keyid, s.key]));
  const delegations = new Delegations(
    dk,
    [
      new DelegatedRole(
        'claimed',
        claimedKeys.map((s) => s.key.keyid),
        2,
        false,
        ['*'],
        undefined,
      ),
      new DelegatedRole('recently-claimed', [online.key.keyid], 1, false, ['*'], undefined),
    ],
    undefined,
  );
  const targets = new Metadata(new Targets({ version: 1, expires, delegations }));
  await targets.sign(targetsKey, 'append');
  repo.writeVersion('targets', targets);
  const claimed = new Metadata(new Targets({ version: 1, expires }));
  for (const s of claimedKeys) await claimed.sign(s, 'append');
  repo.writeVersion('claimed', claimed);
  const settings = claimedSettingsFromPlan(repo.plan());
  const first = proposeClaimed(
    repo,
    readClaimedState(repo, 'claimed'),
    existing,
    settings,
    claimedAuthorization(targets.signed, 'claimed'),
    NOW,
  );
  for (const r of first.roles) {
    for (const s of claimedKeys) await r.metadata.sign(s, 'append');
    repo.writeVersion(r.role, r.metadata);
  }
  return repo;
}

function existingProjects(): ClaimedProjects {
  const keys = distinctEd25519PublicKeys(EXISTING, new Uint8Array(32).fill(9));
  const projects: ClaimedProjects = new Map();
  for (let i = 0; i < EXISTING; i++) {
    const name = `existing-project-${i}`;
    projects.set(name, {
      name,
      keys: [new Key('ed25519', 'ed25519', { public: keys.subarray(i * 32, i * 32 + 32).toString('hex') })],
      threshold: 1,
      paths: [name],
    });
  }
  return projects;
}

async function writeRequests(dir: string): Promise<void> {
  mkdirSync(dir);
  for (let i = 0; i < REQUESTS; i++) {
    const request = await createRequest({
      project: `new-project-${i}`,
      signers: [nodeEd25519Signer()],
      threshold: 1,
      contact: `dev${i}@example.org`,
      created: NOW,
      expires: addSeconds(NOW, 30 * 86400),
    });
    writeFileSync(join(dir, `request-${i}.json`), encodeRequest(request));
  }
}

function downloadSize(repo: Repository, p: ClaimedProposal): string {
  const claimed = p.roles.find((r) => r.role === 'claimed')?.metadata ?? repo.current('claimed');
  const bins = p.roles.filter((r) => r.role !== 'claimed');
  if (bins.length === 0) return `client downloads claimed: ${mb(claimed.toBytes().length)}`;
  const binBytes = bins.reduce((s, r) => s + r.metadata.toBytes().length, 0) / bins.length;
  return `client downloads claimed ${mb(claimed.toBytes().length)} + one bin ${mb(binBytes)}`;
}

export async function benchIntake(): Promise<void> {
  const bench = new Bench();
  bench.section = 'intake';
  const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-intake-bench-'));
  const summary: string[] = [];
  try {
    const requests = join(dir, 'requests');
    await bench.step('fixtures', `write ${REQUESTS / 1000}k request files`, () => writeRequests(requests), {
      counted: false,
    });
    const existing = await bench.step('fixtures', `${EXISTING / 1000}k existing projects`, () => existingProjects(), {
      counted: false,
    });
    for (const layout of [
      { name: 'flat', bitLength: undefined },
      { name: `sharded 2^${BIT_LENGTH}`, bitLength: BIT_LENGTH },
    ]) {
      const group = `${layout.name}, ${REQUESTS / 1000}k into ${EXISTING / 1000}k`;
      const repo = await bench.step(
        group,
        'signed repository',
        () => repositoryWith(join(dir, layout.name.replace(/\W+/g, '-')), existing, layout.bitLength),
        { counted: false },
      );
      const settings = claimedSettingsFromPlan(repo.plan());
      let result: IntakeResult | undefined;
      await bench.step(
        group,
        'read, check, decide, build',
        () => {
          result = runIntake({
            store: repo,
            settings,
            requestsDir: requests,
            allowRekey: false,
            now: NOW,
            onProgress: (done) => done % 1000 === 0 && bench.sample(),
          });
          for (const r of result.proposal.roles) r.metadata.payload();
        },
        { detail: () => `${result!.decisions.counts.add} added, ${result!.proposal.roles.length} roles to sign` },
      );
      const { proposal: p, state } = result!;
      result = undefined;
      await bench.step(
        group,
        'write signing event',
        () =>
          createClaimedEvent(repo, state, join(dir, `${layout.name.replace(/\W+/g, '-')}-event`), p, {
            kind: 'claim',
            description: 'bench',
            at: NOW,
          }),
        {
          detail: () => `${p.signaturesNeeded} signatures needed (${p.roles.length} × ${p.threshold})`,
        },
      );
      summary.push(
        `${layout.name}: ${p.signaturesNeeded} signatures needed for ${p.roles.length} role(s); ${downloadSize(repo, p)}`,
      );
    }
    console.log(formatTable(TABLE_HEADERS, recordRows(bench.records)));
    for (const line of summary) console.log(line);
  } finally {
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
