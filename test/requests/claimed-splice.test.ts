/**
 * The byte-level rebuild of claimed bins (claimed-changes.ts, claimed-splice.ts) against the object
 * rebuild (proposeClaimed on every project): on random batches of adds, re-keys and removals,
 * including bins that become empty, bins that appear and keys shared by several projects, both
 * propose the same roles with byte-identical payloads (canonical JSON, what is signed).
 */
import { describe, expect, it } from 'vitest';
import {
  ClaimedBins,
  proposeClaimed,
  readClaimedState,
  type ClaimedAuthorization,
  type ClaimedProposal,
  type ClaimedSettings,
  type MetadataStore,
} from '../../src/ceremony/claims/claimed-build.js';
import {
  applyChanges,
  ClaimedLookup,
  proposeClaimedChanges,
  type ProjectChanges,
} from '../../src/ceremony/claims/claimed-changes.js';
import type { ProjectDelegation } from '../../src/ceremony/claims/claimed-projects.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, Targets, type AnySigned } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../src/tuf/model/roles.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rnd: () => number) =>
  Array.from({ length: 32 }, () =>
    Math.floor(rnd() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');

/** Versions in memory as their file bytes, read afresh each time (as a repository reads its files). */
class MemoryStore implements MetadataStore {
  readonly versions = new Map<string, Array<{ version: number; bytes: Buffer }>>();
  currentVersion(role: string): number | undefined {
    return this.versions.get(role)?.at(-1)?.version;
  }
  current<T extends AnySigned>(role: string): Metadata<T> {
    const { version, bytes } = this.versions.get(role)!.at(-1)!;
    return Metadata.fromBytes<T>(bytes, `${version}.${role}.json`);
  }
  put(role: string, md: Metadata): void {
    const list = this.versions.get(role) ?? [];
    list.push({ version: md.signed.version, bytes: md.toBytes() });
    this.versions.set(role, list);
  }
}

/** A claimed role in 2^bitLength bins, or flat (bitLength 0: claimed lists the projects itself). */
function setup(bitLength: number, pathPatterns: string[]) {
  const settings: ClaimedSettings = {
    roleName: 'claimed',
    layout: bitLength === 0 ? { kind: 'flat' } : { kind: 'sharded', bitLength, namePrefix: 'claimed-bins' },
    pathPatterns,
    validitySeconds: 90 * 86400,
  };
  const rnd = random(bitLength * 1000 + pathPatterns.length);
  const adminKeys = [0, 1].map(() => new Key('ed25519', 'ed25519', { public: hex(rnd) }));
  const auth: ClaimedAuthorization = { keys: adminKeys, threshold: 2 };
  const store = new MemoryStore();
  store.put('claimed', new Metadata(new Targets({ version: 1, expires: now })));
  return { settings, auth, store, rnd };
}

/** Both rebuilds of one batch; the object one's roles are stored as the next state. */
function both(
  s: ReturnType<typeof setup>,
  changes: ProjectChanges,
  at: Date,
): { objects: ClaimedProposal; bytes: ClaimedProposal } {
  const full = readClaimedState(s.store, 'claimed');
  const objects = proposeClaimed(s.store, full, applyChanges(full.projects, changes), s.settings, s.auth, at);
  const flat = s.settings.layout.kind === 'flat';
  const lazy = readClaimedState(s.store, 'claimed', { lazy: true, flat });
  // A flat claimed role that still lists bins is read whole (its projects in bins must be found).
  const listsBins = full.bins.size > 0 || full.unreadBins.size > 0;
  expect(lazy.lazy).toBe(!(flat && listsBins));
  const bytes = proposeClaimedChanges(s.store, lazy, changes, s.settings, s.auth, at);
  return { objects, bytes };
}

const plain = (p: ProjectDelegation | undefined) =>
  p && { ...p, keys: p.keys.map((k) => k.toJSON()), paths: [...p.paths].sort() };

function expectSame(objects: ClaimedProposal, bytes: ClaimedProposal): void {
  expect(bytes.change).toEqual(objects.change);
  expect(bytes.signaturesNeeded).toBe(objects.signaturesNeeded);
  expect(bytes.roles.map((r) => [r.role, r.replaces, r.metadata.signed.version])).toEqual(
    objects.roles.map((r) => [r.role, r.replaces, r.metadata.signed.version]),
  );
  for (let i = 0; i < objects.roles.length; i++) {
    const a = objects.roles[i]!.metadata.payload();
    const b = bytes.roles[i]!.metadata.payload();
    if (!a.equals(b)) expect(b.toString()).toBe(a.toString());
    // The spliced version's delegations, made into objects when looked at, are the rebuild's.
    const d = bytes.roles[i]!.metadata.signed.delegations!;
    const name = d.roles?.at(-1)?.name;
    if (name !== undefined)
      expect(d.roleKeys(name)).toEqual(objects.roles[i]!.metadata.signed.delegations!.roleKeys(name));
    expect(d.toJSON()).toEqual(objects.roles[i]!.metadata.signed.delegations!.toJSON());
  }
}

describe('a claimed bin rebuilt from its bytes is the object rebuild, byte for byte', () => {
  for (const [bitLength, patterns] of [
    [3, ['{project}']],
    [2, ['{project}', 'simple/{project}/index.html']],
    [1, ['{project}']],
    [0, ['{project}/*']],
    [0, ['{project}', 'simple/{project}/index.html']],
  ] as const) {
    const flat = bitLength === 0;
    it(`random batches ${flat ? 'in a flat claimed' : `at 2^${bitLength} bins`}, paths ${patterns.join(' ')}`, () => {
      const s = setup(bitLength, [...patterns]);
      const keyPool: Key[] = Array.from({ length: 24 }, (_, i) =>
        i % 5 === 0
          ? new Key('ed25519', 'ed25519', { public: hex(s.rnd) }, { 'x-ceremony-owner': `dev-${i}` })
          : new Key('ed25519', 'ed25519', { public: hex(s.rnd) }),
      );
      const pick = () => keyPool[Math.floor(s.rnd() * keyPool.length)]!;
      const delegation = (name: string): ProjectDelegation => {
        const two = s.rnd() < 0.25;
        const keys = two ? [...new Set([pick(), pick()])] : [pick()];
        return {
          name,
          keys,
          threshold: keys.length === 2 && s.rnd() < 0.5 ? 2 : 1,
          paths: patterns.map((p) => p.replaceAll('{project}', name)),
        };
      };
      let claimed = new Set<string>();
      let serial = 0;
      let spliced = 0;
      let emptied = 0;
      for (let round = 0; round < 40; round++) {
        const at = new Date(now.getTime() + round * 3600_000);
        const changes: ProjectChanges = new Map();
        const names = [...claimed];
        // Some rounds remove every project, so that bins become empty (and later fill again).
        const removeShare = round % 9 === 8 ? 1 : 0.1;
        for (const name of names) {
          const r = s.rnd();
          if (r < removeShare) changes.set(name, null);
          else if (r < removeShare + 0.1) changes.set(name, delegation(name));
        }
        // Re-adding a removed project, a project unknown to claimed removed (nothing to do).
        const adds = removeShare === 1 ? 0 : Math.floor(s.rnd() * 12);
        for (let i = 0; i < adds; i++) {
          const name = `p-${serial++}`;
          changes.set(name, delegation(name));
        }
        changes.set(`never-claimed-${round}`, null);
        const { objects, bytes } = both(s, changes, at);
        expectSame(objects, bytes);
        for (const r of bytes.roles) if ((flat || r.role !== 'claimed') && r.metadata.frozen) spliced++;
        const binsBefore = readClaimedState(s.store, 'claimed').bins.size;
        for (const r of objects.roles) s.store.put(r.role, r.metadata);
        const after = readClaimedState(s.store, 'claimed');
        if (after.bins.size < binsBefore) emptied++;
        claimed = new Set(after.projects.keys());
        // The lookup finds what the full state holds, for claimed projects and others.
        const lookup = new ClaimedLookup(readClaimedState(s.store, 'claimed', { lazy: true, flat }), s.settings);
        for (const name of [...claimed, 'p-unknown']) {
          const full = after.projects.get(name);
          const found = lookup.get(name);
          expect(plain(found)).toEqual(plain(full));
        }
      }
      // The bytes path was the one taken (not the object rebuild it falls back to), and bins emptied.
      expect(spliced).toBeGreaterThan(flat ? 25 : 20);
      if (!flat) expect(emptied).toBeGreaterThan(0);
    });
  }

  it('bin entries of other shapes: kept when the rebuild would write them alike, else rebuilt from objects', () => {
    const s = setup(2, ['{project}']);
    const bins = new ClaimedBins(2, 'claimed-bins');
    const key = new Key('ed25519', 'ed25519', { public: hex(s.rnd) });
    const other = new Key('ed25519', 'ed25519', { public: hex(s.rnd) });
    const names = Array.from({ length: 24 }, (_, i) => `project-${i}`);
    const byBin = new Map<number, string[]>();
    for (const n of names) byBin.set(bins.binOfPath(n), [...(byBin.get(bins.binOfPath(n)) ?? []), n]);
    const used = [...byBin.keys()].sort();
    expect(used).toEqual([0, 1, 2, 3]);
    const authIds = s.auth.keys.map((k) => k.keyid);
    s.store.put(
      'claimed',
      new Metadata(
        new Targets({
          version: 2,
          expires: now,
          delegations: new Delegations(
            new Map(s.auth.keys.map((k) => [k.keyid, k])),
            used.map((b) => new DelegatedRole(bins.name(b), authIds, 2, false, undefined, bins.hashPrefixes(b))),
            undefined,
          ),
        }),
      ),
    );
    // Bin 0: an entry that is not terminating; bin 1: a custom member before "keyids"; bin 2: a
    // custom member after "threshold" (kept as is); bin 3: a key no entry uses (dropped).
    const odd = (b: number, n: string, j: number): DelegatedRole => {
      if (j > 0) return new DelegatedRole(n, [key.keyid], 1, true, [n], undefined);
      if (b === 0) return new DelegatedRole(n, [key.keyid], 1, false, [n], undefined);
      if (b === 1) return new DelegatedRole(n, [key.keyid], 1, true, [n], undefined, { 'a-note': 'first' });
      if (b === 2) return new DelegatedRole(n, [key.keyid], 1, true, [n], undefined, { 'x-note': 'last' });
      return new DelegatedRole(n, [key.keyid], 1, true, [n], undefined);
    };
    for (const b of used) {
      const keys = new Map([[key.keyid, key]]);
      if (b === 3) keys.set(other.keyid, other);
      const roles = byBin.get(b)!.map((n, j) => odd(b, n, j));
      s.store.put(
        bins.name(b),
        new Metadata(new Targets({ version: 1, expires: now, delegations: new Delegations(keys, roles, undefined) })),
      );
    }
    const changes: ProjectChanges = new Map();
    for (const b of used) {
      const n = `new-${b}`;
      changes.set(n, { name: n, keys: [key], threshold: 1, paths: [n] });
      changes.set(byBin.get(b)!.at(-1)!, null);
    }
    const { objects, bytes } = both(s, changes, now);
    expectSame(objects, bytes);
    // Spliced (read back, so frozen) where the shape allows it, rebuilt (mutable) where not.
    expect(bytes.roles.map((r) => [r.role, r.metadata.frozen])).toEqual(used.map((b) => [bins.name(b), b >= 2]));
    expect(bytes.roles.find((r) => r.role === bins.name(3))!.metadata.signed.delegations!.key(other.keyid)).toBe(
      undefined,
    );
  });

  it('a flat claimed role that still lists a bin is read whole, so that a project in the bin is found', () => {
    const s = setup(0, ['{project}']);
    const bins = new ClaimedBins(1, 'claimed-bins');
    const dev = new Key('ed25519', 'ed25519', { public: hex(s.rnd) });
    const authIds = s.auth.keys.map((k) => k.keyid);
    s.store.put(
      'claimed',
      new Metadata(
        new Targets({
          version: 2,
          expires: now,
          delegations: new Delegations(
            new Map(s.auth.keys.map((k) => [k.keyid, k])),
            [new DelegatedRole(bins.name(0), authIds, 2, false, undefined, bins.hashPrefixes(0))],
            undefined,
          ),
        }),
      ),
    );
    s.store.put(
      bins.name(0),
      new Metadata(
        new Targets({
          version: 1,
          expires: now,
          delegations: new Delegations(
            new Map([[dev.keyid, dev]]),
            [new DelegatedRole('numpy', [dev.keyid], 1, true, ['numpy'], undefined)],
            undefined,
          ),
        }),
      ),
    );
    const state = readClaimedState(s.store, 'claimed', { lazy: true, flat: true });
    expect(state.lazy).toBe(false);
    // Found, so a request with other keys is a re-key (refused without --allow-rekey), not a new claim.
    expect(new ClaimedLookup(state, s.settings).get('numpy')?.keys.map((k) => k.keyid)).toEqual([dev.keyid]);
  });

  for (const bitLength of [0, 1])
    it(`a change that changes nothing leaves the entry as it is (${bitLength ? 'in bins' : 'flat'})`, () => {
      const s = setup(bitLength, ['{project}', 'simple/{project}/']);
      const k = new Key('ed25519', 'ed25519', { public: hex(s.rnd) });
      const project = (name: string, paths: string[], unrecognized?: Record<string, string>) => ({
        name,
        keys: [k],
        threshold: 1,
        paths,
        unrecognized,
      });
      const first = both(
        s,
        new Map(
          ['alpha', 'gamma', 'delta', 'omega'].map((n) => [
            n,
            project(n, [n, `simple/${n}/`], n === 'alpha' ? { 'x-note': 'kept' } : undefined),
          ]),
        ),
        now,
      );
      for (const r of first.objects.roles) s.store.put(r.role, r.metadata);
      // alpha asked again with its paths in another order and no custom field; beta added.
      const changes: ProjectChanges = new Map([
        ['alpha', project('alpha', ['simple/alpha/', 'alpha'])],
        ['beta', project('beta', ['beta', 'simple/beta/'])],
      ]);
      const { objects, bytes } = both(s, changes, now);
      expectSame(objects, bytes);
      // From every project made (the way taken for roles of other shapes): the same.
      const eager = proposeClaimedChanges(
        s.store,
        readClaimedState(s.store, 'claimed'),
        changes,
        s.settings,
        s.auth,
        now,
      );
      expectSame(objects, eager);
      expect(bytes.change).toEqual({ added: ['beta'], rekeyed: [], removed: [] });
      for (const r of [...bytes.roles, ...eager.roles]) {
        const alpha = r.metadata.signed.delegations!.roleKeys('alpha');
        if (alpha)
          expect(alpha).toMatchObject({ paths: ['alpha', 'simple/alpha/'], unrecognized: { 'x-note': 'kept' } });
      }
    });

  it('flat claimed entries of other shapes: spliced only where the rebuild writes the same bytes', () => {
    const s = setup(0, ['{project}']);
    const key = () => new Key('ed25519', 'ed25519', { public: hex(s.rnd) });
    const [shared, own, misfiled, plainKey] = [key(), key(), key(), key()];
    // The same public key with a custom field: another key object, under another keyid.
    const owned = new Key('ed25519', 'ed25519', { public: plainKey.keyval['public'] }, { 'x-owner': 'dev' });
    const notItsKeyid = 'ab'.repeat(32);
    const project = (n: string, ids: string[], threshold = 1, terminating = true) =>
      new DelegatedRole(n, ids, threshold, terminating, [n], undefined);
    const flat = (keys: Map<string, Key>, roles: DelegatedRole[]) =>
      s.store.put(
        'claimed',
        new Metadata(
          new Targets({
            version: (s.store.currentVersion('claimed') ?? 0) + 1,
            expires: now,
            delegations: new Delegations(keys, roles, undefined),
          }),
        ),
      );
    const usual = () =>
      new Map([
        [shared.keyid, shared],
        [own.keyid, own],
        [plainKey.keyid, plainKey],
      ]);
    const usualRoles = () => [
      project('alpha', [shared.keyid, own.keyid]),
      project('beta', [shared.keyid]),
      project('gamma', [plainKey.keyid]),
    ];
    const run = (changes: ProjectChanges, spliced: boolean) => {
      const { objects, bytes } = both(s, changes, now);
      expectSame(objects, bytes);
      expect(bytes.roles.map((r) => r.metadata.frozen)).toEqual(objects.roles.map(() => spliced));
      return bytes;
    };

    // A key revoked from one project and still used by another stays, for the other only.
    flat(usual(), usualRoles());
    let r = run(new Map([['alpha', { name: 'alpha', keys: [own], threshold: 1, paths: ['alpha'] }]]), true);
    const d = r.roles[0]!.metadata.signed.delegations!;
    expect(d.roleKeys('alpha')).toMatchObject({ keyids: [own.keyid] });
    expect(d.key(shared.keyid)).toBeDefined();
    // A request whose key is the same public key with a custom field: its own keyid, spliced in.
    r = run(new Map([['delta', { name: 'delta', keys: [owned], threshold: 1, paths: ['delta'] }]]), true);
    expect(r.roles[0]!.metadata.signed.delegations!.key(owned.keyid)?.toJSON()).toEqual(owned.toJSON());

    // A key listed under a keyid that is not its own (TUF specification 1.0.x section 4.2): the
    // rebuild lists it under its own, so the role is rebuilt rather than spliced.
    flat(new Map([...usual(), [notItsKeyid, misfiled]]), [...usualRoles(), project('eps', [notItsKeyid])]);
    r = run(new Map([['zeta', { name: 'zeta', keys: [own], threshold: 1, paths: ['zeta'] }]]), false);
    expect(r.roles[0]!.metadata.signed.delegations!.roleKeys('eps')).toMatchObject({ keyids: [misfiled.keyid] });

    // An entry that is not terminating, in the middle: rebuilt (the rebuild writes it terminating).
    flat(usual(), [
      project('alpha', [own.keyid]),
      project('beta', [shared.keyid], 1, false),
      project('gamma', [own.keyid]),
    ]);
    run(new Map([['zeta', { name: 'zeta', keys: [own], threshold: 1, paths: ['zeta'] }]]), false);
    // A flat claimed that also lists a bin (a layout being changed): the rebuild drops the bin.
    s.store.put('claimed-bins-0', new Metadata(new Targets({ version: 1, expires: now })));
    const bin = new DelegatedRole('claimed-bins-0', [own.keyid], 1, true, undefined, ['0']);
    flat(usual(), [project('alpha', [own.keyid]), bin, project('gamma', [own.keyid])]);
    run(new Map([['zeta', { name: 'zeta', keys: [own], threshold: 1, paths: ['zeta'] }]]), false);
    run(new Map([['zeta', null]]), false);
    // Removing every project: the role is rebuilt, empty.
    flat(usual(), usualRoles());
    r = run(new Map(['alpha', 'beta', 'gamma'].map((n) => [n, null])), false);
    expect(r.roles[0]!.metadata.signed.delegations!.roles).toEqual([]);
    // Re-adding a removed project appends it, as the rebuild does.
    flat(usual(), usualRoles());
    s.store.put('claimed', run(new Map([['beta', null]]), true).roles[0]!.metadata);
    r = run(new Map([['beta', { name: 'beta', keys: [own], threshold: 1, paths: ['beta'] }]]), true);
    expect([...r.roles[0]!.metadata.signed.delegations!.roleNames()]).toEqual(['alpha', 'gamma', 'beta']);
  });
});
