/**
 * The summary of a claimed role whose two versions keep their delegations as canonical bytes
 * (decision 0005), compared on those bytes, against the summary of the same two files with their
 * delegations made into objects (the object comparison): on random mutations (projects added,
 * removed, re-keyed, moved; paths, terminating flag and threshold changed; a keyid mapped to
 * another key; custom fields in a role, a key, the delegations or the role; entries of unusual
 * shape; empty roles) both give the same summary, field for field. Then hostile versions: a
 * change anywhere in the bytes a signature covers shows in the summary (docs/formats/event.md,
 * "What the summary shows").
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { random } from '../../helpers/random.js';
import type { EventRole } from '../../../src/ceremony/events/event.js';
import { delegationBytesDiff, unexplainedDifferences } from '../../../src/ceremony/events/event-diff.js';
import {
  renderSummary,
  shownElsewhere,
  summarizeRole,
  type RoleSummary,
} from '../../../src/ceremony/events/event-summary.js';
import { canonicalize, serializeJson } from '../../../src/tuf/json/index.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';
import { Metadata, type Targets } from '../../../src/tuf/model/metadata.js';
import { Delegations } from '../../../src/tuf/model/roles.js';

type Json = any;

/** Everything but version and expires, from the object tree: the reference for "re-sign only". */
function contentOf(md: Metadata): Buffer {
  const json = md.signed.toJSON();
  delete json['version'];
  delete json['expires'];
  return canonicalize(json);
}
type Doc = { signed: Json; signatures: Json[] };

/** Names, keys and roles made from a seeded generator, so that a failure can be replayed. */
class Gen {
  private n = 0;
  private readonly r: ReturnType<typeof random>;
  constructor(seed: number) {
    this.r = random(seed);
  }
  rnd(): number {
    return this.r.next();
  }
  int(max: number): number {
    return this.r.int(max);
  }
  pick<T>(list: readonly T[]): T {
    return this.r.pick(list);
  }
  hex(bytes: number): string {
    return this.r.hex(2 * bytes);
  }
  /** A new Ed25519 key under its own keyid, added to `doc`'s keys. */
  key(doc: Doc): string {
    const key = { keytype: 'ed25519', keyval: { public: this.hex(32) }, scheme: 'ed25519' };
    const keyid = sha256Hex(canonicalize(key));
    doc.signed.delegations.keys[keyid] = key;
    return keyid;
  }
  role(doc: Doc, name = `project-${this.n++}-${this.hex(2)}`): Json {
    return { keyids: [this.key(doc)], name, paths: [name], terminating: true, threshold: 1 };
  }
}

function claimed(g: Gen, count: number): Doc {
  const doc: Doc = {
    signatures: [],
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 2,
      expires: '2031-08-29T00:00:00Z',
      targets: {},
      delegations: { keys: {}, roles: [] },
    },
  };
  for (let i = 0; i < count; i++) doc.signed.delegations.roles.push(g.role(doc));
  return doc;
}

const copy = (doc: Doc): Doc => JSON.parse(JSON.stringify(doc));

/** A key under `keyid`, also "__proto__", moved from under `from`. */
function renameKey(doc: Doc, from: string, keyid: string): void {
  const keys = doc.signed.delegations.keys;
  Object.defineProperty(keys, keyid, { value: keys[from], enumerable: true, writable: true, configurable: true });
  delete keys[from];
}
const rolesOf = (doc: Doc): Json[] => doc.signed.delegations.roles;

/** One change to the next version, as an admin's command or a hostile medium might make it. */
const MUTATIONS: Record<string, (g: Gen, doc: Doc) => void> = {
  add: (g, doc) => rolesOf(doc).splice(g.int(rolesOf(doc).length + 1), 0, g.role(doc)),
  remove: (g, doc) => {
    const [r] = rolesOf(doc).splice(g.int(rolesOf(doc).length), 1);
    if (r && g.rnd() < 0.5) for (const id of r.keyids) delete doc.signed.delegations.keys[id];
  },
  rekey: (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r.keyids = [g.key(doc)];
  },
  'second key': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r.keyids = [...r.keyids, g.key(doc)];
  },
  'keyids reordered': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r.keyids = [g.key(doc), ...r.keyids];
  },
  paths: (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r?.paths) r.paths = g.rnd() < 0.5 ? [...r.paths, `${r.name}/*`] : [`${r.name}-other`];
  },
  'hash prefixes': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (!r) return;
    delete r.paths;
    r.path_hash_prefixes = [g.hex(1)];
  },
  terminating: (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r.terminating = !r.terminating;
  },
  threshold: (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r.threshold += 1;
  },
  move: (g, doc) => {
    const roles = rolesOf(doc);
    const [r] = roles.splice(g.int(roles.length), 1);
    if (r) roles.splice(g.int(roles.length + 1), 0, r);
  },
  'swap two': (g, doc) => {
    const roles = rolesOf(doc);
    if (roles.length < 2) return;
    const i = g.int(roles.length);
    const j = g.int(roles.length);
    [roles[i], roles[j]] = [roles[j], roles[i]];
  },
  'keyid mapped to another key': (g, doc) => {
    const ids = Object.keys(doc.signed.delegations.keys);
    if (ids.length) doc.signed.delegations.keys[g.pick(ids)].keyval.public = g.hex(32);
  },
  'key nobody uses': (g, doc) => void g.key(doc),
  'custom field in a role': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r) r['x-note'] = { why: g.hex(2) };
  },
  'custom field in a key': (g, doc) => {
    const ids = Object.keys(doc.signed.delegations.keys);
    if (ids.length) doc.signed.delegations.keys[g.pick(ids)]['x-tuf-ceremony-owner'] = 'someone';
  },
  'custom field in delegations': (g, doc) => (doc.signed.delegations['x-policy'] = g.hex(2)),
  'custom field in the role': (g, doc) => (doc.signed['x-top'] = [g.hex(2)]),
  spec_version: (_, doc) => (doc.signed.spec_version = '1.0.32'),
  'a target': (g, doc) => (doc.signed.targets[`file-${g.hex(2)}`] = { length: 1, hashes: { sha256: g.hex(32) } }),
  'a name not plain ASCII': (g, doc) => {
    const r = g.role(doc, `projé-${g.hex(4)}`);
    rolesOf(doc).push(r);
  },
  'a path with an escape': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (r?.paths) r.paths = ['with "quotes"'];
  },
  'an ECDSA key': (g, doc) => {
    const r = g.pick(rolesOf(doc));
    if (!r) return;
    const keyid = g.hex(32);
    doc.signed.delegations.keys[keyid] = {
      keytype: 'ecdsa',
      keyval: { public: `-----BEGIN PUBLIC KEY-----\n${g.hex(40)}\n-----END PUBLIC KEY-----\n` },
      scheme: 'ecdsa-sha2-nistp256',
    };
    r.keyids = [keyid];
  },
  'no roles left': (_, doc) => {
    doc.signed.delegations.roles = [];
    doc.signed.delegations.keys = {};
  },
  'names of Object.prototype': (g, doc) => {
    if (rolesOf(doc).some((r) => r.name === 'constructor')) return;
    const r = g.role(doc, 'constructor');
    const keyid = g.pick(['constructor', 'toString', '__proto__', 'hasOwnProperty']);
    renameKey(doc, r.keyids[0], keyid);
    r.keyids = [keyid];
    rolesOf(doc).splice(g.int(rolesOf(doc).length + 1), 0, r);
  },
};

/** The mutations that keep every entry of the usual shape (the fast comparison applies). */
const USUAL = [
  'add',
  'remove',
  'rekey',
  'second key',
  'keyids reordered',
  'paths',
  'hash prefixes',
  'terminating',
  'threshold',
  'move',
  'swap two',
  'keyid mapped to another key',
  'key nobody uses',
  'custom field in delegations',
  'custom field in the role',
  'spec_version',
  'a target',
  'names of Object.prototype',
  'no roles left',
];

const read = (doc: Doc): Metadata<Targets> => Metadata.fromBytes<Targets>(serializeJson(doc), '2.claimed.json');

/** The same file, its delegations made into objects: the summary then compares objects. */
function asObjects(doc: Doc): Metadata<Targets> {
  const md = read(doc);
  void md.signed.delegations?.roles;
  expect(md.signed.delegations?.keptAsBytes ?? false).toBe(false);
  return md;
}

function summary(previous: Metadata, metadata: Metadata): RoleSummary {
  const role: EventRole = {
    role: 'claimed',
    file: `${metadata.signed.version}.claimed.json`,
    version: metadata.signed.version,
    replaces: previous.signed.version,
    metadata,
    payloadSha256: sha256Hex(metadata.payload()),
    previous,
    thresholds: [],
  };
  return summarizeRole(role);
}

function nextVersion(doc: Doc): Doc {
  const next = copy(doc);
  next.signed.version += 1;
  next.signed.expires = '2031-08-30T00:00:00Z';
  return next;
}

/** Both summaries of one pair; whether the bytes were compared (and no delegations made whole then). */
function both(before: Doc, after: Doc): { onBytes: boolean; summary: RoleSummary } {
  const a = read(before);
  const b = read(after);
  const onBytes = delegationBytesDiff(a.signed, b.signed) !== null;
  const fast = whileCountingMade(() => summary(a, b));
  if (onBytes) expect(fast.made).toBe(0);
  const reference = summary(asObjects(before), asObjects(after));
  expect(fast.value).toStrictEqual(reference);
  // One side compact, the other made into objects: compared as objects, alike.
  expect(summary(read(before), asObjects(after))).toStrictEqual(reference);
  return { onBytes, summary: fast.value };
}

/** How many compact delegations were made whole into objects while `f` ran. */
function whileCountingMade<T>(f: () => T): { value: T; made: number } {
  const proto = Delegations.prototype as unknown as { materialize: () => void };
  const materialize = proto.materialize;
  let made = 0;
  vi.spyOn(proto, 'materialize').mockImplementation(function (this: Delegations) {
    if (this.keptAsBytes) made++;
    materialize.call(this);
  });
  try {
    return { value: f(), made };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('the summary compared on the bytes gives what the object comparison gives', () => {
  it('on random mutations of a claimed role, usual and unusual, both versions', () => {
    const names = Object.keys(MUTATIONS);
    let onBytes = 0;
    let runs = 0;
    for (let seed = 1; seed <= 160; seed++) {
      const g = new Gen(seed);
      const base = claimed(g, seed % 7 === 0 ? 0 : 5 + g.int(40));
      // The version replaced is sometimes of an unusual shape itself.
      if (seed % 5 === 0) MUTATIONS[g.pick(names)]!(g, base);
      const next = nextVersion(base);
      const pool = seed % 3 === 0 ? names : USUAL;
      const count = seed % 11 === 0 ? 0 : 1 + g.int(4);
      for (let k = 0; k < count; k++) MUTATIONS[g.pick(pool)]!(g, next);
      const r = both(base, next);
      runs++;
      if (r.onBytes) onBytes++;
      if (count === 0 && r.onBytes) expect(r.summary.contentUnchanged).toBe(true);
    }
    // Most runs go the fast way, and some do not: both ways are exercised.
    expect(onBytes).toBeGreaterThan(runs / 2);
    expect(onBytes).toBeLessThan(runs);
  });

  it('each mutation on its own, from a role of usual shape', () => {
    for (const [name, mutate] of Object.entries(MUTATIONS)) {
      const g = new Gen(name.length * 7919);
      const base = claimed(g, 30);
      const next = nextVersion(base);
      mutate(g, next);
      const r = both(base, next);
      expect(r.onBytes, name).toBe(USUAL.includes(name));
      expect(r.summary.contentUnchanged, name).toBe(false);
      expect(r.summary.differences.length > 0 || r.summary.delegationOrder !== undefined, name).toBe(true);
    }
  });

  it('a re-sign, empty roles on both sides, and a role emptied', () => {
    const g = new Gen(99);
    const base = claimed(g, 12);
    expect(both(base, nextVersion(base)).summary.contentUnchanged).toBe(true);
    const empty = claimed(g, 0);
    expect(both(empty, nextVersion(empty)).summary.contentUnchanged).toBe(true);
    const emptied = nextVersion(base);
    MUTATIONS['no roles left']!(g, emptied);
    const r = both(base, emptied);
    expect(r.onBytes).toBe(true);
    expect(r.summary.delegations!.removed).toHaveLength(12);
  });

  it('an order change is found without moving names that both versions keep', () => {
    const g = new Gen(5);
    const base = claimed(g, 40);
    const next = nextVersion(base);
    const roles = rolesOf(next);
    roles.splice(3, 1); // removed: not an order change
    roles.splice(10, 0, g.role(next)); // added: not one either
    const [moved] = roles.splice(30, 1);
    roles.splice(20, 0, moved);
    const r = both(base, next);
    expect(r.onBytes).toBe(true);
    expect(r.summary.delegationOrder?.from).toBe(19);
    expect(r.summary.delegationOrder?.after[0]).toBe(moved.name);
    expect(r.summary.delegationOrder?.before).toHaveLength(10);
  });
});

describe('nothing the signature covers changes unseen (hostile next versions)', () => {
  it('any byte of the delegations changed: the summary says what, as the object comparison does', () => {
    const g = new Gen(2024);
    const base = claimed(g, 25);
    const bytes = serializeJson(nextVersion(base));
    const from = bytes.indexOf('"delegations":');
    const to = bytes.indexOf('"expires":');
    let shown = 0;
    for (let k = 0; k < 600; k++) {
      const mutated = Buffer.from(bytes);
      mutated[from + g.int(to - from)] = g.pick([...'0123456789abcdefxyz"\\,:[]{}AZ-/ é'].map((c) => c.charCodeAt(0)));
      let next: Metadata<Targets>;
      try {
        next = Metadata.fromBytes<Targets>(mutated, '3.claimed.json');
      } catch {
        continue;
      }
      if (next.signed.delegations === undefined || next.signed.delegations.succinctRoles) continue;
      const fast = summary(read(base), next);
      const objects = Metadata.fromBytes<Targets>(mutated, '3.claimed.json');
      void objects.signed.delegations!.roles;
      const reference = summary(asObjects(base), objects);
      expect(fast).toStrictEqual(reference);
      const changed = !contentOf(asObjects(base)).equals(contentOf(objects));
      expect(fast.contentUnchanged).toBe(!changed);
      if (changed) {
        expect(fast.differences.length > 0 || fast.delegationOrder !== undefined).toBe(true);
        shown++;
      }
    }
    expect(shown).toBeGreaterThan(50);
  });

  it('a keyid mapped to another key is an "other field changed" line, though no project is re-keyed', () => {
    const g = new Gen(17);
    const base = claimed(g, 10);
    const next = nextVersion(base);
    const victim = rolesOf(next)[4];
    next.signed.delegations.keys[victim.keyids[0]].keyval.public = g.hex(32);
    const r = both(base, next);
    expect(r.onBytes).toBe(true);
    expect(r.summary.delegations!.rekeyed).toEqual([]);
    const shown = unexplainedDifferences(r.summary.differences, shownElsewhere(r.summary)).map((f) => f.path);
    expect(shown).toEqual([`delegations.keys.${victim.keyids[0]}.keyval.public`]);
    expect(renderSummary({ ...event(), roles: [r.summary] })).toContain(
      `~ delegations.keys.${victim.keyids[0]}.keyval.public:`,
    );
  });

  it('two projects exchanging their keys are both re-keyed; a project moved first is an order change', () => {
    const g = new Gen(23);
    const base = claimed(g, 10);
    const next = nextVersion(base);
    const [a, b] = [rolesOf(next)[2], rolesOf(next)[7]];
    [a.keyids, b.keyids] = [b.keyids, a.keyids];
    const r = both(base, next);
    expect(r.summary.delegations!.rekeyed.map((x) => x.name)).toEqual([a.name, b.name]);
    const moved = nextVersion(base);
    rolesOf(moved).unshift(...rolesOf(moved).splice(9, 1));
    const m = both(base, moved);
    expect(m.onBytes).toBe(true);
    expect(m.summary.differences).toEqual([]);
    expect(m.summary.delegationOrder?.from).toBe(0);
    expect(m.summary.delegationOrder?.after[0]).toBe(rolesOf(moved)[0].name);
    expect(renderSummary({ ...event(), roles: [m.summary] })).toContain('delegation ORDER changed');
  });

  it('a change named like a line the summary shows, or a key no line names, is a line of its own', () => {
    const g = new Gen(41);
    const base = claimed(g, 6);
    const render = (r: RoleSummary) => renderSummary({ ...event(), roles: [r] }, { everyRole: true });
    const cases: Array<[string, (next: Doc) => void, string]> = [
      ['a key no role uses', (next) => void g.key(next), '+ delegations.keys.'],
      ['a role custom field named like its paths', (next) => (rolesOf(next)[2]['paths[0]'] = 'x'), '["paths[0]"]: "x"'],
      [
        'a delegations field named like an added key',
        (next) => {
          const added = g.role(next);
          rolesOf(next).push(added);
          next.signed.delegations[`keys.${added.keyids[0]}`] = 'x';
        },
        `+ delegations["keys.`,
      ],
      [
        'a top-level field named like a root field',
        (next) => (next.signed['consistent_snapshot'] = true),
        '+ consistent_snapshot: true',
      ],
      [
        'a top-level field named like root roles',
        (next) => (next.signed['roles'] = { root: { threshold: 9 } }),
        '+ roles: {"root"',
      ],
    ];
    for (const [what, change, line] of cases) {
      const next = nextVersion(base);
      change(next);
      const r = both(base, next);
      expect(r.summary.contentUnchanged, what).toBe(false);
      const lines = render(r.summary).split('\n');
      const at = lines.indexOf('    other fields changed (1):');
      expect(at, what).toBeGreaterThan(0);
      expect(lines[at + 1], what).toContain(line);
    }
    // The key a project drops, no role using it any more: named by its removal line.
    const next = nextVersion(base);
    rolesOf(next)[0].keyids = [rolesOf(next)[1].keyids[0]];
    const dropped = rolesOf(base)[0].keyids[0];
    delete next.signed.delegations.keys[dropped];
    expect(render(both(base, next).summary)).not.toContain('other fields changed');
    // A key no role used before, dropped: a line of its own.
    const withSpare = nextVersion(base);
    const spare = g.key(withSpare);
    const r = both(withSpare, nextVersion(base));
    expect(render(r.summary)).toContain(`- delegations.keys.${spare}:`);
  });

  it('a key listed under a keyid that is not its own is named as such, with its key material', () => {
    const g = new Gen(43);
    const base = claimed(g, 6);
    const honest = { keytype: 'ed25519', keyval: { public: g.hex(32) }, scheme: 'ed25519' };
    const theirs = { keytype: 'ed25519', keyval: { public: g.hex(32) }, scheme: 'ed25519' };
    // The keyid of the developer's key, listed over another key: what a signer compares is the keyid.
    const keyid = sha256Hex(canonicalize(honest));
    const render = (r: RoleSummary) => renderSummary({ ...event(), roles: [r] }, { everyRole: true });
    const added = nextVersion(base);
    added.signed.delegations.keys[keyid] = theirs;
    rolesOf(added).push({ keyids: [keyid], name: 'newcomer', paths: ['newcomer'], terminating: true, threshold: 1 });
    const rekeyed = nextVersion(base);
    rekeyed.signed.delegations.keys[keyid] = theirs;
    rolesOf(rekeyed)[3].keyids = [keyid];
    for (const next of [added, rekeyed]) {
      const r = both(base, next);
      const text = render(r.summary);
      const own = sha256Hex(canonicalize(theirs));
      expect(text).toContain(`NOT ITS OWN KEYID (the key's own is ${own.slice(0, 4)}`);
      expect(text).toContain(
        `+ delegations.keys.${keyid}: {"keytype":"ed25519","keyval":{"public":"${theirs.keyval.public.slice(0, 40)}`,
      );
    }
    // The honest key under its own keyid: no such line.
    const honestly = nextVersion(base);
    honestly.signed.delegations.keys[keyid] = honest;
    rolesOf(honestly).push({ keyids: [keyid], name: 'newcomer', paths: ['newcomer'], terminating: true, threshold: 1 });
    const text = render(both(base, honestly).summary);
    expect(text).not.toContain('NOT ITS OWN KEYID');
    expect(text).not.toContain('other fields changed');
  });

  it('keyids named like members of Object.prototype are shown as keys added and removed', () => {
    const g = new Gen(31);
    const base = claimed(g, 5);
    for (const keyid of ['constructor', 'toString', '__proto__']) {
      const next = nextVersion(base);
      const r = g.role(next, `project-${keyid}`);
      renameKey(next, r.keyids[0], keyid);
      r.keyids = [keyid];
      rolesOf(next).push(r);
      const s = both(base, next).summary;
      expect(s.differences.map((f) => f.path)).toEqual([
        `delegations.roles[name=project-${keyid}]`,
        `delegations.keys.${keyid}`,
      ]);
      const back = both(next, nextVersion(base)).summary;
      expect(back.differences.find((f) => f.path === `delegations.keys.${keyid}`)?.to).toBeUndefined();
    }
  });
});

function event() {
  return {
    eventId: 'e',
    eventDigest: 'cd'.repeat(32),
    kind: 'claim',
    description: 'claimed v3',
    repository: 'pypi',
    created: '2031-06-01T00:00:00Z',
    roles: [] as RoleSummary[],
  };
}
