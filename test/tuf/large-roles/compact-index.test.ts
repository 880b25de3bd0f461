/**
 * Lookups into compact delegations answer exactly what the objects made from the same bytes
 * answer, for every role and key, and fall back where the entries are not of the usual shape.
 */
import { describe, expect, it } from 'vitest';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, Targets } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../../src/tuf/model/roles.js';
import { FAR, seededSigner } from '../../helpers/software-repo.js';

function roleOf(delegations: Delegations): Buffer {
  return new Metadata(new Targets({ version: 1, expires: FAR, delegations })).toBytes();
}

/** Two reads of the same bytes: one asked through the index first, one made into objects first. */
function twoReads(bytes: Buffer): { indexed: Delegations; objects: Delegations } {
  const indexed = Metadata.fromBytes<Targets>(bytes, 'claimed.json', 'targets').signed.delegations!;
  const objects = Metadata.fromBytes<Targets>(bytes, 'claimed.json', 'targets').signed.delegations!;
  void objects.roles;
  return { indexed, objects };
}

const signers = Array.from({ length: 40 }, (_, i) => seededSigner(i + 10));

describe('compact delegation lookups', () => {
  it('give every role and key, the count and the names in priority order, as the objects do', () => {
    const keys = new Map(signers.map((s) => [s.key.keyid, s.key]));
    const roles = signers.map(
      (s, i) =>
        new DelegatedRole(
          `project-${(i * 7919) % 1000}`,
          [s.key.keyid, signers[(i + 1) % signers.length]!.key.keyid],
          1 + (i % 2),
          i % 3 !== 0,
          i % 5 === 0 ? undefined : [`project-${i}/*`],
          i % 5 === 0 ? ['0a', 'ff'] : undefined,
        ),
    );
    const { indexed, objects } = twoReads(roleOf(new Delegations(keys, roles, undefined)));
    expect(indexed.roleCount).toBe(objects.roles!.length);
    expect([...indexed.roleNames()]).toEqual(objects.roles!.map((r) => r.name));
    for (const r of objects.roles!) expect(indexed.roleKeys(r.name)?.toJSON()).toEqual(r.toJSON());
    for (const [keyid, key] of objects.keys) expect(indexed.key(keyid)?.toJSON()).toEqual(key.toJSON());
    for (const missing of ['project-x', '', 'targets', 'project-1/*'])
      expect(indexed.roleKeys(missing)).toBeUndefined();
    for (const missing of ['00'.repeat(32), 'ff'.repeat(32), 'zz', '', '8'.repeat(64)])
      expect(indexed.key(missing)).toBeUndefined();
    // The search order and verdicts for target paths, patterns and hash prefixes alike.
    const paths = [
      'project-5/a.tar.gz',
      'project-10/x',
      'project-0/',
      'nothing',
      'project-35/a/b',
      ...Array.from({ length: 200 }, (_, i) => `project-${i % 50}/f${i}`),
    ];
    for (const path of paths) expect([...indexed.rolesForTarget(path)]).toEqual([...objects.rolesForTarget(path)]);
  });

  it('match patterns with wildcards, sets and literal parts as the objects do', () => {
    const ed = signers[0]!.key;
    const patterns = ['*', 'a*', 'a/*', '*/b', 'a?c', '[ab]c', '[!a]x/*', 'abc', 'abc/def', 'ab[', '*.tar.gz', 'x/*/z'];
    const roles = patterns.map((p, i) => new DelegatedRole(`r${i}`, [ed.keyid], 1, false, [p], undefined));
    const { indexed, objects } = twoReads(roleOf(new Delegations(new Map([[ed.keyid, ed]]), roles, undefined)));
    for (const path of [
      'a',
      'abc',
      'abc/def',
      'a/b',
      'bc',
      'cx/1',
      'ax/1',
      'ab[',
      'p.tar.gz',
      'x/y/z',
      'x/y/y',
      'é/b',
      '😀',
      'a😀c',
    ]) {
      expect([...indexed.rolesForTarget(path)]).toEqual([...objects.rolesForTarget(path)]);
    }
  });

  it('fall back to the objects when a key is not of the usual shape (an ECDSA key)', async () => {
    const { p256Signer } = await import('../../helpers/key-encodings.js');
    const ecdsa = p256Signer('dev').key;
    const ed = signers[0]!.key;
    const keys = new Map<string, Key>([
      [ecdsa.keyid, ecdsa],
      [ed.keyid, ed],
    ]);
    const roles = [
      new DelegatedRole('a', [ecdsa.keyid], 1, true, ['a/*'], undefined),
      new DelegatedRole('b', [ed.keyid], 1, true, ['b/*'], undefined),
    ];
    const { indexed } = twoReads(roleOf(new Delegations(keys, roles, undefined)));
    expect(indexed.key(ecdsa.keyid)?.toJSON()).toEqual(ecdsa.toJSON());
    expect(indexed.key(ed.keyid)?.toJSON()).toEqual(ed.toJSON());
    expect(indexed.roleKeys('a')?.keyids).toEqual([ecdsa.keyid]);
  });

  it('fall back to the objects when a role has a custom field', () => {
    const ed = signers[0]!.key;
    const roles = [
      new DelegatedRole('a', [ed.keyid], 1, true, ['a/*'], undefined, { 'x-note': 'kept' }),
      new DelegatedRole('b', [ed.keyid], 1, false, ['b/*'], undefined),
    ];
    const { indexed } = twoReads(roleOf(new Delegations(new Map([[ed.keyid, ed]]), roles, undefined)));
    expect(indexed.roleCount).toBe(2);
    expect(indexed.roleKeys('a')?.toJSON()).toEqual(roles[0]!.toJSON());
    expect([...indexed.roleNames()]).toEqual(['a', 'b']);
  });
});
