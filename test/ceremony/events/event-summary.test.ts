/**
 * What `event show` says changes, on the PEP 480 vector repository made by python-tuf: projects
 * added, removed and re-keyed in claimed; root keys added and removed with their holders; a
 * re-sign recognized as "no content change".
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedDifferences, unexplainedDifferences } from '../../../src/ceremony/events/event-diff.js';
import {
  diffDelegations,
  renderSummary,
  summarizeRole,
  type EventSummary,
  type KeyRef,
  type RoleSummary,
} from '../../../src/ceremony/events/event-summary.js';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { Metadata, Root, Targets } from '../../../src/tuf/model/metadata.js';
import { contentSha256, sameContent } from '../../../src/tuf/model/role-content.js';
import { DelegatedRole, Role } from '../../../src/tuf/model/roles.js';

const vectors = resolve(import.meta.dirname, '..', '..', 'vectors', 'pep480-repo');
const load = <T extends Root | Targets>(file: string) => Metadata.fromBytes<T>(readFileSync(join(vectors, file)), file);

describe('event summary', () => {
  it('names projects added, removed and re-keyed in claimed', () => {
    const before = load<Targets>('1.claimed.json').signed;
    const after = load<Targets>('1.claimed.json').edit().signed;
    const d = after.delegations!;
    const requests = d.roles!.find((r) => r.name === 'requests')!;
    const numpyKeys = d.roles!.find((r) => r.name === 'numpy')!.keyids;
    const django = new DelegatedRole('django', [numpyKeys[1]!], 1, true, ['django'], undefined);
    const rekeyed = new DelegatedRole('requests', [numpyKeys[1]!], 1, true, requests.paths, undefined);
    d.roles!.splice(0, d.roles!.length, rekeyed, django);
    const diff = diffDelegations(before, after)!;
    expect(diff.added.map((x) => x.name)).toEqual(['django']);
    expect(diff.removed.map((x) => x.name)).toEqual(['numpy']);
    expect(
      diff.rekeyed.map((x) => [
        x.name,
        x.from.keys.map((k) => k.keyid.slice(0, 8)),
        x.to.keys.map((k) => k.keyid.slice(0, 8)),
      ]),
    ).toEqual([['requests', ['14909e51'], ['50209647']]]);
    expect(diff.changed).toEqual([]);
  });

  it('a path change with the same keys is "changed", not "re-keyed"', () => {
    const before = load<Targets>('1.claimed.json').signed;
    const after = load<Targets>('1.claimed.json').edit().signed;
    const r = after.delegations!.roles!;
    const numpy = r[1]!;
    r[1] = new DelegatedRole(
      numpy.name,
      numpy.keyids,
      numpy.threshold,
      numpy.terminating,
      ['numpy', 'numpy/*'],
      undefined,
    );
    const diff = diffDelegations(before, after)!;
    expect(diff.rekeyed).toEqual([]);
    expect(diff.changed.map((x) => [x.name, x.to.paths])).toEqual([['numpy', ['numpy', 'numpy/*']]]);
  });

  it('a re-sign differs only in version and expiry; any other change is content', () => {
    const v1 = load<Root>('1.root.json');
    const bumped = v1.edit();
    bumped.signed.version = 2;
    bumped.signed.expires = new Date(Date.UTC(2051, 0, 1));
    expect(sameContent(bumped, v1)).toBe(true);
    expect(contentSha256(bumped)).toBe(contentSha256(v1));
    bumped.signed.roles.root = new Role(bumped.signed.roles.root.keyids, 3);
    expect(sameContent(bumped, v1)).toBe(false);
    expect(contentSha256(bumped)).not.toBe(contentSha256(v1));
  });
});

describe('every difference (event-diff.ts)', () => {
  const edited = (file: string, edit: (signed: any) => void) => {
    const json = JSON.parse(readFileSync(join(vectors, file), 'utf8'));
    edit(json.signed);
    return Metadata.fromBytes(Buffer.from(JSON.stringify(json)), file).signed;
  };

  it('recently-claimed moved ahead of claimed is an order change, not a rewrite', () => {
    const before = load<Targets>('1.targets.json').signed;
    const after = edited('1.targets.json', (s) => s.delegations.roles.reverse());
    const d = signedDifferences(before, after);
    expect(d.fields).toEqual([]);
    expect(d.order).toEqual({
      from: 0,
      before: ['claimed', 'recently-claimed', 'unclaimed'],
      after: ['unclaimed', 'recently-claimed', 'claimed'],
    });
  });

  it('custom fields at any depth, spec_version and terminating are listed; keys and paths are left to the summary lines', () => {
    const before = load<Targets>('1.targets.json').signed;
    const after = edited('1.targets.json', (s) => {
      s.spec_version = '1.0.99';
      s.delegations.roles[0]['x-custom'] = { deep: ['value'] };
      s.delegations.roles[1].terminating = !s.delegations.roles[1].terminating;
      s['x-top'] = 1;
    });
    const d = signedDifferences(before, after);
    expect(d.fields.map((f) => f.path).sort()).toEqual([
      'delegations.roles[name=claimed].x-custom',
      'delegations.roles[name=recently-claimed].terminating',
      'spec_version',
      'x-top',
    ]);
    expect(
      unexplainedDifferences(d.fields, { type: 'targets', keyids: new Set() })
        .map((f) => f.path)
        .sort(),
    ).toEqual(['delegations.roles[name=claimed].x-custom', 'spec_version', 'x-top']);
    expect(d.fields.find((f) => f.path === 'spec_version')).toEqual({
      path: 'spec_version',
      from: '"1.0.31"',
      to: '"1.0.99"',
    });
  });

  it('consistent_snapshot and a custom field in a root role are found', () => {
    const before = load<Root>('1.root.json').signed;
    const after = edited('1.root.json', (s) => {
      s.consistent_snapshot = !s.consistent_snapshot;
      s.roles.timestamp['x-note'] = 'hi';
    });
    const paths = signedDifferences(before, after).fields.map((f) => f.path);
    expect(paths).toEqual(['consistent_snapshot', 'roles.timestamp.x-note']);
  });
});

describe('the summary on a 50-line screen', () => {
  const key = (i: number): KeyRef => ({ keyid: i.toString(16).padStart(64, '0'), keytype: 'ed25519' });
  const bin = (i: number, projects = 10): RoleSummary => ({
    role: `claimed-${i.toString(16).padStart(3, '0')}`,
    version: 8,
    replaces: 7,
    file: `8.claimed-${i}.json`,
    expires: '2027-03-01T00:00:00Z',
    previousExpires: '2026-12-01T00:00:00Z',
    payloadSha256: 'ab'.repeat(32),
    payloadWords: [],
    contentUnchanged: false,
    signers: [
      {
        label: `claimed v8 → claimed-${i}`,
        threshold: 2,
        keys: [1, 2, 3].map((h) => ({ ...key(h), holder: `admin-${h}` })),
      },
    ],
    keysAdded: [],
    keysRemoved: [],
    thresholds: [],
    other: [],
    differences: [],
    delegations: {
      added: Array.from({ length: projects }, (_, j) => ({
        name: `project-${i}-${j}`,
        threshold: 1,
        keys: [key(i * 10 + j)],
        paths: [`project-${i}-${j}/*`],
        terminating: true,
      })),
      removed: [],
      rekeyed:
        i === 700
          ? [
              {
                name: 'numpy',
                from: { name: 'numpy', threshold: 1, keys: [key(1)], terminating: true },
                to: { name: 'numpy', threshold: 1, keys: [key(2)], terminating: true },
              },
            ]
          : [],
      changed: [],
    },
  });
  const event = (roles: RoleSummary[]): EventSummary => ({
    eventId: 'e',
    eventDigest: 'cd'.repeat(32),
    kind: 'claim',
    description: 'claimed v8: 10,240 projects added',
    repository: 'pypi',
    created: '2026-12-01T00:00:00Z',
    roles,
  });

  it('1,024 changed bins are taken together, the re-keyed project still named', () => {
    const text = renderSummary(event(Array.from({ length: 1024 }, (_, i) => bin(i))), { digests: false, maxLines: 34 });
    const lines = text.split('\n');
    expect(lines.length).toBeLessThanOrEqual(34);
    expect(text).toContain('1024 roles: claimed-000 v8');
    expect(text).toContain('delegations added (10240):');
    expect(text).toContain('delegations RE-KEYED (keys or threshold replaced) (1):');
    expect(text).toContain('claimed-2bc: ! numpy: 1 of key ed25519');
    expect(text).toContain('every role: to be signed by 2 of admin-1, admin-2, admin-3');
    expect(text).toContain('event show --all lists them');
  });

  it('in a pipe or a file, thousands of roles are taken together too; --all gives each role its lines', () => {
    const many = event(Array.from({ length: 7463 }, (_, i) => bin(i, 2)));
    const piped = renderSummary(many, { digests: false });
    expect(piped.split('\n').length).toBeLessThan(200);
    expect(piped).toContain('7463 roles: claimed-000 v8');
    expect(piped).toContain('delegations added (14926):');
    expect(piped).toContain('claimed-2bc: ! numpy: 1 of key ed25519');
    const all = renderSummary(many, { digests: false, everyRole: true });
    expect(all.split('\n').length).toBeGreaterThan(7463 * 4);
    expect(all).toContain('  claimed-1d26 version 8 (replaces version 7)');
  });

  it('a few roles stay role by role, and without a budget every list is cut at its limit only', () => {
    const small = event([bin(1, 30), bin(2, 30)]);
    const fitted = renderSummary(small, { digests: false, maxLines: 34 });
    expect(fitted.split('\n').length).toBeLessThanOrEqual(34);
    expect(fitted).toContain('  claimed-001 version 8 (replaces version 7)');
    expect(fitted).toContain('… and 20 more (event show --all lists them)');
    expect(renderSummary(small, { digests: false }).split('\n').length).toBeGreaterThan(34);
  });
});

describe('root: a change named like a line the summary shows is a line of its own', () => {
  const edited = (edit: (signed: any) => void) => {
    const json = JSON.parse(readFileSync(join(vectors, '1.root.json'), 'utf8'));
    edit(json.signed);
    json.signed.version = 2;
    return Metadata.fromBytes<Root>(Buffer.from(JSON.stringify(json)), '2.root.json');
  };
  const other = (next: Metadata<Root>): string[] => {
    const previous = load<Root>('1.root.json');
    const s = summarizeRole({
      role: 'root',
      file: '2.root.json',
      version: 2,
      replaces: 1,
      metadata: next,
      payloadSha256: sha256Hex(next.payload()),
      previous,
      thresholds: [],
    });
    const lines = renderSummary({
      eventId: 'e',
      eventDigest: 'cd'.repeat(32),
      kind: 'rotate',
      description: 'root v2',
      repository: 'pypi',
      created: '2031-06-01T00:00:00Z',
      roles: [s],
    }).split('\n');
    const at = lines.indexOf('    other fields changed (1):');
    return at < 0 ? [] : [lines[at + 1]!.trim()];
  };

  it('a key no role uses, a custom field of a role named like its keyids, a field named like a targets one', () => {
    const unused = { keytype: 'ed25519', keyval: { public: 'ab'.repeat(32) }, scheme: 'ed25519' };
    expect(other(edited((s) => (s.keys['cd'.repeat(32)] = unused)))[0]).toMatch(
      `+ keys.${'cd'.repeat(32)}: {"keytype":"ed25519"`,
    );
    expect(other(edited((s) => (s.roles.root['keyids[0]'] = 'x')))).toEqual(['+ roles.root["keyids[0]"]: "x"']);
    expect(other(edited((s) => (s.targets = { file: 1 })))).toEqual(['+ targets: {"file":1}']);
    // A root key added for a role is on its own line ("keys added"), not repeated here; listed
    // under a keyid that is not its own, it is, with the key.
    const key = { keytype: 'ed25519', keyval: { public: 'ef'.repeat(32) }, scheme: 'ed25519' };
    const withKey = (keyid: string) =>
      other(
        edited((s) => {
          s.keys[keyid] = key;
          s.roles.timestamp.keyids.push(keyid);
        }),
      );
    expect(withKey(sha256Hex(canonicalize(key)))).toEqual([]);
    expect(withKey('01'.repeat(32))[0]).toMatch(`+ keys.${'01'.repeat(32)}: {"keytype":"ed25519"`);
  });
});
