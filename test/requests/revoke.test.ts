import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimedAuthorization,
  claimedSettingsFromPlan,
  readClaimedState,
} from '../../src/ceremony/claims/claimed-build.js';
import { runIntake } from '../../src/ceremony/claims/intake.js';
import {
  ClaimedLookup,
  proposeClaimedChanges,
  type ProjectChanges,
} from '../../src/ceremony/claims/claimed-changes.js';
import { revokeFromClaimed } from '../../src/ceremony/claims/revoke.js';
import { RefusedError } from '../../src/tuf/base/errors.js';
import type { Targets } from '../../src/tuf/model/metadata.js';
import { makeRepository, signAndStore, signer, writeRequest, type Fixture } from './fixtures.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const [k1, k2, k3] = [signer(31), signer(32), signer(33)];

describe('revoke a developer key or a project from claimed (PEP 480, key compromise)', () => {
  let tmp: string;
  let f: Fixture;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'revoke-'));
    f = await makeRepository(join(tmp, 'repo'), now);
    const dir = join(tmp, 'round1');
    await writeRequest(dir, 'numpy.json', { project: 'numpy', signers: [k1, k2], threshold: 2 }, now);
    await writeRequest(dir, 'scipy.json', { project: 'scipy', signers: [k1, k2, k3], threshold: 2 }, now);
    await writeRequest(dir, 'six.json', { project: 'six', signers: [k3] }, now);
    await signAndStore(
      f,
      runIntake({
        store: f.repo,
        settings: claimedSettingsFromPlan(f.repo.plan()),
        requestsDir: dir,
        allowRekey: false,
        now,
      }).proposal,
    );
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const propose = (change: ProjectChanges) =>
    proposeClaimedChanges(
      f.repo,
      readClaimedState(f.repo, 'claimed'),
      change,
      claimedSettingsFromPlan(f.repo.plan()),
      claimedAuthorization(f.repo.current<Targets>('targets').signed, 'claimed'),
      now,
    );
  const revoke = (project: string, keyid?: string) =>
    revokeFromClaimed(
      new ClaimedLookup(readClaimedState(f.repo, 'claimed'), claimedSettingsFromPlan(f.repo.plan())),
      'claimed',
      project,
      keyid,
    );

  it('removes one key when enough keys stay for the threshold, and drops the key from claimed when no project uses it', () => {
    const rev = revoke('SciPy', k3.key.keyid.slice(0, 12));
    expect(rev.keyid).toBe(k3.key.keyid);
    const p = propose(rev.change);
    expect(p.change).toEqual({ added: [], rekeyed: ['scipy'], removed: [] });
    const claimed = p.roles[0]!.metadata.signed;
    expect(claimed.version).toBe(3);
    expect(claimed.delegations!.roles!.find((r) => r.name === 'scipy')!.keyids).toEqual([k1.key.keyid, k2.key.keyid]);
    // k3 still signs for six, so it stays in the keys table.
    expect(claimed.delegations!.keys.has(k3.key.keyid)).toBe(true);
  });

  it('refuses to leave a project with fewer keys than its threshold', () => {
    expect(() => revoke('numpy', k1.key.keyid)).toThrow(RefusedError);
    expect(() => revoke('numpy', k1.key.keyid)).toThrow(/fewer than its threshold 2/);
    expect(() => revoke('six', k3.key.keyid)).toThrow(/fewer than its threshold 1/);
  });

  it('removes a whole delegation, and refuses a project or key that is not there', () => {
    const p = propose(revoke('six').change);
    expect(p.change.removed).toEqual(['six']);
    const claimed = p.roles[0]!.metadata.signed;
    expect(claimed.delegations!.roles!.map((r) => r.name)).toEqual(['numpy', 'scipy']);
    expect(claimed.delegations!.keys.has(k3.key.keyid)).toBe(true);
    expect(() => revoke('not-claimed')).toThrow(/not delegated by claimed/);
    expect(() => revoke('numpy', k3.key.keyid)).toThrow(/not one of the keys of numpy/);
  });
});
