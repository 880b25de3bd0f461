/**
 * The next version of a claimed bin made from the canonical bytes of its current version: the
 * delegation entries of the projects that change are spliced in, every other entry is copied as
 * it is. A claim of 10k requests at 2^10 bins changes every bin a little; rebuilding each bin as
 * objects made and encoded 600k delegations (docs/performance.md). The result is byte for byte
 * what the object rebuild (`proposeClaimed`) writes, which `test/requests/claimed-splice.test.ts`
 * checks on random changes; whatever this file does not recognise is left to that rebuild.
 *
 * The bytes are the canonical JSON of `signed` (TUF specification 1.0.x section 4.2, what the
 * signatures cover), as the strict reader kept them (decision 0005), and the new version is read
 * back by the strict reader before anyone sees it.
 */
import {
  canonicalize,
  eachElement,
  eachMember,
  type Member,
  membersOf,
  plainString,
  sameBytes,
  valueEnd,
} from '../../tuf/json/index.js';
import { formatExpires } from '../../tuf/base/index.js';
import { Delegations, Metadata, sha256Hex, Targets } from '../../tuf/model/index.js';
import { toDelegatedRole, type ProjectDelegation } from './claimed-projects.js';

/** Project name → its delegation in this bin after the change, or null: no longer in this bin. */
export type BinChanges = Map<string, ProjectDelegation | null>;

const ROLE_START = Buffer.from('{"keyids":[', 'latin1');
const AFTER_KEYIDS = Buffer.from('],"name":', 'latin1');
const BEFORE_PATHS = Buffer.from(',"paths":', 'latin1');
const AFTER_PATHS = Buffer.from(',"terminating":true,"threshold":', 'latin1');

interface RoleBytes {
  name: string;
  keyids: string[];
  start: number;
  end: number;
}

const startsWith = (buf: Buffer, pos: number, what: Buffer): boolean =>
  buf.compare(what, 0, what.length, pos, pos + what.length) === 0;

/**
 * A project delegation as `toDelegatedRole` writes it (terminating, no hash prefixes, keys listed
 * once, a threshold it can meet; custom members after `threshold` are kept as they are), so that
 * copying its bytes is what the object rebuild would write; anything else is undefined.
 */
function projectRole(buf: Buffer, start: number, end: number): RoleBytes | undefined {
  if (!startsWith(buf, start, ROLE_START)) return undefined;
  const keyids: string[] = [];
  let pos = start + ROLE_START.length;
  while (buf[pos] !== 0x5d) {
    const id = plainString(buf, pos);
    if (!id) return undefined;
    keyids.push(id.text);
    pos = buf[id.end] === 0x2c ? id.end + 1 : id.end;
  }
  if (!startsWith(buf, pos, AFTER_KEYIDS)) return undefined;
  const name = plainString(buf, pos + AFTER_KEYIDS.length);
  if (!name || !startsWith(buf, name.end, BEFORE_PATHS)) return undefined;
  const pathsEnd = valueEnd(buf, name.end + BEFORE_PATHS.length);
  if (pathsEnd < 0 || !startsWith(buf, pathsEnd, AFTER_PATHS)) return undefined;
  let t = pathsEnd + AFTER_PATHS.length;
  let threshold = 0;
  while (t < end && buf[t]! >= 0x30 && buf[t]! <= 0x39) threshold = threshold * 10 + buf[t++]! - 0x30;
  if (threshold < 1 || threshold > keyids.length || new Set(keyids).size !== keyids.length) return undefined;
  return { name: name.text, keyids, start, end };
}

/**
 * The next version of a bin after `changes`: version and expiry replaced, the changed projects'
 * entries replaced, removed or appended (new ones by name, after the others, as orderProjects
 * orders them), and exactly the keys the remaining entries use. `empty` when no project is left;
 * undefined when the current bytes are not of the shape this splice knows (the caller rebuilds
 * the bin from objects then).
 */
export function spliceBin(
  current: Metadata<Targets>,
  changes: BinChanges,
  version: number,
  expires: Date,
): Metadata<Targets> | 'empty' | undefined {
  const d = current.signed.delegations;
  if (!current.frozen || !d || d.succinctRoles !== undefined || Object.keys(d.unrecognized).length > 0)
    return undefined;
  const payload = current.payload();
  // The copied entries go into a compact Delegations, which the encoder copies without escaping:
  // delegations still kept as bytes hold no control character (the fast reader keeps no other).
  if (!d.keptAsBytes && hasControl(payload)) return undefined;
  const top = membersOf(payload, 0);
  if (!top || top.end !== payload.length) return undefined;
  const field = (name: string) => top.members.find((m) => m.name === name);
  const delegations = field('delegations');
  const expiresAt = field('expires');
  const versionAt = field('version');
  if (!delegations || !expiresAt || !versionAt) return undefined;
  const inner = membersOf(payload, delegations.start);
  if (!inner || inner.members.length !== 2) return undefined;
  const [keysAt, rolesAt] = inner.members as [Member, Member];
  if (keysAt.name !== 'keys' || rolesAt.name !== 'roles') return undefined;

  // The roles: kept, replaced in place, or dropped; then the new ones by name.
  const roles = new Runs(payload);
  /** The entries encoded here rather than copied. */
  const made: Buffer[] = [];
  /** The keys the remaining entries use. */
  const used = new Set<string>();
  /** The changed projects found among the entries. */
  const seen = new Set<string>();
  const rolesEnd = eachElement(payload, rolesAt.start, (start, end) => {
    const role = projectRole(payload, start, end);
    if (!role) return false;
    const change = changes.get(role.name);
    if (change === undefined) {
      roles.keep(start, end);
      for (const id of role.keyids) used.add(id);
      return true;
    }
    seen.add(role.name);
    if (change === null) roles.skip();
    else roles.put(encodeRole(change, used, made));
    return true;
  });
  if (rolesEnd !== rolesAt.end) return undefined;
  const added = [...changes.entries()]
    .filter((e): e is [string, ProjectDelegation] => e[1] !== null && !seen.has(e[0]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, p] of added) roles.put(encodeRole(p, used, made));
  if (roles.done().length === 0) return 'empty';
  if (made.some(hasControl)) return undefined;

  // The keys the changed entries bring, as they will be written.
  const newKeys = new Map<string, Buffer>();
  for (const p of changes.values()) {
    for (const key of p?.keys ?? []) {
      // Printable ASCII without quote or backslash: written as it is, and sorted as bytes.
      if (!/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(key.keyid)) return undefined;
      const entry = Buffer.concat([canonicalize(key.keyid), Buffer.from(':'), canonicalize(key)]);
      if (hasControl(entry)) return undefined;
      newKeys.set(key.keyid, entry);
    }
  }
  const incoming = [...newKeys.keys()].sort();
  // The keys: the current entries still used, and the new keys merged in, in canonical (sorted)
  // order. The same keyid with other bytes (custom fields): which one the rebuild keeps is its call.
  const keys = new Runs(payload);
  let at = 0;
  let conflict = false;
  const keysEnd = eachMember(payload, keysAt.start, (id, start, end) => {
    const memberStart = start - id.length - 3;
    while (at < incoming.length && incoming[at]! < id) keys.put(newKeys.get(incoming[at++]!)!);
    if (incoming[at] === id) {
      at++;
      conflict = !newKeys.get(id)!.equals(payload.subarray(memberStart, end));
      keys.keep(memberStart, end);
    } else if (used.has(id)) {
      // A key listed under a keyid that is not its own (TUF specification 1.0.x section 4.2: the
      // SHA-256 of the key's canonical JSON) is written under its own by the object rebuild
      // (Key#keyid), so such a role is left to it.
      if (sha256Hex(payload.subarray(start, end)) !== id) return false;
      keys.keep(memberStart, end);
    } else keys.skip();
    return !conflict;
  });
  if (keysEnd !== keysAt.end) return undefined;
  for (; at < incoming.length; at++) keys.put(newKeys.get(incoming[at]!)!);
  const keysBytes = listOf('{', keys.done(), '}');
  const rolesBytes = listOf('[', roles.done(), ']');
  // The bytes the new version must encode to, as pieces (compared in place, never joined).
  const expected: Buffer[] = [
    payload.subarray(0, delegations.start),
    Buffer.from('{"keys":'),
    keysBytes,
    Buffer.from(',"roles":'),
    rolesBytes,
    Buffer.from('}'),
    payload.subarray(delegations.end, expiresAt.start),
    canonicalize(formatExpires(expires)),
    payload.subarray(expiresAt.end, versionAt.start),
    Buffer.from(String(version)),
    payload.subarray(versionAt.end),
  ];
  // The new version is a model object whose delegations are these bytes (as the fast reader
  // keeps them, decision 0005), made into objects only if something looks at every entry.
  const base = current.signed;
  const compact = compactDelegations(keysBytes, rolesBytes);
  const next = new Metadata(
    new Targets({
      version,
      expires,
      specVersion: base.specVersion,
      unrecognized: { ...base.unrecognized },
      targets: new Map(base.targets),
      delegations: compact,
    }),
  ).freeze();
  // What the model encodes is what was spliced: the version and expiry where they were replaced,
  // and nothing else changed; otherwise the bin is rebuilt from objects.
  return sameBytes([next.payload()], expected) ? next : undefined;
}

/**
 * Delegations kept as these bytes, made into objects only if something looks at every entry. A
 * function of its own, so that its closures hold these two buffers and nothing of the splice (V8
 * keeps one context for all the closures of a function).
 */
function compactDelegations(keys: Buffer, roles: Buffer): Delegations {
  return Delegations.compact(
    {
      keys,
      roles,
      objects: () => {
        const d = Delegations.fromJSON(
          JSON.parse(`{"keys":${keys.toString()},"roles":${roles.toString()}}`),
          'delegations',
        );
        return { keys: d.keys, roles: d.roles };
      },
      index: () => undefined,
    },
    undefined,
    {},
  );
}

/**
 * The pieces of a list: neighbouring entries kept as they are become one piece (a slice, commas
 * between them included), so that a flat claimed role of a million entries is not a million
 * slices; entries skipped or encoded anew end a run.
 */
class Runs {
  private readonly pieces: Buffer[] = [];
  private start = -1;
  private end = -1;

  constructor(private readonly buf: Buffer) {}

  keep(start: number, end: number): void {
    if (this.start < 0) this.start = start;
    this.end = end;
  }

  skip(): void {
    if (this.start >= 0) this.pieces.push(this.buf.subarray(this.start, this.end));
    this.start = -1;
  }

  put(piece: Buffer): void {
    this.skip();
    this.pieces.push(piece);
  }

  done(): Buffer[] {
    this.skip();
    return this.pieces;
  }
}

/** `open`, the entries separated by commas, `close`: one buffer. */
function listOf(open: string, entries: Buffer[], close: string): Buffer {
  let size = 2 + Math.max(0, entries.length - 1);
  for (const e of entries) size += e.length;
  const out = Buffer.allocUnsafe(size);
  out.write(open, 0, 'latin1');
  let at = 1;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) out[at++] = 0x2c;
    at += entries[i]!.copy(out, at);
  }
  out.write(close, at, 'latin1');
  return out;
}

/** A changed project's entry as the object rebuild writes it; its keys are then in use. */
function encodeRole(p: ProjectDelegation, used: Set<string>, made: Buffer[]): Buffer {
  for (const k of p.keys) used.add(k.keyid);
  const entry = canonicalize(toDelegatedRole(p));
  made.push(entry);
  return entry;
}

/** A control character, raw in a payload but escaped in a file: such an entry is left to the rebuild. */
const hasControl = (b: Buffer): boolean => b.some((c) => c < 0x20);
