/**
 * Starting states for the crash tests, signed once with software keys (no token per cut): a
 * repository (test/requests/fixtures.ts) with a transcript, a folder of requests, a claim event
 * and a root-and-targets rotation event, both fully signed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { signEvent } from '../../src/ceremony/events/event-sign.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { Repository } from '../../src/ceremony/state/repository.js';
import { SoftwareProvider } from '../../src/ceremony/signers/signer-provider.js';
import { appendTranscript } from '../../src/ceremony/state/transcript.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import type { Root, Targets } from '../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { runCli } from '../helpers/cli.js';
import { makeRepository, signer, writeRequest, type Fixture } from '../requests/fixtures.js';

export const NOW = new Date('2030-01-01T00:00:00Z');
export const AT = '2030-01-02T00:00:00Z';

/** A repository in `<start>/repo` with one transcript record, and requests in `<start>/inbox`. */
export async function startingRepository(start: string): Promise<Fixture> {
  const f = await makeRepository(join(start, 'repo'), NOW);
  appendTranscript(f.dir, { step: 'init', time: '2030-01-01T00:00:00Z', inputs: {}, outputs: {} });
  mkdirSync(join(start, 'inbox'));
  await writeRequest(join(start, 'inbox'), 'demo.json', { project: 'demo', signers: [signer(9)] }, NOW);
  return f;
}

function provider(entries: Array<[string, 'root' | 'targets' | 'claimed', Signer]>): SoftwareProvider {
  const p = new SoftwareProvider(() => {
    throw new Error('no key generation in crash tests');
  });
  for (const [holder, purpose, s] of entries) p.add(holder, purpose, s);
  return p;
}

async function signAll(event: SigningEvent, holders: string[], p: SoftwareProvider): Promise<void> {
  await signEvent({ event, holders, provider: p, confirm: event.roles().map((r) => r.payloadSha256), log: () => {} });
}

/** `claim` into `<start>/claim-event`, signed by both claimed key holders. */
export async function signedClaimEvent(f: Fixture, start: string): Promise<string> {
  const dir = join(start, 'claim-event');
  const r = await runCli([
    'claim',
    '--no-online-check',
    'no online service in this test',
    '--repo',
    f.dir,
    '--requests',
    join(start, 'inbox'),
    '--event',
    dir,
    '--at',
    AT,
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`claim failed: ${r.stderr}`);
  await signAll(
    SigningEvent.load(dir),
    ['alice', 'bob'],
    provider([
      ['alice', 'claimed', f.claimedSigners[0]!],
      ['bob', 'claimed', f.claimedSigners[1]!],
    ]),
  );
  return dir;
}

/**
 * Root v2 with a new targets key and targets v2 signed by it, in `<start>/rotate-event`: neither
 * verifies without the other (TUF spec 5.3), the case a half-done finalize breaks.
 */
export async function signedRotationEvent(f: Fixture, start: string): Promise<string> {
  const repo = Repository.open(f.dir);
  const newTargets = new Ed25519Signer(new Uint8Array(32).fill(11), 'alice', { 'x-ceremony-owner': 'alice' });
  const root = repo.current<Root>('root').edit((signed) => {
    signed.version = 2;
    signed.revokeKey('targets', f.targetsSigner.key.keyid);
    signed.addKey('targets', newTargets.key);
  });
  const targets = repo.current<Targets>('targets').edit((signed) => (signed.version = 2));
  const dir = join(start, 'rotate-event');
  const event = SigningEvent.create(dir, {
    kind: 'rotate',
    description: 'a new targets key',
    roles: [
      { role: 'root', metadata: root },
      { role: 'targets', metadata: targets },
    ],
    repo,
    created: NOW,
  });
  await signAll(
    event,
    ['alice', 'bob'],
    provider([
      ['alice', 'root', f.rootSigners[0]!],
      ['bob', 'root', f.rootSigners[1]!],
      ['alice', 'targets', newTargets],
    ]),
  );
  return dir;
}

/** Problems of the metadata folder as a client from its first root would see them, or [] (TUF spec section 5). */
export function clientProblems(metadataDir: string, at: string): string[] {
  const source = new FolderSource(metadataDir);
  const report = verifyRepository(source.read('1.root.json'), source, { at: new Date(at) });
  return report.ok ? [] : [JSON.stringify(report).slice(0, 600)];
}
