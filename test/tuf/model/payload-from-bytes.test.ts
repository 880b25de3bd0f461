/**
 * What a signature is checked over is exactly the canonical JSON of what was parsed.
 *
 * Metadata.fromBytes keeps the bytes of `signed` as the payload when they are already canonical,
 * and re-encodes the parsed model otherwise. Either way `payload()` must equal
 * `canonicalize(signed.toJSON())`: otherwise a signature would cover one document while the tool
 * acts on another.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClaimedRole } from '../../../bench/claimed-role.js';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { FormatError } from '../../../src/tuf/base/errors.js';
import type { JsonObject } from '../../../src/tuf/model/fields.js';
import { Key } from '../../../src/tuf/model/key.js';
import { Metadata, Root, TargetFile, Targets, type AnySigned } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations, SuccinctRoles } from '../../../src/tuf/model/roles.js';
import { verifyRole, verifyWithRoot } from '../../../src/tuf/verify/verification.js';
import { loadVector, PEP480_DIR } from '../../helpers/vectors.js';
import { random } from '../../helpers/random.js';

const signer = new Ed25519Signer(new Uint8Array(32).fill(21));
const signerKeys = { keyids: [signer.key.keyid], threshold: 1 };
const lookup = (keyid: string): Key | undefined => (keyid === signer.key.keyid ? signer.key : undefined);

type Random = ReturnType<typeof random>;

/** Pieces of text: quotes, backslashes, slashes, non-ASCII, characters above U+FFFF, U+E000..U+FFFF, a byte order mark. */
const PLAIN_PIECES = [
  'a',
  'Z',
  '0',
  '9',
  '-',
  '_',
  '.',
  '/',
  '*',
  '"',
  '\\',
  ' ',
  'é',
  '€',
  '日本',
  '\u2028',
  '\u007f',
  '\ue000',
  '\uffff',
  '\ufeff',
  '😀',
  '\u{10ffff}',
  'name',
  'keyids',
];
/** Control characters: written raw in canonical JSON, escaped in the file. */
const CONTROL_PIECES = ['\n', '\t', '\r', '\b', '\f', '\u0000', '\u0001', '\u001f'];

function generator(r: Random, controls: boolean) {
  const pieces = controls ? [...PLAIN_PIECES, ...CONTROL_PIECES] : PLAIN_PIECES;
  const text = (max = 5): string => Array.from({ length: r.int(max + 1) }, () => r.pick(pieces)).join('');
  const value = (depth: number): unknown => {
    const x = r.next();
    if (depth > 3 || x < 0.4)
      return r.pick([text(), 0, -1, r.int(2 ** 31), -(2 ** 53 - 1), 2 ** 53 - 1, true, false, null]);
    if (x < 0.65) return Array.from({ length: r.int(4) }, () => value(depth + 1));
    const o: JsonObject = {};
    for (let i = r.int(4); i > 0; i--)
      Object.defineProperty(o, r.pick(['__proto__', '', 'x', text()]), {
        value: value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  };
  /** Unknown fields, never named like a field the model reads there. */
  const unknown = (known: readonly string[]): JsonObject => {
    const out: JsonObject = {};
    for (let i = r.int(3); i > 0; i--) {
      const name = r.pick(['__proto__', `x-${text(3)}`, text(3)]);
      if (!known.includes(name))
        Object.defineProperty(out, name, { value: value(0), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return { text, value, unknown };
}

const TARGETS_FIELDS = ['_type', 'spec_version', 'version', 'expires', 'targets', 'delegations'];
const KEY_FIELDS = ['keytype', 'scheme', 'keyval'];
const ROLE_FIELDS = ['name', 'keyids', 'threshold', 'terminating', 'paths', 'path_hash_prefixes'];
const SUCCINCT_FIELDS = ['keyids', 'threshold', 'bit_length', 'name_prefix'];
const DELEGATIONS_FIELDS = ['keys', 'roles', 'succinct_roles'];
const TOP_LEVEL = ['root', 'targets', 'snapshot', 'timestamp', ''];

/** A targets role with everything the model can hold: unknown fields at every level, unicode names, both kinds of delegation. */
function randomTargets(seed: number, controls: boolean): Metadata<Targets> {
  const r = random(seed);
  const g = generator(r, controls);
  const targets = new Map<string, TargetFile>();
  for (let i = r.int(5); i > 0; i--) {
    const hashes: Record<string, string> = { sha256: r.hex(64) };
    if (r.next() < 0.3) hashes['sha512'] = r.hex(128);
    targets.set(
      `${g.text()}/${g.text()}`,
      new TargetFile(r.pick([0, 1, r.int(2 ** 40)]), hashes, g.unknown(['length', 'hashes'])),
    );
  }
  let delegations: Delegations | undefined;
  const kind = r.int(3);
  if (kind > 0) {
    const keys = new Map<string, Key>();
    for (let i = r.int(6); i > 0; i--) {
      const key =
        controls && r.next() < 0.3
          ? new Key(
              'ecdsa',
              'ecdsa-sha2-nistp256',
              { public: `-----BEGIN PUBLIC KEY-----\n${r.hex(40)}\n-----END PUBLIC KEY-----\n` },
              g.unknown(KEY_FIELDS),
            )
          : r.next() < 0.2
            ? new Key(`x-${g.text(2)}`, g.text(2), { public: g.text(), 'x-extra': g.value(1) })
            : new Key('ed25519', 'ed25519', { public: r.hex(64) }, r.next() < 0.4 ? g.unknown(KEY_FIELDS) : undefined);
      keys.set(key.keyid, key);
    }
    const keyids = [...keys.keys()];
    const someKeyids = (): string[] => keyids.filter(() => r.next() < 0.5);
    if (kind === 1) {
      const names = new Set<string>();
      const roles: DelegatedRole[] = [];
      for (let i = r.int(8); i > 0; i--) {
        const name = g.text(4) + r.pick(['', String(i)]);
        if (names.has(name) || TOP_LEVEL.includes(name)) continue;
        names.add(name);
        const byHash = r.next() < 0.4;
        const paths = byHash
          ? undefined
          : Array.from({ length: 1 + r.int(3) }, () => `${g.text(2)}/${r.pick(['*', '?', '[ab]', g.text(2)])}`);
        const prefixes = byHash ? Array.from({ length: 1 + r.int(3) }, () => r.hex(1 + r.int(4))) : undefined;
        roles.push(
          new DelegatedRole(
            name,
            someKeyids(),
            1 + r.int(3),
            r.next() < 0.5,
            paths,
            prefixes,
            r.next() < 0.4 ? g.unknown(ROLE_FIELDS) : undefined,
          ),
        );
      }
      delegations = new Delegations(keys, roles, undefined, r.next() < 0.3 ? g.unknown(DELEGATIONS_FIELDS) : undefined);
    } else {
      const succinct = new SuccinctRoles(
        someKeyids(),
        1 + r.int(2),
        1 + r.int(32),
        g.text(3) || 'bins',
        r.next() < 0.4 ? g.unknown(SUCCINCT_FIELDS) : undefined,
      );
      delegations = new Delegations(
        keys,
        undefined,
        succinct,
        r.next() < 0.3 ? g.unknown(DELEGATIONS_FIELDS) : undefined,
      );
    }
  }
  const unrecognized = g.unknown(TARGETS_FIELDS);
  // Always something for every re-serialisation below to change: a zero, a slash, letters.
  unrecognized['x-fixed'] = { zero: 0, path: 'a/b', letters: 'abc', list: [0, 1] };
  const expires = new Date(Date.UTC(2000 + r.int(100), r.int(12), 1 + r.int(28), r.int(24), r.int(60), r.int(60)));
  return new Metadata(
    new Targets({
      version: 1 + r.int(1_000_000),
      expires,
      specVersion: r.pick(['1.0.31', '1.0', '1.2.3']),
      targets,
      delegations,
      unrecognized,
    }),
    [],
    r.next() < 0.3 ? { 'x-envelope': g.value(1) } : undefined,
  );
}

/** The document JSON.parse reads from a file (the reference reader for the re-serialisations). */
function parsedJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

interface Style {
  /** Members of every object in reverse order (never canonical when an object has two members). */
  reverseKeys?: boolean;
  /** Letters written as \u00XX. */
  escapeLetters?: boolean;
  /** "/" written as "\/". */
  escapeSlash?: boolean;
  /** A space after every ":". */
  spaceAfterColon?: boolean;
  /** Every integer 0 written as -0. */
  negativeZero?: boolean;
}

/** JSON text of `value` in a non-canonical but equivalent form. */
function restyle(value: unknown, style: Style): string {
  const str = (s: string): string => {
    let out = '"';
    for (const c of s) {
      if (style.escapeLetters && /[a-zA-Z]/.test(c)) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (style.escapeSlash && c === '/') out += '\\/';
      else out += JSON.stringify(c).slice(1, -1);
    }
    return `${out}"`;
  };
  const enc = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number') return v === 0 && style.negativeZero ? '-0' : String(v);
    if (typeof v === 'boolean' || v === null) return String(v);
    if (Array.isArray(v)) return `[${v.map(enc).join(',')}]`;
    const keys = Object.keys(v as object);
    if (style.reverseKeys) keys.reverse();
    return `{${keys.map((k) => `${str(k)}:${style.spaceAfterColon ? ' ' : ''}${enc((v as JsonObject)[k])}`).join(',')}}`;
  };
  return enc(value);
}

/** The ways a file can hold the same document without being canonical. */
function reserialisations(bytes: Buffer): Array<[string, Buffer]> {
  const json = parsedJson(bytes);
  const text = bytes.toString('utf8');
  const signedAt = text.indexOf('"signed":') + '"signed":'.length;
  return [
    ['pretty-printed', Buffer.from(JSON.stringify(json, null, 2))],
    ['keys in reverse order', Buffer.from(restyle(json, { reverseKeys: true }))],
    ['letters as \\u00XX escapes', Buffer.from(restyle(json, { escapeLetters: true }))],
    ['"/" as "\\/"', Buffer.from(restyle(json, { escapeSlash: true }))],
    ['a space after every colon', Buffer.from(restyle(json, { spaceAfterColon: true }))],
    ['-0 for every zero', Buffer.from(restyle(json, { negativeZero: true }))],
    // Whitespace inside `signed` but outside `delegations`: the delegations alone are canonical.
    ['one space inside signed', Buffer.from(`${text.slice(0, signedAt + 1)} ${text.slice(signedAt + 1)}`)],
    ['whitespace around signed only', Buffer.from(`${text.slice(0, signedAt)}\n  ${text.slice(signedAt, -2)}\n}\n`)],
  ];
}

/** Where two byte strings first differ, with some context of each, for a readable failure. */
function firstDifference(a: Buffer, b: Buffer): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (x: Buffer): string => JSON.stringify(x.subarray(Math.max(0, i - 40), i + 40).toString('utf8'));
  return `first difference at byte ${i}\n    ${around(a)}\n    ${around(b)}`;
}

/** The central property, for one parsed document. */
function expectPayloadIsWhatWasParsed(parsed: Metadata, original: Buffer, what: string): void {
  const payload = Buffer.from(parsed.payload());
  const reencoded = canonicalize(parsed.signed.toJSON());
  if (!payload.equals(reencoded))
    throw new Error(
      `${what}: payload() (first) is not canonicalize(signed.toJSON()) (second): ${firstDifference(payload, reencoded)}`,
    );
  if (!payload.equals(original))
    throw new Error(
      `${what}: payload() (first) differs from the payload that was written (second): ${firstDifference(payload, original)}`,
    );
  // The payload did not change by being looked at.
  expect(parsed.payload().equals(payload)).toBe(true);
}

async function signedRandomTargets(seed: number, controls: boolean): Promise<Metadata<Targets>> {
  const md = randomTargets(seed, controls);
  await md.sign(signer, 'append');
  return md;
}

describe('the payload read from bytes is the canonical JSON of the parsed document', () => {
  it('random targets roles (unknown fields, unicode names, succinct_roles, path_hash_prefixes), no control characters', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const md = await signedRandomTargets(seed, false);
      const bytes = md.toBytes();
      // No control characters: the file's signed part is canonical, so it is taken as the payload.
      expect(bytes.includes(Buffer.from(md.payload()))).toBe(true);
      const parsed = Metadata.fromBytes(bytes, `random-${seed}.json`);
      expectPayloadIsWhatWasParsed(parsed, md.payload(), `seed ${seed}`);
      expect(parsed.toBytes().equals(bytes)).toBe(true);
      expect(verifyRole(parsed, 'targets', signerKeys, lookup).verified).toBe(true);
    }
  });

  it('random targets roles with control characters in names and custom fields', async () => {
    for (let seed = 1001; seed <= 1100; seed++) {
      const md = await signedRandomTargets(seed, true);
      const bytes = md.toBytes();
      const parsed = Metadata.fromBytes(bytes, `random-${seed}.json`, 'targets');
      expectPayloadIsWhatWasParsed(parsed, md.payload(), `seed ${seed}`);
      expect(parsed.toBytes().equals(bytes)).toBe(true);
      expect(verifyRole(parsed, 'targets', signerKeys, lookup).verified).toBe(true);
    }
  });

  it('claimed-like roles (bench/claimed-role.ts) of a few sizes', async () => {
    for (const count of [0, 1, 2, 47, 48, 300]) {
      const keys = Buffer.alloc(count * 32);
      for (let i = 0; i < keys.length; i++) keys[i] = (i * 131 + count) & 0xff;
      const md = buildClaimedRole(keys, new Date('2031-02-03T04:05:06Z'));
      await md.sign(signer, 'append');
      const bytes = md.toBytes();
      const parsed = Metadata.fromBytes<Targets>(bytes, 'claimed.json', 'targets');
      expectPayloadIsWhatWasParsed(parsed, md.payload(), `claimed role of ${count}`);
      expect(parsed.signed.delegations!.roles).toHaveLength(count);
      expect(verifyRole(parsed, 'claimed', signerKeys, lookup).verified).toBe(true);
    }
  });

  it('the python-tuf vector repository, as written and after a round trip through this model', () => {
    const files = readdirSync(PEP480_DIR).filter((f) => f.endsWith('.json') && f !== 'TEST-KEYS.json');
    const root = Metadata.fromBytes<Root>(readFileSync(join(PEP480_DIR, '1.root.json')), '1.root.json');
    const verifiedWithRoot: Record<string, 'root' | 'targets' | 'snapshot' | 'timestamp'> = {
      '1.targets.json': 'targets',
      '1.snapshot.json': 'snapshot',
      'timestamp.json': 'timestamp',
    };
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const asWritten = Metadata.fromBytes(readFileSync(join(PEP480_DIR, file)), file);
      expectPayloadIsWhatWasParsed(asWritten, canonicalize(asWritten.signed.toJSON()), file);
      const bytes = asWritten.toBytes();
      const again = Metadata.fromBytes(bytes, file);
      expectPayloadIsWhatWasParsed(again, asWritten.payload(), `${file} as written here`);
      // python-tuf's signatures cover the canonical form, which is now read as it is.
      const role = verifiedWithRoot[file];
      if (role) expect(verifyWithRoot(root.signed, role, again).verified).toBe(true);
    }
  });

  it('the canonical JSON vectors, as unknown fields of a targets role', async () => {
    const vectors = loadVector<{ cases: Array<{ name: string; value: unknown; canonical_utf8_hex: string }> }>(
      'canonical-json.json',
    );
    for (const c of vectors.cases) {
      const md = new Metadata(
        new Targets({ version: 1, expires: new Date('2030-01-01T00:00:00Z'), unrecognized: { 'x-vector': c.value } }),
      );
      await md.sign(signer, 'append');
      const parsed = Metadata.fromBytes(md.toBytes(), `${c.name}.json`);
      expectPayloadIsWhatWasParsed(parsed, md.payload(), c.name);
      expect(
        parsed
          .payload()
          .includes(Buffer.from(`"x-vector":${Buffer.from(c.canonical_utf8_hex, 'hex').toString('latin1')}`, 'latin1')),
      ).toBe(true);
    }
  });
});

describe('a non-canonical file of the same document gives the same payload', () => {
  it('pretty-printed, keys reordered, escaped letters, "\\/", spaces, -0: the signature over the canonical form still verifies', async () => {
    for (let seed = 2001; seed <= 2060; seed++) {
      const md = await signedRandomTargets(seed, seed % 3 === 0);
      for (const [how, bytes] of reserialisations(md.toBytes())) {
        const what = `seed ${seed}, ${how}`;
        let parsed: Metadata;
        try {
          parsed = Metadata.fromBytes(bytes, 'restyled.json');
        } catch (err) {
          throw new Error(`${what}: not read (${(err as Error).message})`, { cause: err });
        }
        expectPayloadIsWhatWasParsed(parsed, md.payload(), what);
        expect(verifyRole(parsed, 'targets', signerKeys, lookup).verified, what).toBe(true);
        // Written again, it is the one canonical file.
        expect(parsed.toBytes().equals(md.toBytes()), what).toBe(true);
      }
    }
  });

  it('the python-tuf vectors re-serialised', () => {
    const root = Metadata.fromBytes<Root>(readFileSync(join(PEP480_DIR, '1.root.json')), '1.root.json');
    for (const [file, role] of [
      ['1.root.json', 'root'],
      ['1.targets.json', 'targets'],
      ['1.snapshot.json', 'snapshot'],
      ['timestamp.json', 'timestamp'],
    ] as const) {
      const original = Metadata.fromBytes(readFileSync(join(PEP480_DIR, file)), file);
      for (const [how, bytes] of reserialisations(original.toBytes())) {
        const parsed = Metadata.fromBytes(bytes, file);
        expectPayloadIsWhatWasParsed(parsed, original.payload(), `${file}, ${how}`);
        expect(verifyWithRoot(root.signed, role, parsed).verified, `${file}, ${how}`).toBe(true);
      }
    }
  });
});

/** The byte range of `signed` in a file this model wrote, whose signed part is canonical (`"signed":` then the payload). */
function signedRange(bytes: Buffer, payload: Buffer): { start: number; end: number } {
  const start = bytes.indexOf('"signed":') + '"signed":'.length;
  return { start, end: start + payload.length };
}

describe('one changed byte inside signed', () => {
  it('fails to parse, or gives another payload that fails verification', async () => {
    let parsedCount = 0;
    let refusedCount = 0;
    // Documents without U+FEFF: strings holding it are checked on their own below.
    const seeds: number[] = [];
    for (let seed = 3001; seeds.length < 2; seed++)
      if (!randomTargets(seed, false).toBytes().includes('\ufeff')) seeds.push(seed);
    for (const seed of seeds) {
      const md = await signedRandomTargets(seed, false);
      const bytes = md.toBytes();
      const original = Buffer.from(md.payload());
      const { start, end } = signedRange(bytes, original);
      expect(bytes.subarray(start, end).equals(original)).toBe(true);
      const r = random(seed);
      for (let at = start; at < end; at++) {
        const was = bytes[at]!;
        const candidates = new Set([was ^ 0x01, r.pick([0x20, 0x5c, 0x22, 0x30, 0x2d, 0x2c, 0x7d]), r.int(256)]);
        candidates.delete(was);
        for (const b of candidates) {
          const changed = Buffer.from(bytes);
          changed[at] = b;
          let parsed: Metadata<AnySigned>;
          try {
            parsed = Metadata.fromBytes(changed, 'changed.json');
          } catch (err) {
            if (!(err instanceof FormatError))
              throw new Error(`byte ${at} set to 0x${b.toString(16)}: ${String(err)}`, { cause: err });
            refusedCount++;
            continue;
          }
          parsedCount++;
          const what = `byte ${at} (0x${was.toString(16)} → 0x${b.toString(16)})`;
          const payload = parsed.payload();
          expect(payload.equals(original), what).toBe(false);
          expect(payload.equals(canonicalize(parsed.signed.toJSON())), what).toBe(true);
          expect(verifyRole(parsed, 'targets', signerKeys, lookup).verified, what).toBe(false);
        }
      }
    }
    // Both outcomes occur: the test is not vacuous.
    expect(parsedCount).toBeGreaterThan(100);
    expect(refusedCount).toBeGreaterThan(100);
  });
});

describe("the parsed metadata does not alias the caller's buffer", () => {
  const forms = async (): Promise<Array<[string, Buffer]>> => {
    // The first seed from 4001 on whose role delegates to several roles.
    let seed = 4001;
    while ((randomTargets(seed, false).signed.delegations?.roles?.length ?? 0) < 3) seed++;
    const md = await signedRandomTargets(seed, false);
    const bytes = md.toBytes();
    const [, pretty] = reserialisations(bytes)[0]!;
    const [, spaced] = reserialisations(bytes)[6]!;
    return [
      ['canonical', bytes],
      ['pretty-printed', pretty],
      ['canonical delegations inside a non-canonical signed', spaced],
    ];
  };

  it('overwriting the buffer after reading changes neither payload() nor delegations.roles', async () => {
    for (const [how, bytes] of await forms()) {
      const expected = Metadata.fromBytes<Targets>(Buffer.from(bytes), 'copy.json');
      const expectedPayload = Buffer.from(expected.payload());
      const expectedRoles = expected.signed.delegations!.roles!.map((role) => role.toJSON());
      const expectedKeys = [...expected.signed.delegations!.keys].map(([id, key]) => [id, key.toJSON()]);
      for (const input of [Buffer.from(bytes), new Uint8Array(bytes)]) {
        const md = Metadata.fromBytes<Targets>(input, 'shared.json');
        input.fill(0);
        expect(md.payload().equals(expectedPayload), how).toBe(true);
        // First use of the delegations after the overwrite: they were not kept as a view of it.
        expect(
          md.signed.delegations!.roles!.map((role) => role.toJSON()),
          how,
        ).toEqual(expectedRoles);
        expect(
          [...md.signed.delegations!.keys].map(([id, key]) => [id, key.toJSON()]),
          how,
        ).toEqual(expectedKeys);
        expect(md.toBytes().equals(expected.toBytes()), how).toBe(true);
      }
    }
  });
});

describe('strings the reader must keep exactly as signed', () => {
  // Each value is written canonically (no control characters), so its bytes are taken as the payload.
  it.each([
    ['a byte order mark (U+FEFF) at the start of a custom field', { 'x-note': '\ufeffabc' }],
    ['a byte order mark at the start of a custom field name', { '\ufeffx-note': 1 }],
    ['a byte order mark after an escaped quote', { 'x-note': '\\\ufeffq"\ufeff' }],
    ['a byte order mark alone', { 'x-note': '\ufeff' }],
    ['U+FFFE and U+FFFF', { 'x-note': '\ufffe\uffff' }],
  ])('%s', async (_name, unrecognized) => {
    const md = new Metadata(new Targets({ version: 1, expires: new Date('2030-01-01T00:00:00Z'), unrecognized }));
    await md.sign(signer, 'append');
    const parsed = Metadata.fromBytes(md.toBytes(), 'strings.json');
    expectPayloadIsWhatWasParsed(parsed, md.payload(), 'strings.json');
    expect(parsed.signed.unrecognized).toEqual(unrecognized);
  });

  it('a target named with a leading byte order mark', async () => {
    const name = '\ufeffpackages/demo.tar.gz';
    const md = new Metadata(
      new Targets({
        version: 1,
        expires: new Date('2030-01-01T00:00:00Z'),
        targets: new Map([[name, new TargetFile(1, { sha256: 'ab'.repeat(32) })]]),
      }),
    );
    await md.sign(signer, 'append');
    const parsed = Metadata.fromBytes<Targets>(md.toBytes(), 'bom.json');
    expectPayloadIsWhatWasParsed(parsed, md.payload(), 'bom.json');
    expect([...parsed.signed.targets.keys()]).toEqual([name]);
  });

  it('a hash named "__proto__" in a target', () => {
    const text =
      '{"signatures":[],"signed":{"_type":"targets","expires":"2030-01-01T00:00:00Z","spec_version":"1.0.31",' +
      '"targets":{"a":{"hashes":{"__proto__":"abcd","sha256":"cdef"},"length":1}},"version":1}}';
    const parsed = Metadata.fromBytes(Buffer.from(text), 'proto.json');
    const signed = JSON.parse(text).signed;
    expectPayloadIsWhatWasParsed(parsed, canonicalize(signed), 'proto.json');
  });
});
