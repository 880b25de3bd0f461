/**
 * Lookups into compact delegations (decision 0005) without making every key and role: a claimed
 * role delegates to up to a million projects, and verifying one delegation edge needs one role and
 * its keys. The bytes were checked when read; here entries of the usual shape are only located
 * (usual-entries.ts), their names and keyids kept as byte ranges in tables, and one entry is made
 * into an object when asked for. Delegations of any other shape get no index: they are made into
 * objects as before.
 */
import { sha256Hex } from '../model/digest.js';
import type { Key } from '../model/key.js';
import { matchPathPattern } from '../model/path-pattern.js';
import { diffCompact, type DelegationsBytesDiff } from './compact-diff.js';
import { NameTable } from './name-table.js';
import type { DelegatedRole } from '../model/roles.js';
import {
  keyFromEntry,
  members,
  roleFromEntry,
  RoleEntry,
  scanUsualKey,
  scanUsualRole,
  type KeyEntry,
} from './usual-entries.js';

/** Where each entry starts, by its number in a NameTable. */
class Located {
  constructor(
    readonly names: NameTable,
    readonly starts: Float64Array,
  ) {}
}

function locate(
  buf: Buffer,
  open: number,
  close: number,
  scan: (pos: number) => { next: number; start: number; end: number },
): Located | undefined {
  const names = new NameTable(buf, buf.length / 200);
  let starts = new Float64Array(1024);
  const ok = members(buf, open, close, (pos) => {
    const { next, start, end } = scan(pos);
    if (next < 0) return next;
    const i = names.size;
    // Names are unique (checked when read); a repeat here would be a broken index, so decline.
    if (!names.addBytes(start, end)) return -1;
    if (i === starts.length) {
      const grown = new Float64Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[i] = pos;
    return next;
  });
  return ok ? new Located(names, starts) : undefined;
}

/** Whether the plain ASCII pattern at buf[start, end) matches the target path (given as text and as UTF-8). */
function patternMatches(buf: Buffer, start: number, end: number, target: Buffer, targetPath: string): boolean {
  let meta = start;
  while (meta < end && buf[meta] !== 0x2a && buf[meta] !== 0x3f && buf[meta] !== 0x5b) meta++;
  const literal = meta - start;
  if (meta === end) return literal === target.length && buf.compare(target, 0, literal, start, end) === 0;
  if (literal > target.length || buf.compare(target, 0, literal, start, meta) !== 0) return false;
  return matchPathPattern(targetPath, buf.toString('latin1', start, end));
}

/** What ends every usual key entry but the last, and begins the next: `"},"scheme":"ed25519"},"`. */
const BETWEEN_KEYS = Buffer.from('"},"scheme":"ed25519"},"', 'latin1');

/** The first key entry starting at or after `pos` (an entry starts at its keyid's opening quote). */
function entryAtOrAfter(buf: Buffer, pos: number): number {
  if (pos <= 1) return 1;
  const t = buf.indexOf(BETWEEN_KEYS, Math.max(0, pos - BETWEEN_KEYS.length + 1));
  return t < 0 ? -1 : t + BETWEEN_KEYS.length - 1;
}

export class CompactIndex {
  private roleIndex: Located | undefined;
  /** null: the keys are not all of the usual shape (the caller makes the keys Map instead). */
  private keyIndex: Located | null | undefined;
  private readonly roleEntry = new RoleEntry();
  private readonly keyEntry: KeyEntry = { keyidStart: 0, keyidEnd: 0, publicStart: 0 };

  private constructor(
    /** The canonical JSON of the "keys" object. */
    readonly keys: Buffer,
    /** The canonical JSON of the "roles" array, every entry of the usual shape. */
    readonly roles: Buffer,
  ) {}

  /**
   * An index of canonical `keys` and `roles` bytes, or undefined when a role is not of the usual
   * shape. `known.located`: the reader's own table of role names and where each role starts (it
   * read every role the fast way); `known.keysUsual`: every key is of the usual shape, so the
   * sorted keys can be searched by halving instead of indexed.
   */
  static of(
    keys: Buffer,
    roles: Buffer,
    known: { located?: { names: NameTable; starts: Float64Array }; keysUsual?: boolean } = {},
  ): CompactIndex | undefined {
    const index = new CompactIndex(keys, roles);
    const e = index.roleEntry;
    index.roleIndex = known.located
      ? new Located(known.located.names, known.located.starts)
      : locate(roles, 0x5b, 0x5d, (pos) => ({
          next: scanUsualRole(roles, pos, e),
          start: e.nameStart,
          end: e.nameEnd,
        }));
    index.keysSorted = known.keysUsual === true;
    return index.roleIndex ? index : undefined;
  }

  /** Every key is of the usual shape, in canonical (sorted) order. */
  private keysSorted = false;

  get roleCount(): number {
    return this.roleIndex!.names.size;
  }

  /** The role delegated under `name`, made from its bytes. */
  role(name: string): DelegatedRole | undefined {
    const i = this.roleIndex!.names.indexOfString(name);
    return i < 0 ? undefined : this.roleAt(i);
  }

  /** Where the `i`-th role's bytes start: the roles follow one another, a comma between two. */
  roleStart(i: number): number {
    return this.roleIndex!.starts[i]!;
  }

  /** Where the `i`-th role's bytes end (the position after its closing brace). */
  roleEnd(i: number): number {
    return i + 1 < this.roleCount ? this.roleIndex!.starts[i + 1]! - 1 : this.roles.length - 1;
  }

  /** The number of the role named by the plain ASCII bytes other[start, end); -1 when absent. */
  roleNumber(other: Buffer, start: number, end: number): number {
    return this.roleIndex!.names.indexOfBytes(other, start, end);
  }

  /** The name of the `i`-th role. */
  roleName(i: number): string {
    return this.roleIndex!.names.nameAt(i);
  }

  /** The `i`-th role, made from its bytes. */
  roleAt(i: number): DelegatedRole {
    scanUsualRole(this.roles, this.roleIndex!.starts[i]!, this.roleEntry);
    return roleFromEntry(this.roles, this.roleEntry);
  }

  /** These delegations, the version after `before`, compared with it on their bytes (compact-diff.ts). */
  diffFrom(before: CompactIndex, orderNames: number): DelegationsBytesDiff | undefined {
    return diffCompact(before, this, orderNames);
  }

  /** The names of the roles, in priority order. */
  *roleNames(): Generator<string> {
    const names = this.roleIndex!.names;
    for (let i = 0; i < names.size; i++) yield names.nameAt(i);
  }

  /**
   * Binary search of canonical keys bytes whose every entry is of the usual shape (an Ed25519
   * key): canonical JSON sorts members by code point, which for these plain ASCII keyids is byte
   * order, and each entry ends with the same bytes, so the entry after any position is found by
   * searching for that ending. No other entries exist to be mistaken for one.
   */
  private searchKey(keyid: string): Key | undefined {
    const buf = this.keys;
    const want = Buffer.from(keyid, 'utf8');
    const e = this.keyEntry;
    let lo = 1;
    let hi = buf.length - 1;
    while (lo < hi) {
      const mid = lo + ((hi - lo) >> 1);
      const start = entryAtOrAfter(buf, mid);
      if (start < 0 || start >= hi) {
        hi = mid;
        continue;
      }
      const next = scanUsualKey(buf, start, e);
      if (next < 0) return undefined;
      const c = Buffer.compare(buf.subarray(e.keyidStart, e.keyidEnd), want);
      if (c === 0) return keyFromEntry(buf, e);
      if (c < 0) lo = next;
      else hi = start;
    }
    return undefined;
  }

  /**
   * The roles trusted for `targetPath`, in priority order (Delegations#rolesForTarget), read from
   * the bytes: a pattern's literal start is compared as bytes, and only a pattern that passes is
   * made into text and matched as TUF specification 4.5 says (src/tuf/model/path-pattern.ts).
   */
  *rolesForTarget(targetPath: string): Generator<{ name: string; terminating: boolean }> {
    const { names, starts } = this.roleIndex!;
    const buf = this.roles;
    const e = this.roleEntry;
    const target = Buffer.from(targetPath, 'utf8');
    let hash: Buffer | undefined;
    for (let i = 0; i < names.size; i++) {
      scanUsualRole(buf, starts[i]!, e);
      const items = e.items;
      let trusted = false;
      if (e.hashPrefixes) {
        hash ??= Buffer.from(sha256Hex(targetPath), 'latin1');
        // A prefix longer than the hash matches nothing (python-tuf: `startswith` is false).
        for (let k = 0; k < items.length && !trusted; k += 2) {
          const length = items[k + 1]! - items[k]!;
          trusted = length <= hash.length && hash.compare(buf, items[k], items[k + 1], 0, length) === 0;
        }
      } else {
        for (let k = 0; k < items.length && !trusted; k += 2)
          trusted = patternMatches(buf, items[k]!, items[k + 1]!, target, targetPath);
      }
      if (trusted) {
        const terminating = e.terminating;
        yield { name: names.nameAt(i), terminating };
      }
    }
  }

  /** The key listed under `keyid`, made from its bytes; undefined when absent or keys are not all of the usual shape. */
  key(keyid: string): Key | undefined | null {
    if (this.keysSorted) return this.searchKey(keyid);
    if (this.keyIndex === undefined) {
      const k = this.keyEntry;
      const keys = this.keys;
      this.keyIndex =
        locate(keys, 0x7b, 0x7d, (pos) => ({
          next: scanUsualKey(keys, pos, k),
          start: k.keyidStart,
          end: k.keyidEnd,
        })) ?? null;
    }
    if (this.keyIndex === null) return null;
    const { names, starts } = this.keyIndex;
    const i = names.indexOfString(keyid);
    if (i < 0) return undefined;
    scanUsualKey(this.keys, starts[i]!, this.keyEntry);
    return keyFromEntry(this.keys, this.keyEntry);
  }
}
