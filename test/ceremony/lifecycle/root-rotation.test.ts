/**
 * A root rotation on SoftHSM2 tokens: root v2 must be signed by a threshold of the v1 root keys
 * AND a threshold of its own (TUF spec 5.3.4-5.3.5). Admin-a leaves, admin-d joins.
 */
import * as tufjs from '@tufjs/models';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FolderSource } from '../../../src/bundle/metadata-folder.js';
import { initRepository } from '../../../src/ceremony/lifecycle/bootstrap.js';
import { finalizeEvent } from '../../../src/ceremony/events/event-finalize.js';
import { signEvent } from '../../../src/ceremony/events/event-sign.js';
import { summarizeEvent } from '../../../src/ceremony/events/event-summary.js';
import { SigningEvent } from '../../../src/ceremony/events/event.js';
import type { Repository } from '../../../src/ceremony/state/repository.js';
import { Metadata, Root } from '../../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../../src/tuf/verify/repository-verifier.js';
import { addSeconds } from '../../../src/tuf/base/time.js';
import { runCli } from '../../helpers/cli.js';
import { makeAdmins, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let repo: Repository;
let event: SigningEvent;
const log = () => {};
const confirmAll = (e: SigningEvent) => e.roles().map((r) => r.payloadSha256);

beforeAll(async () => {
  a = makeAdmins('ceremony-rotation', { extraHolders: ['admin-d'] });
  const init = await initRepository({ planPath: a.planPath, repoDir: join(a.dir, 'repo'), provider: a.provider, log });
  repo = init.repo;
  await signEvent({
    event: init.event,
    holders: ['admin-a', 'admin-b'],
    provider: a.provider,
    confirm: confirmAll(init.event),
    log,
  });
  finalizeEvent(repo, init.event);

  const newKey = (await a.provider.generate('admin-d', 'root', 'ecdsa-p256')).key;
  const v1 = repo.current<Root>('root');
  const v2 = Metadata.fromBytes<Root>(v1.toBytes(), '1.root.json', 'root').edit((signed) => {
    signed.version = 2;
    signed.expires = addSeconds(new Date(), 365 * 86400);
    const leaving = signed.roles.root.keyids.find(
      (id) => signed.keys.get(id)!.unrecognized['x-ceremony-owner'] === 'admin-a',
    )!;
    signed.revokeKey('root', leaving);
    signed.addKey('root', newKey);
  });
  event = SigningEvent.create(join(a.dir, 'rotate-root'), {
    kind: 'rotate-root',
    description: 'admin-a leaves, admin-d joins',
    roles: [{ role: 'root', metadata: v2 }],
    repo,
  });
});

describe('root rotation', () => {
  it('the summary names the keys added and removed with their holders, and both thresholds', () => {
    const s = summarizeEvent(event).roles[0]!;
    expect(s.keysAdded.map((k) => `${k.role}:${k.key.holder}`)).toEqual(['root:admin-d']);
    expect(s.keysRemoved.map((k) => `${k.role}:${k.key.holder}`)).toEqual(['root:admin-a']);
    expect(s.signers.map((x) => [x.label, x.threshold, x.keys.map((k) => k.holder)])).toEqual([
      ['root v1 (the previous root keys)', 2, ['admin-a', 'admin-b', 'admin-c']],
      ['root v2 (its own root keys)', 2, ['admin-b', 'admin-c', 'admin-d']],
    ]);
  });

  it('the old threshold alone is not enough', async () => {
    await signEvent({ event, holders: ['admin-a', 'admin-b'], provider: a.provider, confirm: confirmAll(event), log });
    const st = event.status();
    expect(st.roles[0]!.thresholds.map((t) => [t.have, t.met])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(() => finalizeEvent(repo, event)).toThrow(
      /not every threshold is met: root v2 needs 1 more of root v2 \(its own root keys\)/,
    );
    const st2 = await runCli(['event', 'status', event.dir]);
    expect(st2.code).toBe(6);
    expect(st2.stdout).toContain(
      '✗ 1 of 2 needed from root v2 (its own root keys), 1 more; signed: admin-b; not yet: admin-c, admin-d',
    );
  });

  it('finalize itself re-checks both thresholds against the repository, not the event', () => {
    // Even a status made to look complete cannot pass: finalize verifies with verifyRootUpdate.
    const fake = Object.create(event) as SigningEvent;
    fake.status = () => ({ ...event.status(), complete: true });
    expect(() => finalizeEvent(repo, fake)).toThrow(
      /root v2 by its own root keys: 1\/2 signatures, 1 from unauthorized keys; not finalized/,
    );
    expect(repo.rootVersions()).toEqual([1]);
  });

  it('with the new threshold too it is finalized, and verifies from root v1 here and with @tufjs/models', async () => {
    await signEvent({ event, holders: ['admin-d'], provider: a.provider, confirm: confirmAll(event), log });
    expect(event.status().complete).toBe(true);
    finalizeEvent(repo, event);
    expect(repo.rootVersions()).toEqual([1, 2]);
    const report = verifyRepository(repo.readBytes('root', 1), new FolderSource(repo.metadataDir), {
      trustedRootName: '1.root.json',
      at: new Date(),
    });
    expect(report.ok).toBe(true);
    expect(report.rootVersion).toBe(2);
    const load = (v: number) =>
      tufjs.Metadata.fromJSON(tufjs.MetadataKind.Root, JSON.parse(readFileSync(repo.path('root', v), 'utf8')));
    const [r1, r2] = [load(1), load(2)];
    expect(() => r1.verifyDelegate('root', r2)).not.toThrow();
    expect(() => r2.verifyDelegate('root', r2)).not.toThrow();
  });
});
