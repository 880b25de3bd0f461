import { describe, expect, it } from 'vitest';
import { DelegatedRole, Delegations, SuccinctRoles, matchPathPattern } from '../../../src/tuf/model/roles.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';

describe('succinct hash bins (TAP 15)', () => {
  it('puts "requests" in bins-3b1c with 14 bits and bins-ec with 8', () => {
    expect(sha256Hex('requests').startsWith('ec72420d')).toBe(true);
    expect(new SuccinctRoles([], 1, 14, 'bins').roleForTarget('requests')).toBe('bins-3b1c');
    expect(new SuccinctRoles([], 1, 8, 'bins').roleForTarget('requests')).toBe('bins-ec');
  });

  it('pads bin names to the width of the last bin and recognises only its own names', () => {
    const sr = new SuccinctRoles([], 1, 4, 'unclaimed-bins');
    expect(sr.binName(0)).toBe('unclaimed-bins-0');
    expect(sr.binName(15)).toBe('unclaimed-bins-f');
    expect(new SuccinctRoles([], 1, 5, 'b').binName(3)).toBe('b-03');
    expect(sr.binOfName('unclaimed-bins-a')).toBe(10);
    expect(sr.binOfName('unclaimed-bins-0a')).toBeUndefined();
    expect(sr.binOfName('other-a')).toBeUndefined();
    expect(new SuccinctRoles([], 1, 1, 'b').binOfName('b-2')).toBeUndefined();
  });

  it('refuses bit lengths outside 1..32', () => {
    expect(() => new SuccinctRoles([], 1, 0, 'b')).toThrow(/bit_length/);
    expect(() => new SuccinctRoles([], 1, 33, 'b')).toThrow(/bit_length/);
  });
});

describe('path patterns match component by component (spec 4.5)', () => {
  it.each([
    ['requests', 'requests', true],
    ['requests/requests-2.0.tar.gz', 'requests/*', true],
    ['requests/sub/x.tar.gz', 'requests/*', false],
    ['numpy/x', 'requests/*', false],
    ['a.tar.gz', '*.tar.gz', true],
    ['dir/a.tar.gz', '*.tar.gz', false],
    ['file1', 'file?', true],
    ['file10', 'file?', false],
    ['b', '[abc]', true],
    ['d', '[!abc]', true],
    ['a', '[!abc]', false],
    ['x+y', 'x+y', true],
    ['xxy', 'x.y', false],
  ])('%s against %s → %s', (path, pattern, expected) => {
    expect(matchPathPattern(path, pattern)).toBe(expected);
  });

  it('a role with path_hash_prefixes matches by the hash of the path', () => {
    const role = new DelegatedRole('bin-e', [], 1, false, undefined, ['ec', 'ed']);
    expect(role.isDelegatedPath('requests')).toBe(true);
    expect(role.isDelegatedPath('numpy')).toBe(
      sha256Hex('numpy').startsWith('ec') || sha256Hex('numpy').startsWith('ed'),
    );
  });

  it('delegations list the trusted roles in priority order, terminating included', () => {
    const d = new Delegations(
      new Map(),
      [
        new DelegatedRole('claimed', [], 1, false, ['*'], undefined),
        new DelegatedRole('recently-claimed', [], 1, false, ['*'], undefined),
        new DelegatedRole('unclaimed', [], 1, true, ['*'], undefined),
      ],
      undefined,
    );
    expect([...d.rolesForTarget('requests')].map((r) => r.name)).toEqual(['claimed', 'recently-claimed', 'unclaimed']);
    expect(d.roleKeys('recently-claimed')?.threshold).toBe(1);
    expect(d.roleKeys('nope')).toBeUndefined();
  });
});
