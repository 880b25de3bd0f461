/**
 * Metadata read from bytes is read-only, everything under `signed` included; a change is made on a
 * copy (Metadata#edit) whose payload is made from its content each time it is asked for
 * (docs/decisions/0005-payload-from-canonical-bytes.md, "What is cached when"). Signatures stay
 * mutable: signing adds to them.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import type { JsonObject } from '../../../src/tuf/model/fields.js';
import { Key } from '../../../src/tuf/model/key.js';
import {
  Metadata,
  MetaFile,
  TargetFile,
  type Root,
  type Snapshot,
  type Targets,
  type Timestamp,
} from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, Role, SuccinctRoles } from '../../../src/tuf/model/roles.js';
import { makeRoot, seededSigner } from '../../helpers/software-repo.js';

const EXPIRES = '2030-01-01T00:00:00Z';
const keyJSON = (hex: string): JsonObject => ({
  keytype: 'ed25519',
  scheme: 'ed25519',
  keyval: { public: hex },
  'x-key': ['custom'],
});
const K1 = keyJSON('11'.repeat(32));
const K2 = keyJSON('22'.repeat(32));
const id = (k: JsonObject): string => Key.fromJSON(k).keyid;
const HASH = { sha256: 'ab'.repeat(32) };
const common = (type: string) => ({
  _type: type,
  spec_version: '1.0.31',
  version: 3,
  expires: EXPIRES,
  'x-custom': { list: [1, 2], nested: { a: 'b' } },
});

const targetsWithRoles = (): JsonObject => ({
  ...common('targets'),
  targets: { 'file.txt': { length: 5, hashes: { ...HASH }, 'x-file': [1] } },
  delegations: {
    keys: { [id(K1)]: K1, [id(K2)]: K2 },
    roles: [
      { name: 'alpha', keyids: [id(K1)], threshold: 1, terminating: true, paths: ['alpha/*'], 'x-role': { a: 1 } },
      { name: 'beta', keyids: [id(K1), id(K2)], threshold: 2, terminating: false, path_hash_prefixes: ['ab'] },
    ],
    'x-delegations': [1],
  },
});
const targetsWithSuccinct = (): JsonObject => ({
  ...common('targets'),
  targets: {},
  delegations: {
    keys: { [id(K1)]: K1 },
    succinct_roles: { keyids: [id(K1)], threshold: 1, bit_length: 4, name_prefix: 'bins', 'x-succinct': 1 },
  },
});
const snapshotJSON = (): JsonObject => ({
  ...common('snapshot'),
  meta: {
    'targets.json': { version: 2, length: 10, hashes: { ...HASH }, 'x-meta': [1] },
    'claimed.json': { version: 1 },
  },
});
const timestampJSON = (): JsonObject => ({
  ...common('timestamp'),
  meta: { 'snapshot.json': { version: 3, length: 10, hashes: { ...HASH } } },
});

/** A canonical file (compact delegations stay bytes) or a pretty-printed one (objects at once). */
function read<T extends Root | Targets | Snapshot | Timestamp>(signed: JsonObject, pretty: boolean): Metadata<T> {
  const envelope = { signed, signatures: [], 'x-envelope': { a: [1] } };
  const bytes = pretty ? Buffer.from(JSON.stringify(envelope, null, 2)) : serializeJson(envelope);
  return Metadata.fromBytes<T>(bytes, 'm.json');
}

type Attempt = [string, () => unknown];

function commonAttempts(s: Root | Targets | Snapshot | Timestamp): Attempt[] {
  const custom = s.unrecognized['x-custom'] as { list: number[]; nested: JsonObject };
  return [
    ['version', () => (s.version = 4)],
    ['expires', () => (s.expires = new Date())],
    ['expires.setTime', () => s.expires.setTime(0)],
    ['expires.setUTCFullYear', () => s.expires.setUTCFullYear(2000)],
    ['spec_version', () => (s.specVersion = '1.0.0')],
    ['unrecognized', () => (s.unrecognized = {})],
    ['an unrecognized field added', () => (s.unrecognized['x-new'] = 1)],
    ['an unrecognized field deleted', () => delete s.unrecognized['x-custom']],
    ['inside an unrecognized array', () => custom.list.push(3)],
    ['inside an unrecognized object', () => (custom.nested['a'] = 'c')],
    ['a new property', () => ((s as unknown as JsonObject)['other'] = 1)],
  ];
}

function keyAttempts(key: Key): Attempt[] {
  return [
    ['key keyval', () => (key.keyval['public'] = '33'.repeat(32))],
    ['key keytype', () => ((key as unknown as JsonObject)['keytype'] = 'rsa')],
    ['key custom field', () => ((key.unrecognized['x-key'] as string[])[0] = 'other')],
  ];
}

function mapAttempts<V>(what: string, map: Map<string, V>, value: V): Attempt[] {
  return [
    [`${what} set`, () => map.set('new', value)],
    [`${what} delete`, () => map.delete([...map.keys()][0]!)],
    [`${what} clear`, () => map.clear()],
  ];
}

function delegatedRoleAttempts(role: DelegatedRole): Attempt[] {
  const w = role as unknown as JsonObject;
  return [
    ['role name', () => (w['name'] = 'other')],
    ['role keyids', () => (role.keyids as string[]).push('ff')],
    ['role threshold', () => (w['threshold'] = 9)],
    ['role terminating', () => (w['terminating'] = !role.terminating)],
    ['role paths or prefixes', () => ((role.paths ?? role.pathHashPrefixes) as string[]).push('x')],
    ['role custom field', () => (role.unrecognized['x-role'] = 2)],
  ];
}

/** Every attempt throws, and neither the payload nor the file form moved. */
function expectReadOnly(md: Metadata, attempts: Attempt[]): void {
  const payload = Buffer.from(md.payload());
  const file = md.toBytes();
  expect(md.frozen).toBe(true);
  for (const [what, attempt] of attempts) expect(attempt, what).toThrow(TypeError);
  expect(md.payload().equals(payload)).toBe(true);
  expect(md.toBytes().equals(file)).toBe(true);
  expect(md.payload().equals(canonicalize(md.signed.toJSON()))).toBe(true);
}

describe('metadata read from bytes is read-only', () => {
  for (const pretty of [false, true]) {
    const form = pretty ? 'pretty-printed' : 'canonical';

    it(`root (${form}): every field refuses a change, and the payload stays`, async () => {
      const a = seededSigner(1);
      const built = makeRoot([a, seededSigner(2)], 2, { targets: a, online: seededSigner(3) });
      built.signed.unrecognized = { 'x-custom': { list: [1, 2], nested: { a: 'b' } } };
      const md = read<Root>(built.signed.toJSON(), pretty);
      const s = md.signed;
      const key = [...s.keys.values()][0]!;
      expectReadOnly(md, [
        ...commonAttempts(s),
        ...mapAttempts('keys', s.keys, key),
        ...keyAttempts(Key.fromJSON(K1)).slice(0, 2),
        ...keyAttempts(key).slice(0, 2),
        ['keys replaced', () => (s.keys = new Map())],
        ['roles entry', () => (s.roles.root = new Role(['ff'], 1))],
        ['role keyids', () => (s.roles.root.keyids as string[]).push('ff')],
        ['role threshold', () => ((s.roles.root as unknown as JsonObject)['threshold'] = 9)],
        ['consistent_snapshot', () => (s.consistentSnapshot = false)],
        ['addKey', () => s.addKey('targets', Key.fromJSON(K2))],
        ['revokeKey', () => s.revokeKey('root', s.roles.root.keyids[0]!)],
        ['signed replaced', () => ((md as unknown as JsonObject)['signed'] = s)],
        ['envelope custom field', () => (md.unrecognized['x-envelope'] = 1)],
      ]);
    });

    it(`targets with delegated roles (${form}): every field refuses a change, and the payload stays`, () => {
      const md = read<Targets>(targetsWithRoles(), pretty);
      const s = md.signed;
      // Compact delegations become objects here, and are frozen as they are made.
      const d = s.delegations!;
      const file = s.targets.get('file.txt')!;
      expectReadOnly(md, [
        ...commonAttempts(s),
        ...mapAttempts('targets', s.targets, file),
        ['target length', () => ((file as unknown as JsonObject)['length'] = 6)],
        ['target hashes', () => ((file.hashes as Record<string, string>)['sha256'] = 'cd'.repeat(32))],
        ['target custom field', () => ((file.unrecognized['x-file'] as number[])[0] = 2)],
        ['delegations replaced', () => (s.delegations = undefined)],
        ...mapAttempts('delegations keys', d.keys, Key.fromJSON(K2)),
        ...keyAttempts(d.keys.get(id(K1))!),
        ['roles push', () => d.roles!.push(d.roles![0]!)],
        ['roles entry', () => (d.roles![0] = d.roles![1]!)],
        ['roles splice', () => d.roles!.splice(0, 1)],
        ...delegatedRoleAttempts(d.roles![0]!),
        ...delegatedRoleAttempts(d.roles![1]!),
        ['delegations custom field', () => ((d.unrecognized['x-delegations'] as number[])[0] = 2)],
        ['delegations succinct_roles', () => ((d as unknown as JsonObject)['succinctRoles'] = undefined)],
        ['delegations keys replaced', () => ((d as unknown as JsonObject)['keys'] = new Map())],
      ]);
    });

    it(`targets with succinct_roles (${form}): every field refuses a change, and the payload stays`, () => {
      const md = read<Targets>(targetsWithSuccinct(), pretty);
      const sr = md.signed.delegations!.succinctRoles!;
      const w = sr as unknown as JsonObject;
      expectReadOnly(md, [
        ...commonAttempts(md.signed),
        ['succinct keyids', () => (sr.keyids as string[]).push('ff')],
        ['succinct threshold', () => (w['threshold'] = 2)],
        ['succinct bit_length', () => (w['bitLength'] = 5)],
        ['succinct name_prefix', () => (w['namePrefix'] = 'other')],
        ['succinct custom field', () => (sr.unrecognized['x-succinct'] = 2)],
      ]);
    });

    it(`snapshot (${form}): every field refuses a change, and the payload stays`, () => {
      const md = read<Snapshot>(snapshotJSON(), pretty);
      const s = md.signed;
      const entry = s.meta.get('targets.json')!;
      const w = entry as unknown as JsonObject;
      expectReadOnly(md, [
        ...commonAttempts(s),
        ...mapAttempts('meta', s.meta, entry),
        ['meta replaced', () => (s.meta = new Map())],
        ['meta version', () => (w['version'] = 9)],
        ['meta length', () => (w['length'] = 9)],
        ['meta hashes', () => ((entry.hashes as Record<string, string>)['sha512'] = 'cd')],
        ['meta custom field', () => ((entry.unrecognized['x-meta'] as number[]).length = 0)],
      ]);
    });

    it(`timestamp (${form}): every field refuses a change, and the payload stays`, () => {
      const md = read<Timestamp>(timestampJSON(), pretty);
      const s = md.signed;
      expectReadOnly(md, [
        ...commonAttempts(s),
        ['snapshot meta replaced', () => (s.snapshotMeta = new MetaFile(4))],
        ['snapshot meta version', () => ((s.snapshotMeta as unknown as JsonObject)['version'] = 4)],
        ['snapshot meta hashes', () => ((s.snapshotMeta.hashes as Record<string, string>)['sha256'] = 'cd'.repeat(32))],
      ]);
    });
  }

  it('signatures stay mutable: signing adds to them', () => {
    const md = read<Timestamp>(timestampJSON(), false);
    md.signatures.set('aa', { keyid: 'aa', sig: 'bb' });
    expect(md.toBytes().toString()).toContain('"signatures":[{"keyid":"aa","sig":"bb"}]');
  });

  it("fromJSON gives read-only metadata too, without freezing the caller's objects", () => {
    const json = { signed: snapshotJSON(), signatures: [] };
    const md = Metadata.fromJSON<Snapshot>(json);
    expect(() => (md.signed.version = 9)).toThrow(TypeError);
    const custom = (json.signed['x-custom'] as { list: number[] }).list;
    custom.push(3);
    expect(md.signed.unrecognized['x-custom']).toEqual({ list: [1, 2], nested: { a: 'b' } });
  });
});

/** The payload and the file form are exactly those of the model as it is now. */
function expectCurrent(md: Metadata, what: string): void {
  expect(md.frozen, what).toBe(false);
  expect(md.payload().equals(canonicalize(md.signed.toJSON())), `payload ${what}`).toBe(true);
  expect(md.toBytes().equals(serializeJson(md.toJSON())), `file form ${what}`).toBe(true);
}

/**
 * Apply each change in turn, asking for the payload and the file form in between, in both
 * orders: each change must show, none may be left out.
 */
function expectEveryChangeSigned(md: Metadata, changes: Array<[string, () => void]>): void {
  let previous = Buffer.from(md.payload());
  changes.forEach(([what, change], i) => {
    if (i % 2 === 0) md.toBytes();
    change();
    if (i % 2 === 1) expect(md.toBytes().equals(serializeJson(md.toJSON())), what).toBe(true);
    const now = md.payload();
    expect(now.equals(previous), `${what} shows in the payload`).toBe(false);
    expectCurrent(md, `after ${what}`);
    previous = Buffer.from(now);
  });
}

const mutableCommon = (s: Root | Targets | Snapshot | Timestamp): Array<[string, () => void]> => [
  ['version', () => (s.version += 1)],
  ['expires', () => (s.expires = new Date('2031-02-03T04:05:06Z'))],
  ['expires.setTime', () => s.expires.setTime(Date.parse('2032-01-01T00:00:00Z'))],
  ['spec_version', () => (s.specVersion = '1.0.30')],
  ['an unrecognized field', () => (s.unrecognized['x-new'] = 1)],
  ['inside an unrecognized array', () => (s.unrecognized['x-custom'] as { list: number[] }).list.push(3)],
];

describe('an edited copy is mutable, and what it signs is what it holds', () => {
  for (const pretty of [false, true]) {
    const form = pretty ? 'pretty-printed' : 'canonical';

    it(`root (${form})`, () => {
      const a = seededSigner(1);
      const built = makeRoot([a, seededSigner(2)], 2, { targets: a, online: seededSigner(3) });
      built.signed.unrecognized = { 'x-custom': { list: [1, 2] } };
      const original = Metadata.fromBytes<Root>(
        serializeJson({ signed: built.signed.toJSON(), signatures: [] }),
        'root.json',
      );
      const readPayload = Buffer.from(original.payload());
      const md = original.edit();
      expect(md.signatures.size).toBe(0);
      const s = md.signed;
      const k = Key.fromJSON(K2);
      expectEveryChangeSigned(md, [
        ...mutableCommon(s),
        ['keys set', () => s.keys.set(k.keyid, k)],
        ['roles entry', () => (s.roles.snapshot = new Role([k.keyid], 1))],
        ['addKey', () => s.addKey('targets', k)],
        ['revokeKey', () => s.revokeKey('root', s.roles.root.keyids[0]!)],
        ['threshold', () => (s.roles.root = new Role(s.roles.root.keyids, 1))],
        ['consistent_snapshot', () => (s.consistentSnapshot = false)],
      ]);
      // The role read is as it was.
      expect(original.payload().equals(readPayload)).toBe(true);
    });

    it(`targets with delegated roles (${form})`, () => {
      const original = read<Targets>(targetsWithRoles(), pretty);
      const md = original.edit();
      const s = md.signed;
      const d = s.delegations!;
      const k = Key.fromJSON(keyJSON('44'.repeat(32)));
      const role = (name: string, threshold = 1, terminating = true, paths = [`${name}/*`]) =>
        new DelegatedRole(name, [k.keyid], threshold, terminating, paths, undefined);
      expectEveryChangeSigned(md, [
        ...mutableCommon(s),
        ['targets set', () => s.targets.set('new.txt', new TargetFile(1, { ...HASH }))],
        ['target hashes', () => s.targets.set('file.txt', new TargetFile(5, { sha256: 'cd'.repeat(32) }))],
        ['targets delete', () => s.targets.delete('new.txt')],
        ['delegations keys set', () => d.keys.set(k.keyid, k)],
        ['roles push', () => d.roles!.push(role('gamma'))],
        ['role threshold', () => (d.roles![2] = role('gamma', 2))],
        ['role terminating', () => (d.roles![2] = role('gamma', 2, false))],
        ['role paths', () => (d.roles![2] = role('gamma', 2, false, ['other/*']))],
        ['roles splice', () => d.roles!.splice(0, 1)],
        ['delegations custom field', () => (d.unrecognized['x-delegations'] as number[]).push(2)],
        [
          'delegations replaced',
          () =>
            (s.delegations = new Delegations(
              new Map([[k.keyid, k]]),
              undefined,
              new SuccinctRoles([k.keyid], 1, 3, 'bins'),
            )),
        ],
        ['delegations removed', () => (s.delegations = undefined)],
      ]);
      expect(original.signed.delegations!.roles).toHaveLength(2);
    });

    it(`snapshot and timestamp (${form})`, () => {
      const snap = read<Snapshot>(snapshotJSON(), pretty).edit();
      expectEveryChangeSigned(snap, [
        ...mutableCommon(snap.signed),
        ['meta set', () => snap.signed.meta.set('new.json', new MetaFile(1))],
        ['meta hashes', () => snap.signed.meta.set('targets.json', new MetaFile(2, 10, { sha256: 'cd'.repeat(32) }))],
        ['meta delete', () => snap.signed.meta.delete('claimed.json')],
      ]);
      const ts = read<Timestamp>(timestampJSON(), pretty).edit();
      expectEveryChangeSigned(ts, [
        ...mutableCommon(ts.signed),
        ['snapshot meta', () => (ts.signed.snapshotMeta = new MetaFile(4))],
      ]);
    });
  }

  it('edit applies the change to the copy only, and drops the signatures', async () => {
    const a = seededSigner(1);
    const md = makeRoot([a], 1, { targets: a, online: seededSigner(3) });
    await md.sign(a, 'append');
    const next = md.edit((s) => (s.version = 2));
    expect(md.signed.version).toBe(1);
    expect(next.signed.version).toBe(2);
    expect(next.signatures.size).toBe(0);
    expectCurrent(next, 'after edit');
  });

  it('signing freezes: a signature covers the content as it is', async () => {
    const a = seededSigner(1);
    const md = makeRoot([a], 1, { targets: a, online: seededSigner(3) });
    md.signed.version = 2;
    expectCurrent(md, 'before signing');
    await md.sign(a, 'append');
    expect(md.frozen).toBe(true);
    expect(() => (md.signed.version = 3)).toThrow(TypeError);
    expect(() => md.signed.keys.clear()).toThrow(TypeError);
    expect(a.key.verify(md.payload(), Buffer.from(md.signatures.get(a.key.keyid)!.sig, 'hex'))).toBe(true);
  });

  it('freeze() makes built metadata read-only; its payload is then kept', () => {
    const a = seededSigner(1);
    const md = makeRoot([a], 1, { targets: a, online: seededSigner(3) });
    md.freeze();
    expect(md.payload()).toBe(md.payload());
    expect(() => (md.signed.consistentSnapshot = false)).toThrow(TypeError);
  });

  it('an edited copy of compact delegations stays compact until used, and writes the same bytes', () => {
    const md = read<Targets>(targetsWithRoles(), false).edit((s) => (s.version = 4));
    const compact = (d: Delegations) => (d as unknown as { state: { compact?: unknown } }).state.compact !== undefined;
    expect(compact(md.signed.delegations!)).toBe(true);
    expectCurrent(md, 'after the version bump');
    expect(md.payload().equals(canonicalize({ ...targetsWithRoles(), version: 4 }))).toBe(true);
  });
});

describe('delegation lookups follow the roles', () => {
  it('roleKeys sees a role pushed onto a mutable delegations, and a role replaced', () => {
    const md = read<Targets>(targetsWithRoles(), false).edit();
    const d = md.signed.delegations!;
    expect(d.roleKeys('alpha')?.threshold).toBe(1);
    expect(d.roleKeys('gamma')).toBeUndefined();
    d.roles!.push(new DelegatedRole('gamma', [id(K1)], 1, true, ['gamma/*'], undefined));
    expect(d.roleKeys('gamma')?.keyids).toEqual([id(K1)]);
    d.roles![0] = new DelegatedRole('alpha', [id(K1)], 5, true, ['alpha/*'], undefined);
    expect(d.roleKeys('alpha')?.threshold).toBe(5);
    d.roles!.splice(0, 1);
    expect(d.roleKeys('alpha')).toBeUndefined();
  });

  it('a read-only delegations is indexed once, its roles unable to change', () => {
    const d = read<Targets>(targetsWithRoles(), false).signed.delegations!;
    expect(d.frozen).toBe(true);
    expect(d.roleKeys('beta')?.threshold).toBe(2);
    expect(() => d.roles!.push(d.roles![0]!)).toThrow(TypeError);
    expect(d.roleKeys('nobody')).toBeUndefined();
  });
});
