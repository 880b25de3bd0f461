import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata as TufjsMetadata, MetadataKind } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binsOfProjects,
  ClaimedBins,
  claimedAuthorization,
  claimedSettingsFromPlan,
  proposeClaimed,
  readClaimedState,
  type ClaimedSettings,
} from '../../src/ceremony/claims/claimed-build.js';
import { runIntake } from '../../src/ceremony/claims/intake.js';
import { ClaimedLookup, type ProjectChanges } from '../../src/ceremony/claims/claimed-changes.js';
import type { ClaimedProjects } from '../../src/ceremony/claims/claimed-projects.js';
import { revokeFromClaimed } from '../../src/ceremony/claims/revoke.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { roleFileName, verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { addSeconds } from '../../src/tuf/base/time.js';
import { DAY, makeRepository, signAndStore, signer, writeRequest, type Fixture } from './fixtures.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const tufjs = (md: Metadata) => TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(md.toBytes().toString()));
const FIRST = ['requests', 'numpy', 'django', 'flask', 'attrs', 'six'];

/** The projects after a change. */
function projectsAfter(projects: ClaimedProjects, change: ProjectChanges): ClaimedProjects {
  const next = new Map(projects);
  for (const [name, p] of change) {
    if (p) next.set(name, p);
    else next.delete(name);
  }
  return next;
}

describe('sharded claimed: 2^k bins, only changed bins get a new version', () => {
  let tmp: string;
  let f: Fixture;
  let settings: ClaimedSettings;
  let bins: ClaimedBins;
  const devs = new Map(FIRST.map((name, i) => [name, signer(20 + i)]));

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sharded-'));
    f = await makeRepository(join(tmp, 'repo'), now, 3);
    settings = claimedSettingsFromPlan(f.repo.plan());
    bins = new ClaimedBins(3, 'claimed-bins');
    for (const [name, dev] of devs)
      await writeRequest(join(tmp, 'round1'), `${name}.json`, { project: name, signers: [dev] }, now);
    const first = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'round1'), allowRekey: false, now });
    await signAndStore(f, first.proposal);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('claimed v2 delegates to the non-empty bins by hash prefix, not terminating, signed by the claimed keys', () => {
    expect(settings.layout).toEqual({ kind: 'sharded', bitLength: 3, namePrefix: 'claimed-bins' });
    const claimed = f.repo.current<Targets>('claimed').signed;
    expect(claimed.version).toBe(2);
    const used = [...new Set(FIRST.map((p) => bins.binOfPath(p)))].sort((a, b) => a - b);
    const roles = claimed.delegations!.roles!;
    expect(roles.map((r) => r.name)).toEqual(used.map((b) => bins.name(b)));
    const auth = claimedAuthorization(f.repo.current<Targets>('targets').signed, 'claimed');
    for (const r of roles) {
      // Not terminating: a target of a project no bin delegates must still reach recently-claimed and unclaimed.
      expect(r.terminating).toBe(false);
      expect(r.keyids).toEqual(auth.keys.map((k) => k.keyid));
      expect(r.threshold).toBe(2);
    }
    // Each project's path is trusted by exactly the bin it hashes into.
    for (const p of [...FIRST, 'some-unclaimed-project']) {
      expect(roles.filter((r) => r.isDelegatedPath(p)).map((r) => r.name)).toEqual(
        used.includes(bins.binOfPath(p)) ? [bins.name(bins.binOfPath(p))] : [],
      );
    }
    for (const b of used) {
      const md = f.repo.current<Targets>(bins.name(b)).signed;
      expect(md.version).toBe(1);
      expect(md.delegations!.roles!.map((r) => r.name).sort()).toEqual(
        FIRST.filter((p) => bins.binOfPath(p) === b).sort(),
      );
    }
  });

  it('the bin prefixes cover every hash exactly once and agree with the bin of a path', () => {
    for (const k of [1, 3, 4, 6, 10]) {
      const b = new ClaimedBins(k, 'x');
      const all = Array.from({ length: b.count }, (_, i) => b.hashPrefixes(i)).flat();
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(16 ** Math.ceil(k / 4));
      for (let n = 0; n < 100; n++) {
        const hash = sha256Hex(`project-${n}`);
        const owners = Array.from({ length: b.count }, (_, i) => i).filter((i) =>
          b.hashPrefixes(i).some((p) => hash.startsWith(p)),
        );
        expect(owners).toEqual([b.binOfPath(`project-${n}`)]);
      }
    }
  });

  it('a new project in an existing bin changes only that bin', async () => {
    const usedBins = new Set(FIRST.map((p) => bins.binOfPath(p)));
    const name = Array.from({ length: 100 }, (_, i) => `newcomer${i}`).find((n) => usedBins.has(bins.binOfPath(n)))!;
    await writeRequest(join(tmp, 'round2'), 'newcomer.json', { project: name, signers: [signer(40)] }, now);
    const r = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'round2'), allowRekey: false, now });
    expect(r.proposal.roles.map((x) => [x.role, x.metadata.signed.version, x.replaces])).toEqual([
      [bins.name(bins.binOfPath(name)), 2, 1],
    ]);
    expect(r.proposal.signaturesNeeded).toBe(2);
  });

  it('a project in an empty bin adds the bin to claimed, and the whole chain verifies with both verifiers', async () => {
    const usedBins = new Set(FIRST.map((p) => bins.binOfPath(p)));
    const name = Array.from({ length: 200 }, (_, i) => `fresh${i}`).find((n) => !usedBins.has(bins.binOfPath(n)))!;
    const dev = signer(41);
    await writeRequest(join(tmp, 'round3'), 'fresh.json', { project: name, signers: [dev] }, now);
    const r = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'round3'), allowRekey: false, now });
    const binName = bins.name(bins.binOfPath(name));
    expect(r.proposal.roles.map((x) => [x.role, x.metadata.signed.version])).toEqual([
      ['claimed', 3],
      [binName, 1],
    ]);
    await signAndStore(f, r.proposal);

    const project = new Metadata(new Targets({ version: 1, expires: addSeconds(now, 30 * DAY) }));
    await project.sign(dev, 'append');
    const folder = join(tmp, 'published');
    mkdirSync(folder);
    for (const role of f.repo.roles())
      writeFileSync(join(folder, roleFileName(role, f.repo.currentVersion(role))), f.repo.current(role).toBytes());
    writeFileSync(join(folder, roleFileName(name, 1)), project.toBytes());
    const report = verifyRepository(f.repo.readBytes('root', 1), new FolderSource(folder), {
      trustedRootName: '1.root.json',
      at: now,
    });
    expect(report.roles.filter((x) => x.status === 'failed')).toEqual([]);
    expect(report.roles.find((x) => x.role === name)).toMatchObject({ status: 'ok', delegatedBy: binName });
    expect(report.ok).toBe(true);

    const claimed = tufjs(f.repo.current('claimed'));
    tufjs(f.repo.current('targets')).verifyDelegate('claimed', claimed);
    const bin = tufjs(f.repo.current(binName));
    claimed.verifyDelegate(binName, bin);
    bin.verifyDelegate(name, tufjs(project));
    const stranger = new Metadata(new Targets({ version: 1, expires: addSeconds(now, DAY) }));
    await stranger.sign(signer(42), 'append');
    expect(() => bin.verifyDelegate(name, tufjs(stranger))).toThrow();
  });

  it('revoking a project changes only its bin; a wildcard pattern is refused for sharding', () => {
    const state = readClaimedState(f.repo, 'claimed');
    const rev = revokeFromClaimed(new ClaimedLookup(state, settings), 'claimed', 'Django');
    const next = projectsAfter(state.projects, rev.change);
    const auth = claimedAuthorization(f.repo.current<Targets>('targets').signed, 'claimed');
    const p = proposeClaimed(f.repo, state, next, settings, auth, now);
    const binName = bins.name(bins.binOfPath('django'));
    const onlyOneInBin = FIRST.filter((x) => bins.binOfPath(x) === bins.binOfPath('django')).length === 1;
    expect(p.change).toEqual({ added: [], rekeyed: [], removed: ['django'] });
    expect(p.roles.map((r) => r.role)).toEqual(onlyOneInBin ? ['claimed', binName] : [binName]);
    expect(() =>
      proposeClaimed(f.repo, state, next, { ...settings, pathPatterns: ['{project}/*'] }, auth, now),
    ).toThrow(/wildcard/);
  });

  it('reading only the bins a change falls in gives the same proposal as reading every bin', () => {
    const auth = claimedAuthorization(f.repo.current<Targets>('targets').signed, 'claimed');
    const usedBins = new Set(FIRST.map((p) => bins.binOfPath(p)));
    const emptyBin = Array.from({ length: 400 }, (_, i) => `late${i}`).find(
      (n) => !usedBins.has(bins.binOfPath(n)) && !f.repo.currentVersion(bins.name(bins.binOfPath(n))),
    )!;
    for (const [project, change] of [
      ['django', 'revoke'],
      [emptyBin, 'add'],
    ] as const) {
      const proposal = (onlyBins?: Set<string>) => {
        const state = readClaimedState(f.repo, 'claimed', { onlyBins });
        const next =
          change === 'revoke'
            ? projectsAfter(
                state.projects,
                revokeFromClaimed(new ClaimedLookup(state, settings), 'claimed', project).change,
              )
            : new Map(state.projects).set(project, {
                name: project,
                keys: [signer(43).key],
                threshold: 1,
                paths: [project],
              });
        return { state, p: proposeClaimed(f.repo, state, next, settings, auth, now) };
      };
      const full = proposal();
      const partial = proposal(binsOfProjects(settings, [project]));
      expect(partial.state.bins.size).toBeLessThanOrEqual(1);
      expect(partial.state.unreadBins.size).toBe(full.state.bins.size - partial.state.bins.size);
      expect(partial.p.change).toEqual(full.p.change);
      const bytes = (x: typeof full.p) => x.roles.map((r) => [r.role, sha256Hex(r.metadata.payload())]);
      expect(bytes(partial.p)).toEqual(bytes(full.p));
    }
  });
});
