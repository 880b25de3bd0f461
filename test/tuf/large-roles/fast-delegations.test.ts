/**
 * The delegations of a targets role are read two ways: entries of the usual shape (an Ed25519
 * key; a role with plain ASCII strings and no custom fields) are checked straight on the bytes,
 * anything else is read again the general way (Key.fromJSON, DelegatedRole.fromJSON). The fast
 * way must never accept what the general way refuses, nor read anything differently.
 *
 * Every input here is read three times: with the fast way, with it switched off, and through
 * Metadata.fromBytes (which uses it). The three outcomes must be the same: the same error, given
 * at the same moment (while reading, or only when the entries are first used), or the same
 * delegations; and when read, payload() is the canonical JSON of the model. A fourth reading,
 * the whole object as plain JSON through Delegations.fromJSON, must refuse the same inputs and
 * read the others to the same delegations (compact entries become objects their own way).
 */
import { describe, expect, it } from 'vitest';
import { buildClaimedRole, projectName } from '../../../bench/claimed-role.js';
import { distinctEd25519PublicKeys } from '../../../bench/fixture-keys.js';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { DelegationsReading } from '../../../src/tuf/large-roles/delegations-reader.js';
import { FormatError } from '../../../src/tuf/base/errors.js';
import type { JsonObject } from '../../../src/tuf/model/fields.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, Targets } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../../src/tuf/model/roles.js';
import { parseStrictJson, type ReadPlan } from '../../../src/tuf/json/strict-json.js';
import { random } from '../../helpers/random.js';

const SOURCE = 'x.json';
const EXPIRES = new Date('2030-01-01T00:00:00Z');

// ---------------------------------------------------------------------------------------------
// The ways of reading, each giving an outcome as text.

const planFor = (delegations: ReadPlan): ReadPlan => ({ members: { signed: { members: { delegations } } } });

/** A FormatError (or anything else thrown) as an outcome; the file name prefix is the same either way. */
function refused(err: unknown, when: string): string {
  if (err instanceof FormatError)
    return `${when}: ${err.message.startsWith(`${SOURCE}: `) ? err.message.slice(SOURCE.length + 2) : err.message}`;
  return `threw ${(err as Error)?.name ?? typeof err} ${when}: ${(err as Error)?.message ?? String(err)}`;
}

/** The delegations as they read once used (the first use makes compact entries into objects). */
function used(d: Delegations | undefined): string {
  if (d === undefined) return 'no delegations';
  try {
    return `read ${JSON.stringify(d.toJSON())}`;
  } catch (err) {
    return refused(err, 'refused only when first used');
  }
}

/** DelegationsReading on its own, with the fast way on or off. */
function readDirect(bytes: Buffer, fast: boolean): string {
  let d: Delegations;
  try {
    const reading = new DelegationsReading('signed.delegations', bytes, fast);
    const json = parseStrictJson(bytes, SOURCE, planFor(reading.plan)) as { signed: { delegations: unknown } };
    d = reading.delegations(json.signed.delegations);
  } catch (err) {
    return refused(err, 'refused');
  }
  return used(d);
}

/**
 * The whole document read as plain JSON, then Delegations.fromJSON: no streaming, no bytes kept.
 * Its checks come in another order, so when it refuses only the refusal is compared, not the message.
 */
function readPlain(bytes: Buffer): string {
  let d: Delegations;
  try {
    const json = parseStrictJson(bytes, SOURCE) as { signed: { delegations: unknown } };
    d = Delegations.fromJSON(json.signed.delegations, 'signed.delegations');
  } catch (err) {
    return refused(err, 'refused');
  }
  return used(d);
}

/** Metadata.fromBytes; when read, also whether payload() is canonicalize(signed.toJSON()). */
function readMetadata(bytes: Buffer): { outcome: string; payloadProblem?: string } {
  let md: Metadata<Targets>;
  try {
    md = Metadata.fromBytes<Targets>(bytes, SOURCE);
  } catch (err) {
    return { outcome: refused(err, 'refused') };
  }
  let payload: Buffer;
  try {
    payload = md.payload();
  } catch (err) {
    return { outcome: refused(err, 'payload') };
  }
  const outcome = used(md.signed.delegations);
  if (!outcome.startsWith('read ')) return { outcome };
  let model: Buffer;
  try {
    model = canonicalize(md.signed.toJSON());
  } catch (err) {
    return { outcome, payloadProblem: refused(err, 'canonicalize(signed.toJSON())') };
  }
  if (!payload.equals(model))
    return {
      outcome,
      payloadProblem: `payload() ${show(payload, 300)} is not canonicalize(signed.toJSON()) ${show(model, 300)}`,
    };
  return { outcome };
}

interface Outcomes {
  fast: string;
  general: string;
  metadata: string;
  plain: string;
  payloadProblem?: string;
}

function outcomes(bytes: Buffer): Outcomes {
  const m = readMetadata(bytes);
  return {
    fast: readDirect(bytes, true),
    general: readDirect(bytes, false),
    metadata: m.outcome,
    plain: readPlain(bytes),
    payloadProblem: m.payloadProblem,
  };
}

/** Bytes as text, every byte outside printable ASCII written \xNN (so the exact input can be rebuilt). */
function show(bytes: Uint8Array, max = 2000): string {
  let s = '';
  for (const b of bytes)
    s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s.length > max ? `${s.slice(0, max)}…(${bytes.length} bytes)` : s;
}

const cut = (s: string, max = 400): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** A description of how the three readings disagree, or undefined when they agree. */
function disagreement(
  what: string,
  bytes: Buffer,
  shown: Uint8Array = delegationsBytes(bytes) ?? bytes,
): string | undefined {
  const o = outcomes(bytes);
  const problems: string[] = [];
  if (o.fast !== o.general) problems.push('fast way ≠ general way');
  if (o.metadata !== o.general) problems.push('Metadata.fromBytes ≠ general way');
  if (o.general.startsWith('read ') ? o.plain !== o.general : !o.plain.startsWith('refused: '))
    problems.push('plain Delegations.fromJSON ≠ general way');
  if (o.payloadProblem !== undefined) problems.push(o.payloadProblem);
  for (const [way, outcome] of Object.entries({
    fast: o.fast,
    general: o.general,
    metadata: o.metadata,
    plain: o.plain,
  })) {
    if (outcome.startsWith('threw')) problems.push(`the ${way} way threw something other than a FormatError`);
  }
  if (problems.length === 0) return undefined;
  return [
    `${what}: ${problems.join('; ')}`,
    `  delegations: ${show(shown)}`,
    `  fast:     ${cut(o.fast)}`,
    `  general:  ${cut(o.general)}`,
    `  metadata: ${cut(o.metadata)}`,
    `  plain:    ${cut(o.plain)}`,
  ].join('\n');
}

function expectAgreement(found: string[], inputs: number): void {
  expect(
    found.length,
    `${found.length} of ${inputs} inputs are read differently:\n\n${found.slice(0, 25).join('\n\n')}`,
  ).toBe(0);
}

/** Where the delegations object lies in a document (the plan tells, even when it is refused later). */
function delegationsRange(bytes: Buffer): { start: number; end: number } {
  const reading = new DelegationsReading('signed.delegations', bytes, false);
  parseStrictJson(bytes, SOURCE, planFor(reading.plan));
  return { start: reading.range!.start, end: reading.range!.end };
}

function delegationsBytes(bytes: Buffer): Buffer | undefined {
  try {
    const { start, end } = delegationsRange(bytes);
    return bytes.subarray(start, end);
  } catch {
    return undefined;
  }
}

/** How many entries the general way (`each`) was handed while reading with the fast way on. */
function generalEntries(bytes: Buffer): number {
  const reading = new DelegationsReading('signed.delegations', bytes, true);
  let calls = 0;
  const counted = (plan: ReadPlan): ReadPlan => ({
    ...plan,
    each: (key, value) => {
      calls++;
      plan.each!(key, value);
    },
  });
  const members = reading.plan.members!;
  const plan: ReadPlan = {
    ...reading.plan,
    members: { keys: counted(members['keys']!), roles: counted(members['roles']!) },
  };
  const json = parseStrictJson(bytes, SOURCE, planFor(plan)) as { signed: { delegations: unknown } };
  reading.delegations(json.signed.delegations);
  return calls;
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const PUBLIC_KEYS = distinctEd25519PublicKeys(64, new Uint8Array(32).fill(7));
const publicHex = (i: number): string => PUBLIC_KEYS.toString('hex', i * 32, i * 32 + 32);
const keyJSON = (i: number): JsonObject => ({
  keytype: 'ed25519',
  scheme: 'ed25519',
  keyval: { public: publicHex(i) },
});
const KEYIDS = Array.from({ length: 64 }, (_, i) => Key.fromJSON(keyJSON(i)).keyid);

/** The file this tool writes for a targets role with these delegations. */
function canonicalFile(delegations: Delegations): Buffer {
  return new Metadata(new Targets({ version: 1, expires: EXPIRES, delegations })).toBytes();
}

/** A document around delegations given as bytes (of any form, valid or not). */
function documentWith(delegations: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from('{"signatures":[],"signed":{"_type":"targets","delegations":'),
    typeof delegations === 'string' ? Buffer.from(delegations, 'utf8') : delegations,
    Buffer.from(',"expires":"2030-01-01T00:00:00Z","spec_version":"1.0.31","targets":{},"version":1}}\n'),
  ]);
}

/** A claimed-like role of n delegations with the variety of a real one. */
function claimedLike(n: number, seed: number): Buffer {
  const r = random(seed);
  const keyCount = Math.min(64, n + 3);
  const keys = new Map<string, Key>();
  for (let i = 0; i < keyCount; i++) keys.set(KEYIDS[i]!, Key.fromJSON(keyJSON(i)));
  const roles: DelegatedRole[] = [];
  for (let i = 0; i < n; i++) {
    const name =
      r.next() < 0.8
        ? projectName(i)
        : `${r.pick(['a', 'z', 'Zope', '0', 'x.y', 'under_score', 'with space', '~tilde'])}-${i}`;
    const own = r.shuffle(Array.from({ length: keyCount }, (_, k) => KEYIDS[k]!)).slice(0, r.pick([0, 1, 1, 1, 2, 3]));
    const threshold = 1 + r.int(3);
    const terminating = r.next() < 0.7;
    if (r.next() < 0.2) {
      roles.push(
        new DelegatedRole(
          name,
          own,
          threshold,
          terminating,
          undefined,
          Array.from({ length: r.int(4) }, () => r.hex(1 + r.int(4))),
        ),
      );
    } else {
      const paths = Array.from({ length: r.pick([0, 1, 1, 2, 3, 5]) }, (_, k) =>
        r.pick([name, `${name}/*`, `${name}/${k}/*.whl`, `shared/*`, `*`, `[ab]?/x`]),
      );
      roles.push(new DelegatedRole(name, own, threshold, terminating, paths, undefined));
    }
  }
  return canonicalFile(new Delegations(keys, roles, undefined));
}

const role = (name: string, keys: number[], extra: JsonObject = {}): JsonObject => ({
  name,
  keyids: keys.map((k) => KEYIDS[k]!),
  threshold: 1,
  terminating: true,
  paths: [name, `${name}/*`],
  ...extra,
});

/** Delegations of the usual shape around one entry: keys 0..5, then usual roles 0, 1, `odd`, 2. */
function around(odd: JsonObject | undefined, keys: Record<string, unknown> = {}, at = 2): JsonObject {
  const allKeys: Record<string, unknown> = {};
  for (let i = 0; i < 6; i++) allKeys[KEYIDS[i]!] = keyJSON(i);
  Object.assign(allKeys, keys);
  const roles = [role('project-0', [0]), role('project-1', [1]), role('project-2', [2])];
  if (odd) roles.splice(at, 0, odd);
  return { keys: allKeys, roles };
}

const text = (json: unknown): string => canonicalize(json).toString('utf8');

/** The canonical text of delegations with one role's member written as `raw` instead. */
function withRawMember(odd: JsonObject, member: string, raw: string | undefined): string {
  const marker = `@@${member}@@`;
  const t = text(around({ ...odd, [member]: marker }));
  return t
    .replace(`,"${member}":"${marker}"`, raw === undefined ? '' : `,"${member}":${raw}`)
    .replace(`{"${member}":"${marker}",`, raw === undefined ? '{' : `{"${member}":${raw},`);
}

function targetedCases(): Array<{ what: string; delegations: string }> {
  const cases: Array<{ what: string; delegations: string }> = [];
  const add = (what: string, delegations: string | JsonObject): void => {
    cases.push({ what, delegations: typeof delegations === 'string' ? delegations : text(delegations) });
  };
  const odd = role('odd', [3]);
  add('the usual shape', around(odd));
  for (const at of [0, 1, 2, 3]) add(`an unusual role at ${at}`, around({ ...odd, 'x-note': 1 }, {}, at));

  // Names.
  for (const name of ['root', 'targets', 'snapshot', 'timestamp', '', 'Root', 'root ', 'targets-x'])
    add(`role named ${JSON.stringify(name)}`, around({ ...odd, name }));
  for (const at of [0, 3])
    for (const name of ['root', ''])
      add(`role named ${JSON.stringify(name)} at ${at}`, around({ ...odd, name }, {}, at));
  add('a name delegated twice, adjacent', around({ ...odd, name: 'project-1' }));
  add(
    'a name delegated twice, adjacent, same entry',
    text({ keys: around(undefined).keys, roles: [role('project-0', [0]), role('project-0', [0])] }),
  );
  {
    const roles = Array.from({ length: 50 }, (_, i) => role(projectName(i), [i % 6]));
    roles.push(role(projectName(3), [1]));
    add('a name delegated twice, far apart', { keys: around(undefined).keys, roles });
  }
  add('names that differ only in case', around({ ...odd, name: 'PROJECT-0' }));
  add('a unicode name', around({ ...odd, name: 'pröject' }));
  add('a name above U+FFFF', around({ ...odd, name: 'proj\u{1f600}' }));
  add('a name with U+007F', around({ ...odd, name: 'proj\u007f' }));
  add('a name with a control character', around({ ...odd, name: 'proj\tx' }));
  add('a name with a quote and a backslash', around({ ...odd, name: 'a"b\\c' }));
  add('an escaped name (\\u0061)', text(around({ ...odd, name: 'abc' })).replace('"name":"abc"', '"name":"\\u0061bc"'));
  add(
    'an escaped name equal to an earlier plain one',
    text(around(odd)).replace('"name":"odd"', '"name":"project-\\u0031"'),
  );
  add(
    'a plain name equal to an earlier escaped one',
    text(around(odd))
      .replace('"name":"project-0"', '"name":"\\u0070roject-0"')
      .replace('"name":"odd"', '"name":"project-0"'),
  );
  add('an escaped reserved name', text(around(odd)).replace('"name":"odd"', '"name":"r\\u006fot"'));
  add('a name written with \\/', text(around(odd)).replace('"name":"odd"', '"name":"a\\/b"'));
  add('a name that is a number', withRawMember(odd, 'name', '5'));
  add('no name', withRawMember(odd, 'name', undefined));

  // Keyids of a role.
  add('a keyid listed twice in one role', around({ ...odd, keyids: [KEYIDS[3]!, KEYIDS[3]!] }));
  add('a keyid listed twice in one role, apart', around({ ...odd, keyids: [KEYIDS[3]!, KEYIDS[4]!, KEYIDS[3]!] }));
  add('a role keyid not in keys', around({ ...odd, keyids: [KEYIDS[40]!] }));
  add('a role keyid not in keys, second', around({ ...odd, keyids: [KEYIDS[3]!, KEYIDS[40]!] }));
  add('a role keyid that is a prefix of a key', around({ ...odd, keyids: [KEYIDS[3]!.slice(0, 63)] }));
  add('a role keyid that is a key with one more character', around({ ...odd, keyids: [`${KEYIDS[3]!}0`] }));
  add('a role keyid in upper case', around({ ...odd, keyids: [KEYIDS[3]!.toUpperCase()] }));
  add('an empty role keyid', around({ ...odd, keyids: [''] }));
  add('an empty role keyid, with an empty keyid in keys', around({ ...odd, keyids: [''] }, { '': keyJSON(6) }));
  add('no keyids', around({ ...odd, keyids: [] }));
  add('keyids that is not an array', withRawMember(odd, 'keyids', `"${KEYIDS[3]}"`));
  add('a keyid that is not a string', withRawMember(odd, 'keyids', '[3]'));
  add('a role without keyids', withRawMember(odd, 'keyids', undefined));
  {
    const keys: Record<string, unknown> = {};
    for (let i = 6; i < 40; i++) keys[KEYIDS[i]!] = keyJSON(i);
    for (const n of [31, 32, 33, 34])
      add(`a role of ${n} keyids`, around({ ...odd, keyids: KEYIDS.slice(6, 6 + n) }, keys));
    add(
      'a role of 33 keyids, the last one twice',
      around({ ...odd, keyids: [...KEYIDS.slice(6, 38), KEYIDS[37]!] }, keys),
    );
    add(
      'a role of 32 keyids, the last one twice',
      around({ ...odd, keyids: [...KEYIDS.slice(6, 37), KEYIDS[36]!] }, keys),
    );
    add(
      'a role of 33 keyids, one not in keys',
      around({ ...odd, keyids: [...KEYIDS.slice(6, 38), KEYIDS[50]!] }, keys),
    );
  }

  // Thresholds (written as bytes).
  for (const t of [
    '0',
    '01',
    '00',
    '-1',
    '-0',
    '1.0',
    '1.5',
    '1e3',
    '1E3',
    '2',
    '999999999999999',
    '1000000000000000',
    '9999999999999999',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '18446744073709551616',
    '"1"',
    'true',
    'null',
    '[1]',
    '{}',
    ' 1',
    '1 ',
  ]) {
    add(`threshold ${t}`, withRawMember(odd, 'threshold', t));
  }
  add('no threshold', withRawMember(odd, 'threshold', undefined));

  // Terminating.
  for (const t of ['1', '0', '"true"', 'null', 'True', 'tru', 'truee', 'false', 'true '])
    add(`terminating ${t}`, withRawMember(odd, 'terminating', t));
  add('no terminating', withRawMember(odd, 'terminating', undefined));

  // Paths and path hash prefixes.
  const { paths: _paths, ...noPaths } = odd;
  add('both paths and path_hash_prefixes', around({ ...odd, path_hash_prefixes: ['ab'] }));
  add('neither paths nor path_hash_prefixes', around(noPaths));
  add('empty paths', around({ ...odd, paths: [] }));
  add('an empty path', around({ ...odd, paths: [''] }));
  add('a unicode path', around({ ...odd, paths: ['é/*'] }));
  add('a path with a quote', around({ ...odd, paths: ['a"b'] }));
  add('a path that is a number', withRawMember(odd, 'paths', '[1]'));
  add('paths that is a string', withRawMember(odd, 'paths', '"a"'));
  add('paths null', withRawMember(odd, 'paths', 'null'));
  add('empty path_hash_prefixes', around({ ...noPaths, path_hash_prefixes: [] }));
  for (const p of ['', '0A', 'A', 'g', 'ab ', ' ab', '0x1f', '-1', 'abcdef0123456789', 'é'])
    add(`path hash prefix ${JSON.stringify(p)}`, around({ ...noPaths, path_hash_prefixes: ['0a', p] }));
  add('a path hash prefix that is a number', withRawMember(noPaths, 'path_hash_prefixes', '[10]'));
  add('path_hash_prefixes null', withRawMember(noPaths, 'path_hash_prefixes', 'null'));

  // Custom fields.
  add('a custom field in a role', around({ ...odd, 'x-note': 'n' }));
  add('a custom field sorting first in a role', around({ ...odd, a: 1 }));
  add('a custom field sorting between members of a role', around({ ...odd, 'o-field': true }));
  add(
    'a custom field named __proto__ in a role',
    text(around(odd)).replace('{"keyids":["' + KEYIDS[3], '{"__proto__":{"x":1},"keyids":["' + KEYIDS[3]),
  );
  add(
    'a role that is not an object',
    text({ keys: around(undefined).keys, roles: [role('project-0', [0]), 'project-1'] }),
  );
  add('a role that is null', text({ keys: around(undefined).keys, roles: [role('project-0', [0]), null] }));

  // Keys.
  const oddKeyid = KEYIDS[20]!;
  const withKey = (what: string, key: unknown, keyid = oddKeyid): void => {
    add(`${what}, used`, around({ ...odd, keyids: [KEYIDS[3]!, keyid] }, { [keyid]: key }));
    add(`${what}, unused`, around(odd, { [keyid]: key }));
  };
  const pub = publicHex(20);
  withKey('a usual key', keyJSON(20));
  withKey('a public key of 63 characters', { ...keyJSON(20), keyval: { public: pub.slice(0, 63) } });
  withKey('a public key of 65 characters', { ...keyJSON(20), keyval: { public: `${pub}0` } });
  withKey('a public key in upper-case hex', { ...keyJSON(20), keyval: { public: pub.toUpperCase() } });
  withKey('a public key with one upper-case digit', {
    ...keyJSON(20),
    keyval: { public: `${pub.slice(0, 10)}A${pub.slice(11)}` },
  });
  withKey('a public key that is not hex', {
    ...keyJSON(20),
    keyval: { public: `${pub.slice(0, 10)}g${pub.slice(11)}` },
  });
  withKey('an empty public key', { ...keyJSON(20), keyval: { public: '' } });
  withKey('a public key that is a number', { ...keyJSON(20), keyval: { public: 5 } });
  withKey('no public key', { ...keyJSON(20), keyval: {} });
  withKey('keyval that is a string', { ...keyJSON(20), keyval: pub });
  withKey('keytype ed25519, scheme Ed25519', { ...keyJSON(20), scheme: 'Ed25519' });
  withKey('keytype Ed25519, scheme ed25519', { ...keyJSON(20), keytype: 'Ed25519' });
  withKey('keytype ecdsa with an ed25519 public value', {
    ...keyJSON(20),
    keytype: 'ecdsa',
    scheme: 'ecdsa-sha2-nistp256',
  });
  withKey('an unknown key type', { keytype: 'x', scheme: 'y', keyval: { public: 'anything' } });
  withKey('a custom field in a key', { ...keyJSON(20), 'x-ceremony-owner': 'alice' });
  withKey('a custom field sorting first in a key', { ...keyJSON(20), a: 1 });
  withKey('a custom field in keyval', { ...keyJSON(20), keyval: { public: pub, private: '' } });
  withKey('a custom field sorting first in keyval', { ...keyJSON(20), keyval: { a: 1, public: pub } });
  withKey('a key that is not an object', pub);
  withKey('a key that is an array', [keyJSON(20)]);
  withKey('a key that is null', null);
  withKey('an empty keyid', keyJSON(20), '');
  withKey('a short keyid', keyJSON(20), 'k');
  withKey('a keyid with a space', keyJSON(20), 'a b');
  withKey('a non-ASCII keyid', keyJSON(20), 'clé');
  withKey('a keyid with a quote', keyJSON(20), 'a"b');
  add('a non-ASCII keyid in keys, unused', around(odd, { clé: keyJSON(20) }));
  add(
    'a role naming a non-ASCII keyid, used',
    text(around(odd, { clé: keyJSON(20) })).replace(
      `"keyids":["${KEYIDS[3]}"],"name":"odd"`,
      '"keyids":["clé"],"name":"odd"',
    ),
  );
  {
    const plain = text(around(odd));
    const id = KEYIDS[3]!;
    const escaped = `\\u00${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
    add('a keyid escaped in keys, plain in the role', plain.replace(`"${id}":{`, `"${escaped}":{`));
    add('a keyid plain in keys, escaped in the role', plain.replace(`"keyids":["${id}"]`, `"keyids":["${escaped}"]`));
    add(
      'a keyid escaped in keys, escaped in the role',
      plain.replace(`"${id}":{`, `"${escaped}":{`).replace(`"keyids":["${id}"]`, `"keyids":["${escaped}"]`),
    );
    add(
      'a role keyid escaped as itself twice in one role',
      plain.replace(`"keyids":["${id}"]`, `"keyids":["${id}","${escaped}"]`),
    );
  }
  {
    // Keys out of order and duplicated: written as text, since a JSON object cannot say it.
    const d = around(odd);
    const entries = Object.keys(d['keys'] as object)
      .sort()
      .map((id) => `${JSON.stringify(id)}:${text((d['keys'] as Record<string, unknown>)[id])}`);
    const rebuilt = (list: string[]): string => `{"keys":{${list.join(',')}},"roles":${text(d['roles'])}}`;
    expect(rebuilt(entries)).toBe(text(d));
    add('keys out of order (last two swapped)', rebuilt([...entries.slice(0, -2), entries.at(-1)!, entries.at(-2)!]));
    add('keys out of order (first two swapped)', rebuilt([entries[1]!, entries[0]!, ...entries.slice(2)]));
    add('keys reversed', rebuilt([...entries].reverse()));
    add('a keyid twice in keys, adjacent', rebuilt([entries[0]!, entries[0]!, ...entries.slice(1)]));
    add('a keyid twice in keys, far apart', rebuilt([...entries, entries[0]!]));
    add(
      'a keyid twice in keys, same keyid different key',
      rebuilt([...entries, entries[0]!.replace(publicHex(0), publicHex(30))]),
    );
    add('keys with a space after a comma', rebuilt(entries).replace('}},"', '}}, "'));
  }

  // The containers.
  const keysAndRoles = around(odd);
  const rolesText = text(keysAndRoles['roles']);
  const keysText = text(keysAndRoles['keys']);
  add('keys given as [], roles referencing keys', `{"keys":[],"roles":${rolesText}}`);
  add('keys given as {}, roles referencing keys', `{"keys":{},"roles":${rolesText}}`);
  add('keys given as {}, a role without keyids', text({ keys: {}, roles: [role('a', [])] }));
  add('keys given as [], a role without keyids', text({ keys: [], roles: [role('a', [])] }));
  add(
    'keys given as [] holding the key objects',
    text({ keys: Object.values(keysAndRoles['keys'] as object), roles: keysAndRoles['roles'] }),
  );
  add('keys given as [ … ] around keyid: key members', `{"keys":[${keysText.slice(1, -1)}],"roles":${rolesText}}`);
  add(
    'one key given as [ keyid: key ], no roles',
    `{"keys":[${text({ [KEYIDS[0]!]: keyJSON(0) }).slice(1, -1)}],"roles":[]}`,
  );
  add('keys given as a string', `{"keys":"x","roles":${rolesText}}`);
  add('keys null', `{"keys":null,"roles":${rolesText}}`);
  add('no keys', `{"roles":${rolesText}}`);
  add('roles given as {}', `{"keys":${keysText},"roles":{}}`);
  add('roles given as [] (no role)', `{"keys":${keysText},"roles":[]}`);
  add('roles given as { … } around role objects', `{"keys":${keysText},"roles":{${rolesText.slice(1, -1)}}}`);
  add('one role given as { role }', `{"keys":${keysText},"roles":{${text(role('a', [0]))}}}`);
  add('roles given as an object of roles', `{"keys":${keysText},"roles":${text({ a: role('a', [0]) })}}`);
  add('roles null', `{"keys":${keysText},"roles":null}`);
  add('roles before keys', `{"roles":${rolesText},"keys":${keysText}}`);
  add('roles before keys, a keyid not in keys', `{"roles":${text([role('a', [40])])},"keys":${keysText}}`);
  add('roles with a space after a comma', `{"keys":${keysText},"roles":${rolesText.replace('},{', '}, {')}}`);
  add('roles with a newline before the end', `{"keys":${keysText},"roles":${rolesText.slice(0, -1)}\n]}`);
  add('a trailing comma in keys', `{"keys":${keysText.slice(0, -1)},},"roles":${rolesText}}`);
  add('a trailing comma in roles', `{"keys":${keysText},"roles":${rolesText.slice(0, -1)},]}`);
  add('keys twice', `{"keys":${keysText},"keys":${keysText},"roles":${rolesText}}`);
  add('a custom field in delegations', text({ ...keysAndRoles, 'x-d': [1, 'two'] }));
  const succinct = { keyids: [KEYIDS[0]!], threshold: 1, bit_length: 8, name_prefix: 'bins' };
  add('succinct_roles together with roles', text({ ...keysAndRoles, succinct_roles: succinct }));
  add('succinct_roles alone', text({ keys: keysAndRoles['keys'], succinct_roles: succinct }));
  add(
    'succinct_roles with a keyid not in keys',
    text({ keys: keysAndRoles['keys'], succinct_roles: { ...succinct, keyids: [KEYIDS[40]!] } }),
  );
  add('neither roles nor succinct_roles', text({ keys: keysAndRoles['keys'] }));
  add('delegations that is an array', '[]');
  add('delegations null', 'null');
  return cases;
}

// ---------------------------------------------------------------------------------------------

describe('fast and general reading of delegations agree', () => {
  it('canonical claimed-like roles of 1 to 50 delegations are read alike, and the fast way reads them', () => {
    const found: string[] = [];
    let inputs = 0;
    for (let n = 1; n <= 50; n++) {
      const bytes = claimedLike(n, 1000 + n);
      inputs++;
      const problem = disagreement(`${n} delegations`, bytes);
      if (problem) found.push(problem);
      expect(readDirect(bytes, false), `${n} delegations`).toMatch(/^read /);
      // Otherwise the comparison would compare the general way with itself.
      expect(generalEntries(bytes), `entries read the general way in ${n} delegations`).toBe(0);
    }
    for (const n of [1, 2, 17, 50]) {
      const bytes = buildClaimedRole(PUBLIC_KEYS.subarray(0, 32 * n), EXPIRES).toBytes();
      inputs++;
      const problem = disagreement(`buildClaimedRole of ${n}`, bytes);
      if (problem) found.push(problem);
      expect(generalEntries(bytes)).toBe(0);
    }
    expectAgreement(found, inputs);
  });

  it('every single-byte change, deletion and insertion inside a small canonical delegations object', () => {
    // Two keys, three roles: two keyids, one, none; paths, path hash prefixes, no paths.
    const keys = new Map<string, Key>();
    for (let i = 0; i < 2; i++) keys.set(KEYIDS[i]!, Key.fromJSON(keyJSON(i)));
    const roles = [
      new DelegatedRole('pa', [KEYIDS[0]!, KEYIDS[1]!], 2, true, ['pa', 'pa/*'], undefined),
      new DelegatedRole('pb', [KEYIDS[1]!], 1, false, undefined, ['0a', 'f']),
      new DelegatedRole('pc', [], 10, true, [], undefined),
    ];
    const base = canonicalFile(new Delegations(keys, roles, undefined));
    expect(generalEntries(base)).toBe(0);
    const { start, end } = delegationsRange(base);
    const replacements = Buffer.from('"\\,:[]{}019afgA \n\x7f\x80\xff-te', 'latin1');
    expect(replacements.length).toBe(23);
    const found: string[] = [];
    let inputs = 0;
    const check = (what: string, bytes: Buffer, shownEnd: number): void => {
      inputs++;
      const problem = disagreement(what, bytes, bytes.subarray(start, shownEnd));
      if (problem) found.push(problem);
    };
    const name = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
    // Most of these inputs are refused: a stack trace for each error would take most of the time.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let pos = start; pos < end; pos++) {
        for (const b of replacements) {
          if (base[pos] === b) continue;
          const bytes = Buffer.from(base);
          bytes[pos] = b;
          check(`byte ${pos - start} (${name(base[pos]!)}) replaced by ${name(b)}`, bytes, end);
        }
        check(
          `byte ${pos - start} (${name(base[pos]!)}) deleted`,
          Buffer.concat([base.subarray(0, pos), base.subarray(pos + 1)]),
          end - 1,
        );
      }
      for (let pos = start; pos <= end; pos++) {
        for (const b of replacements) {
          check(
            `${name(b)} inserted at byte ${pos - start}`,
            Buffer.concat([base.subarray(0, pos), Buffer.of(b), base.subarray(pos)]),
            end + 1,
          );
        }
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    expectAgreement(found, inputs);
  });

  it('targeted cases', () => {
    const found: string[] = [];
    const cases = targetedCases();
    for (const c of cases) {
      const problem = disagreement(c.what, documentWith(c.delegations), Buffer.from(c.delegations, 'utf8'));
      if (problem) found.push(problem);
    }
    expectAgreement(found, cases.length);
  });

  it('targeted cases have the outcome the rules give', () => {
    const outcome = (delegations: string | JsonObject): string =>
      readDirect(documentWith(typeof delegations === 'string' ? delegations : text(delegations)), false);
    const odd = role('odd', [3]);
    expect(outcome(around(odd))).toMatch(/^read /);
    for (const name of ['root', 'targets', 'snapshot', 'timestamp', ''])
      expect(outcome(around({ ...odd, name }))).toMatch(/cannot be a delegated role name/);
    expect(outcome(around({ ...odd, name: 'project-1' }))).toMatch(/"project-1" is delegated twice/);
    expect(outcome(around({ ...odd, keyids: [KEYIDS[3]!, KEYIDS[3]!] }))).toMatch(/is listed twice/);
    expect(outcome(around({ ...odd, keyids: [KEYIDS[40]!] }))).toMatch(/is not in delegations.keys/);
    expect(outcome(withRawMember(odd, 'threshold', '0'))).toMatch(/^refused: signed.delegations.roles\[2\].threshold/);
    expect(outcome(withRawMember(odd, 'threshold', '9007199254740993'))).toMatch(/^refused: not valid JSON/);
    expect(outcome(around({ ...odd, path_hash_prefixes: ['ab'] }))).toMatch(
      /exactly one of "paths" and "path_hash_prefixes"/,
    );
    const { paths: _paths, ...noPaths } = odd;
    expect(outcome(around({ ...noPaths, path_hash_prefixes: ['0A'] }))).toMatch(/not lowercase hex/);
    expect(
      outcome(
        around(role('odd', [3, 20]), {
          [KEYIDS[20]!]: { ...keyJSON(20), keyval: { public: publicHex(20).toUpperCase() } },
        }),
      ),
    ).toMatch(/64 lowercase hex/);
  });

  it('20,000 roles with random names still read, alike', () => {
    const r = random(20_000);
    const chars = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).filter(
      (c) => c !== '"' && c !== '\\',
    );
    const names = new Set<string>();
    while (names.size < 20_000) {
      const name = Array.from({ length: 1 + r.int(24) }, () => r.pick(chars)).join('');
      if (!['root', 'targets', 'snapshot', 'timestamp'].includes(name)) names.add(name);
    }
    const keys = new Map<string, Key>();
    for (let i = 0; i < 64; i++) keys.set(KEYIDS[i]!, Key.fromJSON(keyJSON(i)));
    const roles = [...names].map(
      (name) => new DelegatedRole(name, [KEYIDS[r.int(64)]!], 1, r.next() < 0.5, [name], undefined),
    );
    const bytes = canonicalFile(new Delegations(keys, roles, undefined));
    const o = outcomes(bytes);
    expect(o.general.startsWith('read ')).toBe(true);
    expect(o.fast === o.general, 'the fast way reads 20,000 random names as the general way does').toBe(true);
    expect(o.metadata === o.general, 'Metadata.fromBytes reads 20,000 random names as the general way does').toBe(true);
    expect(o.plain === o.general, 'Delegations.fromJSON reads 20,000 random names as the general way does').toBe(true);
    expect(o.payloadProblem).toBeUndefined();
  });
});
