/**
 * Delegations read from canonical bytes are checked entry by entry as they are read and kept as
 * those bytes until first used. They must answer exactly as delegations read the plain way, give
 * the same errors for bad input, and never let a change after reading go unsigned.
 */
import * as tufjs from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { canonicalize, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { FormatError, withContext } from '../../../src/tuf/base/errors.js';
import type { JsonObject } from '../../../src/tuf/model/fields.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, MetaFile, Snapshot, Timestamp, type Root, type Targets } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, SuccinctRoles } from '../../../src/tuf/model/roles.js';
import { parseStrictJson } from '../../../src/tuf/json/strict-json.js';
import { verifyRole, verifyWithRoot } from '../../../src/tuf/verify/verification.js';
import { makeRoot, seededSigner } from '../../helpers/software-repo.js';
import { random } from '../../helpers/random.js';

const EXPIRES = '2030-01-01T00:00:00Z';

/** An ed25519 key object as written in a file (the public value only has to look right to be read). */
function keyJSON(publicHex: string, custom?: JsonObject): JsonObject {
  return { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: publicHex }, ...custom };
}

const keyidOf = (json: JsonObject): string => Key.fromJSON(json).keyid;

/**
 * How unusual the entries are: `mixed` has custom fields and unicode names here and there; `usual`
 * none (every entry of the shape a claimed role holds); `late` is usual but for a few entries near
 * the end, so that reading starts the usual way and has to change course.
 */
type Variety = 'mixed' | 'usual' | 'late';

/**
 * The `signed` part of a targets role with `n` delegations, as plain JSON: one or two keys per
 * role, paths or path hash prefixes, both terminating values.
 */
function targetsSigned(n: number, seed: number, variety: Variety = 'mixed'): JsonObject {
  const r = random(seed);
  const keys: JsonObject = {};
  const keyids: string[] = [];
  const unusualKey = (i: number): boolean => (variety === 'mixed' ? i % 97 === 0 : variety === 'late' && i === n - 1);
  const unusualName = (i: number): boolean => (variety === 'mixed' ? i % 50 === 7 : variety === 'late' && i === n - 2);
  const customField = (i: number): boolean => (variety === 'mixed' ? i % 11 === 0 : variety === 'late' && i === n - 3);
  for (let i = 0; i < n + 5; i++) {
    const json = keyJSON(r.hex(64), unusualKey(i) ? { 'x-ceremony-owner': `owner ${i} é` } : undefined);
    const keyid = keyidOf(json);
    keys[keyid] = json;
    keyids.push(keyid);
  }
  const roles = Array.from({ length: n }, (_, i) => {
    const name = unusualName(i) ? `projet-${i}-é-\u{1f600}` : `project-${String(i).padStart(5, '0')}`;
    const own = [keyids[i]!];
    if (i % 3 === 0) own.push(keyids[n + (i % 5)]!);
    const role: JsonObject = { name, keyids: own, threshold: 1 + (i % 2), terminating: i % 4 !== 0 };
    if (i % 5 === 0) role['path_hash_prefixes'] = [r.hex(2), r.hex(3)];
    else role['paths'] = [name, `${name}/*`, `shared/${i % 10}/*`];
    if (customField(i)) role['x-note'] = { i, text: `note ${i}` };
    return role;
  });
  return {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 7,
    expires: EXPIRES,
    targets: {},
    delegations: { keys, roles, 'x-delegations': [1, 'two'] },
  };
}

/** The file this tool writes for `signed` (canonical, compact, final newline). */
const canonicalFile = (signed: JsonObject, signatures: unknown[] = []): Buffer => serializeJson({ signatures, signed });
const prettyFile = (signed: JsonObject, signatures: unknown[] = []): Buffer =>
  Buffer.from(JSON.stringify({ signatures, signed }, null, 2));

/** Whether delegations are still held as their bytes (the private state the fast path keeps). */
const isCompact = (d: Delegations): boolean =>
  (d as unknown as { state: { compact?: unknown } }).state.compact !== undefined;

/** keyid → key as written, in keyid order (a file may list keys in any order). */
const keysAsJSON = (d: Delegations): Array<[string, JsonObject]> =>
  [...d.keys].map(([id, k]): [string, JsonObject] => [id, k.toJSON()]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
const rolesAsJSON = (d: Delegations): JsonObject[] | undefined => d.roles?.map((role) => role.toJSON());

/** Where two texts first differ, with some context of each, for a readable failure. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 60), i + 60));
  return `first difference at character ${i}\n    ${around(a)}\n    ${around(b)}`;
}

/** The same JSON value (compared as text: large values, quick, and a short message when not). */
function expectSameJSON(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: ${firstDifference(a, b)}`);
}

/** The payload a change produced is the canonical JSON of the changed model. */
function expectPayloadMatchesModel(md: Metadata<Targets>, what: string): void {
  const payload = md.payload().toString('utf8');
  const model = canonicalize(md.signed.toJSON()).toString('utf8');
  if (payload !== model)
    throw new Error(
      `${what}: payload() (first) is not canonicalize(signed.toJSON()) (second): ${firstDifference(payload, model)}`,
    );
}

const N = 2_000;

describe.each(['mixed', 'usual', 'late'] as const)(
  `a targets role with ${N} delegations (%s entries) read from its canonical file`,
  (variety) => {
    const signed = targetsSigned(N, 1, variety);
    const bytes = canonicalFile(signed);
    const targetPaths = [
      'project-00000',
      'project-00001/x.tar.gz',
      `project-${String(N - 1).padStart(5, '0')}`,
      'shared/3/a.whl',
      'shared/3/a/b',
      'nothing',
      'projet-7-é-\u{1f600}/f',
      `projet-${N - 2}-é-\u{1f600}`,
      '',
    ];
    // The plain way: the whole delegations object read, then checked.
    const plain = Delegations.fromJSON(
      (parseStrictJson(bytes) as { signed: { delegations: unknown } }).signed.delegations,
      'signed.delegations',
    );

    it('payload() and toBytes() work without materializing', () => {
      const md = Metadata.fromBytes<Targets>(bytes, 'big.json', 'targets');
      const d = md.signed.delegations!;
      expect(isCompact(d)).toBe(true);
      expect(md.payload().equals(canonicalize(signed))).toBe(true);
      expect(md.toBytes().equals(bytes)).toBe(true);
      expect(isCompact(d)).toBe(true);
      expect(d.succinctRoles).toBeUndefined();
      expect(d.unrecognized).toEqual({ 'x-delegations': [1, 'two'] });
      expect(md.signed.delegations!.roles).toHaveLength(N);
    });

    it('keys, roles, roleKeys and rolesForTarget answer as the plain way does', () => {
      const md = Metadata.fromBytes<Targets>(bytes, 'big.json');
      const d = md.signed.delegations!;
      expectSameJSON(rolesAsJSON(d), rolesAsJSON(plain), 'roles');
      expect(isCompact(d)).toBe(false);
      expectSameJSON(keysAsJSON(d), keysAsJSON(plain), 'keys');
      for (const i of [0, 1, 7, 500, N - 3, N - 2, N - 1]) {
        const name = (signed['delegations'] as { roles: Array<{ name: string }> }).roles[i]!.name;
        expect(d.roleKeys(name), name).toBeInstanceOf(DelegatedRole);
        expect((d.roleKeys(name) as DelegatedRole).toJSON()).toEqual((plain.roleKeys(name) as DelegatedRole).toJSON());
      }
      expect(d.roleKeys('not-delegated')).toBeUndefined();
      for (const path of targetPaths)
        expect([...d.rolesForTarget(path)], path).toEqual([...plain.rolesForTarget(path)]);
      expect(md.signed.toJSON()).toStrictEqual(JSON.parse(bytes.toString('utf8')).signed);
    });

    it('each first use materializes: roleKeys, rolesForTarget and keys on fresh reads', () => {
      const fresh = () => Metadata.fromBytes<Targets>(bytes, 'big.json').signed.delegations!;
      const a = fresh();
      expect((a.roleKeys('project-00002') as DelegatedRole).keyids).toEqual(
        (plain.roleKeys('project-00002') as DelegatedRole).keyids,
      );
      const b = fresh();
      expect([...b.rolesForTarget('shared/3/a.whl')]).toEqual([...plain.rolesForTarget('shared/3/a.whl')]);
      const c = fresh();
      expect(c.keys.size).toBe(plain.keys.size);
      expectSameJSON(rolesAsJSON(c), rolesAsJSON(plain), 'roles');
    });

    it('the same answers from the pretty-printed file (read the plain way)', () => {
      const pretty = Metadata.fromBytes<Targets>(prettyFile(signed), 'big-pretty.json');
      const compact = Metadata.fromBytes<Targets>(bytes, 'big.json');
      expect(isCompact(pretty.signed.delegations!)).toBe(false);
      expect(pretty.payload().equals(compact.payload())).toBe(true);
      expectSameJSON(rolesAsJSON(pretty.signed.delegations!), rolesAsJSON(compact.signed.delegations!), 'roles');
      expectSameJSON(keysAsJSON(pretty.signed.delegations!), keysAsJSON(compact.signed.delegations!), 'keys');
      for (const path of targetPaths)
        expect([...pretty.signed.delegations!.rolesForTarget(path)]).toEqual([
          ...compact.signed.delegations!.rolesForTarget(path),
        ]);
    });
  },
);

describe('changes made on an edited copy of a role read are signed', () => {
  const signed = targetsSigned(300, 2);
  const bytes = canonicalFile(signed);

  it('a role pushed onto roles and a key set in keys', () => {
    const key = Key.fromJSON(keyJSON('cd'.repeat(32)));
    const md = Metadata.fromBytes<Targets>(bytes, 't.json').edit((s) => {
      const d = s.delegations!;
      d.keys.set(key.keyid, key);
      d.roles!.push(new DelegatedRole('added-role', [key.keyid], 1, true, ['added/*'], undefined));
    });
    const payload = md.payload();
    expect(payload.includes(Buffer.from('"name":"added-role"'))).toBe(true);
    expect(payload.includes(Buffer.from(`"${key.keyid}":{"keytype":"ed25519"`))).toBe(true);
    expectPayloadMatchesModel(md, 'after push and set');
    // And read back from the file it writes.
    const back = Metadata.fromBytes<Targets>(md.toBytes(), 't.json');
    expect(back.signed.delegations!.roles!.at(-1)!.name).toBe('added-role');
    expect(back.signed.delegations!.keys.get(key.keyid)!.toJSON()).toEqual(key.toJSON());
  });

  it('only the version bumped: the delegations are re-used as their bytes', () => {
    const md = Metadata.fromBytes<Targets>(bytes, 't.json').edit((s) => (s.version += 1));
    const payload = md.payload();
    expect(isCompact(md.signed.delegations!)).toBe(true);
    expect(payload.equals(canonicalize({ ...signed, version: 8 }))).toBe(true);
    expectPayloadMatchesModel(md, 'after the version bump');
  });

  it('a keyid removed from succinct_roles', () => {
    const a = keyJSON('a1'.repeat(32));
    const b = keyJSON('b2'.repeat(32));
    const succinct = {
      ...targetsSigned(0, 3),
      delegations: {
        keys: { [keyidOf(a)]: a, [keyidOf(b)]: b },
        succinct_roles: { keyids: [keyidOf(a), keyidOf(b)], threshold: 1, bit_length: 8, name_prefix: 'bins' },
      },
    };
    const md = Metadata.fromBytes<Targets>(canonicalFile(succinct), 'bins.json');
    const edited = md.edit((s) => {
      const d = s.delegations!;
      const old = d.succinctRoles!;
      // revoke b for every bin
      s.delegations = new Delegations(
        d.keys,
        undefined,
        new SuccinctRoles([keyidOf(a)], old.threshold, old.bitLength, old.namePrefix),
        d.unrecognized,
      );
    });
    expectPayloadMatchesModel(edited, 'after the keyid was removed');
    expect(edited.payload().toString('utf8')).toContain(`"succinct_roles":{"bit_length":8,"keyids":["${keyidOf(a)}"]`);
    // The role read is left as it was.
    expect(() => (md.signed.delegations!.succinctRoles!.keyids as string[]).splice(1, 1)).toThrow(TypeError);
    expect(md.signed.delegations!.succinctRoles!.keyids).toHaveLength(2);
  });

  it('a custom field of delegations changed', () => {
    const md = Metadata.fromBytes<Targets>(bytes, 't.json').edit(
      (s) => (s.delegations!.unrecognized['x-delegations'] = 'changed'),
    );
    expectPayloadMatchesModel(md, 'after the custom field changed');
    expect(md.payload().includes(Buffer.from('"x-delegations":"changed"'))).toBe(true);
  });
});

/** A small valid targets role to break in one place at a time. */
function smallSigned(): JsonObject {
  const k1 = keyJSON('11'.repeat(32));
  const k2 = keyJSON('22'.repeat(32));
  return {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: EXPIRES,
    targets: {},
    delegations: {
      keys: { [keyidOf(k1)]: k1, [keyidOf(k2)]: k2 },
      roles: [
        { name: 'alpha', keyids: [keyidOf(k1)], threshold: 1, terminating: true, paths: ['alpha/*'] },
        { name: 'beta', keyids: [keyidOf(k2)], threshold: 1, terminating: false, path_hash_prefixes: ['ab', '0f'] },
      ],
    },
  };
}
const K1 = keyidOf(keyJSON('11'.repeat(32)));
type Deleg = { keys: JsonObject | unknown[]; roles: JsonObject[] | JsonObject; succinct_roles?: JsonObject };
const deleg = (s: JsonObject): Deleg => s['delegations'] as Deleg;
const roleAt = (s: JsonObject, i: number): JsonObject => (deleg(s).roles as JsonObject[])[i]!;

/** The message of the error the plain way gives: the whole file read, then the model built. */
function plainWayError(bytes: Buffer, file: string): string {
  try {
    const json = parseStrictJson(bytes, file);
    withContext(file, () => Metadata.fromJSON(json));
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    return (err as Error).message;
  }
  throw new Error(`${file}: the plain way accepted it`);
}

function fromBytesError(bytes: Buffer, file: string, expected?: 'targets'): Error {
  try {
    Metadata.fromBytes(bytes, file, expected);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${file}: Metadata.fromBytes accepted it`);
}

/** Both reads refuse the file with a FormatError naming the file and the field, and with the plain way's message. */
function expectRefused(bytes: Buffer, file: string, field: RegExp): void {
  const plain = plainWayError(bytes, file);
  for (const expected of [undefined, 'targets'] as const) {
    const err = fromBytesError(bytes, file, expected);
    expect(err, `${file} (${expected ?? 'any type'})`).toBeInstanceOf(FormatError);
    expect(err.message.startsWith(`${file}: `), err.message).toBe(true);
    expect(err.message).toMatch(field);
    expect(err.message).toBe(plain);
  }
}

const BAD: Array<[string, (s: JsonObject) => void, RegExp]> = [
  [
    'a role name delegated twice',
    (s) => (roleAt(s, 1)['name'] = 'alpha'),
    /signed\.delegations\.roles\[1\]: role "alpha" is delegated twice/,
  ],
  [
    'a keyid a role lists that is not in keys',
    (s) => (roleAt(s, 1)['keyids'] = ['ee'.repeat(32)]),
    /signed\.delegations\.roles\[1\]\.keyids: keyid e{64} is not in delegations\.keys/,
  ],
  [
    'threshold 0',
    (s) => (roleAt(s, 0)['threshold'] = 0),
    /signed\.delegations\.roles\[0\]\.threshold: expected an integer >= 1, got 0/,
  ],
  [
    'a non-boolean terminating',
    (s) => (roleAt(s, 0)['terminating'] = 'yes'),
    /signed\.delegations\.roles\[0\]\.terminating: expected true or false/,
  ],
  [
    'terminating null',
    (s) => (roleAt(s, 1)['terminating'] = null),
    /signed\.delegations\.roles\[1\]\.terminating: expected true or false/,
  ],
  [
    'both paths and path_hash_prefixes',
    (s) => (roleAt(s, 0)['path_hash_prefixes'] = ['ab']),
    /signed\.delegations\.roles\[0\]: exactly one of "paths" and "path_hash_prefixes"/,
  ],
  [
    'neither paths nor path_hash_prefixes',
    (s) => delete roleAt(s, 1)['path_hash_prefixes'],
    /signed\.delegations\.roles\[1\]: exactly one of "paths" and "path_hash_prefixes"/,
  ],
  [
    'a non-hex path hash prefix',
    (s) => (roleAt(s, 1)['path_hash_prefixes'] = ['ab', 'xy']),
    /signed\.delegations\.roles\[1\]\.path_hash_prefixes\[1\]: "xy" is not lowercase hex/,
  ],
  [
    'an upper-case path hash prefix',
    (s) => (roleAt(s, 1)['path_hash_prefixes'] = ['AB']),
    /signed\.delegations\.roles\[1\]\.path_hash_prefixes\[0\]: "AB" is not lowercase hex/,
  ],
  [
    'a bad ed25519 public value',
    (s) => (((deleg(s).keys as JsonObject)[K1] as { keyval: JsonObject }).keyval['public'] = 'AB'.repeat(32)),
    new RegExp(`signed\\.delegations\\.keys\\.${K1}\\.keyval\\.public: an ed25519 public key is 64 lowercase hex`),
  ],
  [
    'a keyid listed twice in one role',
    (s) => (roleAt(s, 0)['keyids'] = [K1, K1]),
    new RegExp(`signed\\.delegations\\.roles\\[0\\]\\.keyids\\[1\\]: "${K1}" is listed twice`),
  ],
  [
    'an empty role name',
    (s) => (roleAt(s, 1)['name'] = ''),
    /signed\.delegations\.roles\[1\]\.name: "" cannot be a delegated role name/,
  ],
  [
    'an empty path hash prefix',
    (s) => (roleAt(s, 1)['path_hash_prefixes'] = ['']),
    /signed\.delegations\.roles\[1\]\.path_hash_prefixes\[0\]: "" is not lowercase hex/,
  ],
  [
    'a missing terminating',
    (s) => delete roleAt(s, 0)['terminating'],
    /signed\.delegations\.roles\[0\]\.terminating: missing/,
  ],
  [
    'a threshold given as a string',
    (s) => (roleAt(s, 0)['threshold'] = '1'),
    /signed\.delegations\.roles\[0\]\.threshold: expected an integer/,
  ],
  [
    'an ed25519 public value of 62 characters',
    (s) => (((deleg(s).keys as JsonObject)[K1] as { keyval: JsonObject }).keyval['public'] = '11'.repeat(31)),
    new RegExp(`signed\\.delegations\\.keys\\.${K1}\\.keyval\\.public: an ed25519 public key is 64 lowercase hex`),
  ],
  [
    'keys given as an empty array',
    (s) => (deleg(s).keys = []),
    /signed\.delegations\.keys: expected an object, got an array/,
  ],
  [
    'keys given as a non-empty array',
    (s) => (deleg(s).keys = Object.values(deleg(s).keys)),
    /signed\.delegations\.keys: expected an object, got an array/,
  ],
  [
    'roles given as an empty object',
    (s) => (deleg(s).roles = {}),
    /signed\.delegations\.roles: expected an array, got an object/,
  ],
  [
    'roles given as a non-empty object',
    (s) => (deleg(s).roles = { alpha: roleAt(s, 0) }),
    /signed\.delegations\.roles: expected an array, got an object/,
  ],
  [
    'both roles and succinct_roles',
    (s) => (deleg(s).succinct_roles = { keyids: [K1], threshold: 1, bit_length: 4, name_prefix: 'bins' }),
    /signed\.delegations: exactly one of "roles" and "succinct_roles"/,
  ],
  [
    'neither roles nor succinct_roles',
    (s) => delete (deleg(s) as Partial<Deleg>).roles,
    /signed\.delegations: exactly one of "roles" and "succinct_roles"/,
  ],
  ...(['root', 'targets', 'snapshot', 'timestamp'] as const).map((name): [string, (s: JsonObject) => void, RegExp] => [
    `the top-level role name "${name}" as a delegated name`,
    (s) => (roleAt(s, 1)['name'] = name),
    new RegExp(`signed\\.delegations\\.roles\\[1\\]\\.name: "${name}" cannot be a delegated role name`),
  ]),
];

describe('errors of the plain way are still given, naming the file and field', () => {
  it('the unbroken document is read both ways', () => {
    for (const bytes of [canonicalFile(smallSigned()), prettyFile(smallSigned())]) {
      const md = Metadata.fromBytes<Targets>(bytes, 'ok.json');
      expect(md.signed.delegations!.roles!.map((r) => r.name)).toEqual(['alpha', 'beta']);
    }
  });

  it.each(BAD)('%s: canonical (streamed) and pretty-printed', (_name, breakIt, field) => {
    const s = smallSigned();
    breakIt(s);
    expectRefused(canonicalFile(s), 'bad.json', field);
    expectRefused(prettyFile(s), 'bad-pretty.json', field);
  });

  /** The delegations object with "roles" before "keys": valid JSON, never canonical. */
  const rolesFirst = (s: JsonObject): JsonObject => {
    const d = deleg(s);
    return { ...s, delegations: { roles: d.roles, keys: d.keys } };
  };

  it('roles before keys: read when valid, and a missing keyid still named', () => {
    for (const bytes of [
      Buffer.from(JSON.stringify({ signatures: [], signed: rolesFirst(smallSigned()) })),
      prettyFile(rolesFirst(smallSigned())),
    ]) {
      const md = Metadata.fromBytes<Targets>(bytes, 'roles-first.json');
      expect(md.payload().equals(canonicalize(smallSigned()))).toBe(true);
    }
    const bad = smallSigned();
    roleAt(bad, 0)['keyids'] = ['ee'.repeat(32)];
    const field = /signed\.delegations\.roles\[0\]\.keyids: keyid e{64} is not in delegations\.keys/;
    expectRefused(Buffer.from(JSON.stringify({ signatures: [], signed: rolesFirst(bad) })), 'roles-first.json', field);
    expectRefused(prettyFile(rolesFirst(bad)), 'roles-first-pretty.json', field);
  });

  it('a keyid listed twice in keys (only a non-canonical file can hold it)', () => {
    const s = smallSigned();
    const k1 = JSON.stringify((deleg(s).keys as JsonObject)[K1]);
    for (const [file, text] of [
      ['dup.json', JSON.stringify({ signatures: [], signed: s })],
      ['dup-pretty.json', JSON.stringify({ signatures: [], signed: s }, null, 2)],
    ] as const) {
      // Insert a second member with the same keyid right after the first one's key.
      const first = text.indexOf(`"${K1}"`);
      const valueStart = text.indexOf('{', first);
      const withDuplicate = `${text.slice(0, valueStart)}${k1},"${K1}":${text.slice(valueStart)}`;
      const bytes = Buffer.from(withDuplicate);
      expect(() => JSON.parse(withDuplicate)).not.toThrow(); // JSON.parse would silently keep the last
      expectRefused(bytes, file, new RegExp(`not valid JSON at byte \\d+: duplicate key "${K1}"`));
    }
  });
});

describe('with several problems, the first one named is the one the plain way names', () => {
  const cases: Array<[string, (s: JsonObject) => void]> = [
    [
      'no keys, and a role named root',
      (s) => {
        delete (deleg(s) as Partial<Deleg>).keys;
        roleAt(s, 0)['name'] = 'root';
      },
    ],
    [
      'a keyid missing from keys in the first role, a name repeated in the second',
      (s) => {
        roleAt(s, 0)['keyids'] = ['zz'];
        roleAt(s, 1)['name'] = 'alpha';
      },
    ],
    [
      'a bad key and a bad role',
      (s) => {
        ((deleg(s).keys as JsonObject)[K1] as JsonObject)['keytype'] = 7;
        roleAt(s, 1)['threshold'] = 0;
      },
    ],
    [
      'keys given as an array, and a role with a missing keyid',
      (s) => {
        deleg(s).keys = [];
        roleAt(s, 0)['keyids'] = ['zz'];
      },
    ],
  ];
  for (const [name, spoil] of cases) {
    it(name, () => {
      const signed = smallSigned();
      spoil(signed);
      for (const [form, bytes] of [
        ['canonical', canonicalFile(signed)],
        ['pretty', prettyFile(signed)],
      ] as const) {
        const plain = plainWayError(bytes, `${form}.json`);
        for (const expected of [undefined, 'targets'] as const)
          expect(fromBytesError(bytes, `${form}.json`, expected).message).toBe(plain);
      }
    });
  }
});

describe('keys whose keyids look like array indices', () => {
  it('come in the order the plain way gives, whichever way they were read', () => {
    const k = (hex: string): JsonObject => keyJSON(hex.repeat(32));
    const signed = smallSigned();
    deleg(signed).keys = { b: k('11'), '10': k('22'), '2': k('33'), 'a-key': k('44') };
    deleg(signed).roles = [
      { name: 'alpha', keyids: ['b', '10', '2'], threshold: 2, terminating: true, paths: ['alpha/*'] },
    ];
    for (const [bytes, order] of [
      [canonicalFile(signed), ['2', '10', 'a-key', 'b']],
      [prettyFile(signed), ['2', '10', 'b', 'a-key']],
    ] as const) {
      const plain = Delegations.fromJSON((parseStrictJson(bytes) as { signed: JsonObject }).signed['delegations'], 'd');
      expect([...plain.keys.keys()]).toEqual(order);
      expect([...Metadata.fromBytes<Targets>(bytes, 't.json').signed.delegations!.keys.keys()]).toEqual(order);
    }
  });
});

describe('a role read from its file changes only through an edited copy', () => {
  it('version and expires set on the copy reach payload() and toBytes(); the role read refuses them', () => {
    const read = Metadata.fromBytes<Targets>(canonicalFile(smallSigned()), 't.json');
    expect(read.payload().includes(Buffer.from('"version":1'))).toBe(true);
    expect(() => (read.signed.version = 7)).toThrow(TypeError);
    const md = read.edit();
    md.signed.version = 7;
    md.signed.expires = new Date('2031-02-03T04:05:06Z');
    expect(md.payload().includes(Buffer.from('"version":7'))).toBe(true);
    expect(md.payload().equals(canonicalize(md.signed.toJSON()))).toBe(true);
    expect(md.toBytes().includes(Buffer.from('"expires":"2031-02-03T04:05:06Z"'))).toBe(true);
  });
});

describe('a field named "delegations" in a role other than targets is an unknown field', () => {
  const key = keyJSON('33'.repeat(32));
  const shapes: Array<[string, JsonObject]> = [
    [
      'shaped like targets delegations',
      {
        keys: { [keyidOf(key)]: key },
        roles: [{ name: 'x', keyids: [keyidOf(key)], threshold: 1, terminating: false, paths: ['*'] }],
      },
    ],
    ['keys and roles that targets would refuse', { keys: { a: 1, b: [] }, roles: { c: 'd' }, succinct_roles: 5 }],
    [
      'roles naming top-level roles and missing keyids',
      { roles: [{ name: 'root' }, { name: 'root', keyids: ['ff'] }], keys: [] },
    ],
  ];

  it.each(shapes)('root with an unknown "delegations" %s reads back exactly', async (_name, value) => {
    const a = seededSigner(41);
    const root = makeRoot([a], 1, { targets: a, online: seededSigner(42) });
    root.signed.unrecognized = { delegations: value, 'x-other': 1 };
    await root.sign(a, 'append');
    const bytes = root.toBytes();
    for (const [file, input] of [
      ['1.root.json', bytes],
      ['1.root-pretty.json', Buffer.from(JSON.stringify(JSON.parse(bytes.toString()), null, 2))],
    ] as const) {
      for (const expected of ['root', undefined] as const) {
        let back: Metadata<Root>;
        try {
          back = Metadata.fromBytes<Root>(input, file, expected);
        } catch (err) {
          throw new Error(`${file} (${expected ?? 'any type'}): refused: ${(err as Error).message}`, { cause: err });
        }
        expect(back.signed.unrecognized['delegations']).toEqual(value);
        expect(back.toBytes().equals(bytes)).toBe(true);
        expect(back.payload().equals(root.payload())).toBe(true);
        expect(verifyWithRoot(back.signed, 'root', back).verified).toBe(true);
      }
    }
  });

  it.each(shapes)('snapshot and timestamp with an unknown "delegations" %s read back exactly', async (_name, value) => {
    const online = seededSigner(43);
    const keys = { keyids: [online.key.keyid], threshold: 1 };
    const expires = new Date(EXPIRES);
    for (const md of [
      new Metadata(
        new Snapshot({
          version: 1,
          expires,
          meta: new Map([['targets.json', new MetaFile(1)]]),
          unrecognized: { delegations: value },
        }),
      ),
      new Metadata(
        new Timestamp({ version: 1, expires, snapshotMeta: new MetaFile(1), unrecognized: { delegations: value } }),
      ),
    ]) {
      await md.sign(online, 'append');
      const bytes = md.toBytes();
      let back: Metadata;
      try {
        back = Metadata.fromBytes(bytes, `${md.signed.type}.json`);
      } catch (err) {
        throw new Error(`${md.signed.type}: refused: ${(err as Error).message}`, { cause: err });
      }
      expect(back.toBytes().equals(bytes)).toBe(true);
      expect(verifyRole(back, md.signed.type, keys, () => online.key).verified).toBe(true);
    }
  });
});

describe('@tufjs/models sees the same delegations', () => {
  // @tufjs/models reads delegations with a quadratic object spread: a few hundred roles.
  it('role names, keyids, keys and roles for a target agree after materializing', async () => {
    const signer = new Ed25519Signer(new Uint8Array(32).fill(44));
    const md = Metadata.fromBytes<Targets>(canonicalFile(targetsSigned(300, 4)), 'crosscheck.json');
    await md.sign(signer, 'append');
    const bytes = md.toBytes();
    const ours = Metadata.fromBytes<Targets>(bytes, 'crosscheck.json').signed.delegations!;
    expect(isCompact(ours)).toBe(true);
    const theirs = tufjs.Metadata.fromJSON(tufjs.MetadataKind.Targets, JSON.parse(bytes.toString('utf8'))).signed
      .delegations!;
    expect(Object.values(theirs.roles!).map((r) => [r.name, r.keyIDs, r.threshold, r.terminating])).toEqual(
      ours.roles!.map((r) => [r.name, r.keyids, r.threshold, r.terminating]),
    );
    expect(Object.keys(theirs.keys).sort()).toEqual([...ours.keys.keys()].sort());
    for (const [keyid, key] of ours.keys) expect(theirs.keys[keyid]!.keyVal).toEqual(key.keyval);
    for (const path of ['project-00000', 'project-00003/a.tar.gz', 'shared/1/x', 'projet-7-é-\u{1f600}/f', 'other']) {
      const theirRoles = [...theirs.rolesForTarget(path)].map((x) => [x.role, x.terminating]);
      expect(theirRoles, path).toEqual([...ours.rolesForTarget(path)].map((x) => [x.name, x.terminating]));
    }
  });
});
