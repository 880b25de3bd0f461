/**
 * Two versions of compact delegations (decision 0005) compared on their bytes, for the summary a
 * signer reads before signing (docs/formats/event.md, "What the summary shows"): a flat claimed
 * role delegates to hundreds of thousands of projects, and a claim changes a few thousand of them.
 * Canonical JSON is one encoding per value, so entries with equal bytes are equal, and only the
 * keys and roles whose bytes differ, or that are added or removed, are made into objects. Keys are
 * walked in their canonical (sorted) order, both versions at once; roles by name through each
 * version's index; the order of the names both versions have is compared by their numbers.
 * Anything not as expected (an entry of another shape, keys out of order) gives no answer: the
 * caller then compares objects.
 */
import type { Key } from '../model/key.js';
import type { DelegatedRole } from '../model/roles.js';
import type { CompactIndex } from './compact-index.js';
import {
  compareBytes,
  keyFromEntry,
  RoleEntry,
  roleFromEntry,
  scanUsualKey,
  scanUsualRole,
  type KeyEntry,
} from './usual-entries.js';

export interface DelegationsBytesDiff {
  /** Keys added (no `before`), removed (no `after`) or with other bytes, by keyid in sorted order. */
  keys: Array<{ keyid: string; before?: Key; after?: Key }>;
  /** Roles added or with other bytes, in the new version's order; then roles removed, in the old one's. */
  roles: Array<{ name: string; before?: DelegatedRole; after?: DelegatedRole }>;
  /**
   * The roles both versions delegate to, in another relative order: the first position (among
   * them) where the names differ, and the names of each version from there.
   */
  order?: { from: number; before: string[]; after: string[] };
}

/**
 * `after` against `before`; `orderNames`: how many names of each version an order change lists.
 * Undefined when a key is not of the usual shape or the bytes are not as their index says.
 */
export function diffCompact(
  before: CompactIndex,
  after: CompactIndex,
  orderNames: number,
): DelegationsBytesDiff | undefined {
  const keys = diffKeys(before.keys, after.keys);
  if (keys === undefined) return undefined;
  const roles = diffRoles(before, after, orderNames);
  return roles && { keys, ...roles };
}

/** The key entries of canonical keys bytes, one after another; `ok` false once one is not of the usual shape. */
class KeyCursor {
  readonly entry: KeyEntry = { keyidStart: 0, keyidEnd: 0, publicStart: 0 };
  /** The current entry: buf[start, end). */
  start = 1;
  end = 1;
  done: boolean;
  ok: boolean;

  constructor(readonly buf: Buffer) {
    this.done = buf.length === 2 && buf[1] === 0x7d;
    this.ok = buf[0] === 0x7b && (this.done || this.scan(1));
  }

  get keyid(): string {
    return this.buf.toString('latin1', this.entry.keyidStart, this.entry.keyidEnd);
  }

  get key(): Key {
    return keyFromEntry(this.buf, this.entry);
  }

  advance(): void {
    const c = this.buf[this.end];
    if (c === 0x7d && this.end + 1 === this.buf.length) this.done = true;
    else this.ok = c === 0x2c && this.scan(this.end + 1);
  }

  /**
   * The entry at `pos`, whose keyid must come strictly after the previous one: canonical JSON
   * sorts members by code point, which for these plain ASCII keyids is byte order.
   */
  private scan(pos: number): boolean {
    const e = this.entry;
    const previous = pos > 1 ? [e.keyidStart, e.keyidEnd] : undefined;
    const next = scanUsualKey(this.buf, pos, e);
    if (next < 0 || (previous && compareBytes(this.buf, previous[0]!, previous[1]!, e.keyidStart, e.keyidEnd) >= 0))
      return false;
    this.start = pos;
    this.end = next;
    return true;
  }
}

/** Both keys objects walked together, in keyid order. */
function diffKeys(before: Buffer, after: Buffer): DelegationsBytesDiff['keys'] | undefined {
  const out: DelegationsBytesDiff['keys'] = [];
  const a = new KeyCursor(before);
  const b = new KeyCursor(after);
  while (a.ok && b.ok && !(a.done && b.done)) {
    const c = a.done
      ? 1
      : b.done
        ? -1
        : before.compare(after, b.entry.keyidStart, b.entry.keyidEnd, a.entry.keyidStart, a.entry.keyidEnd);
    if (c < 0) {
      out.push({ keyid: a.keyid, before: a.key });
      a.advance();
    } else if (c > 0) {
      out.push({ keyid: b.keyid, after: b.key });
      b.advance();
    } else {
      if (before.compare(after, b.start, b.end, a.start, a.end) !== 0)
        out.push({ keyid: a.keyid, before: a.key, after: b.key });
      a.advance();
      b.advance();
    }
  }
  return a.ok && b.ok ? out : undefined;
}

/**
 * The roles of `after` looked up by name in `before` and the other way round; each entry is
 * scanned once, and must end where its index says the next begins.
 */
function diffRoles(
  before: CompactIndex,
  after: CompactIndex,
  orderNames: number,
): Pick<DelegationsBytesDiff, 'roles' | 'order'> | undefined {
  const e = new RoleEntry();
  const roles: DelegationsBytesDiff['roles'] = [];
  const na = before.roleCount;
  const nb = after.roleCount;
  // The number in the other version of the role of the same name; -1 when it has none.
  const inBefore = new Int32Array(nb);
  const inAfter = new Int32Array(na);
  for (let j = 0; j < nb; j++) {
    const start = after.roleStart(j);
    const end = after.roleEnd(j);
    if (scanUsualRole(after.roles, start, e) !== end) return undefined;
    const i = before.roleNumber(after.roles, e.nameStart, e.nameEnd);
    inBefore[j] = i;
    if (i < 0) roles.push({ name: after.roleName(j), after: roleFromEntry(after.roles, e) });
    else if (after.roles.compare(before.roles, before.roleStart(i), before.roleEnd(i), start, end) !== 0)
      roles.push({ name: after.roleName(j), before: before.roleAt(i), after: roleFromEntry(after.roles, e) });
  }
  for (let i = 0; i < na; i++) {
    if (scanUsualRole(before.roles, before.roleStart(i), e) !== before.roleEnd(i)) return undefined;
    const j = after.roleNumber(before.roles, e.nameStart, e.nameEnd);
    inAfter[i] = j;
    if (j < 0) roles.push({ name: before.roleName(i), before: roleFromEntry(before.roles, e) });
  }
  // The names both have, in each version's order, side by side: the same name is the same number.
  const common = (inOther: Int32Array, from: number): number => {
    let k = from;
    while (k < inOther.length && inOther[k]! < 0) k++;
    return k;
  };
  const names = (index: CompactIndex, inOther: Int32Array, from: number): string[] => {
    const out: string[] = [];
    for (let k = common(inOther, from); k < inOther.length && out.length < orderNames; k = common(inOther, k + 1))
      out.push(index.roleName(k));
    return out;
  };
  for (let i = common(inAfter, 0), j = common(inBefore, 0), position = 0; ; position++) {
    if (i === na || j === nb) return (i === na) === (j === nb) ? { roles } : undefined;
    if (inBefore[j] !== i)
      return { roles, order: { from: position, before: names(before, inAfter, i), after: names(after, inBefore, j) } };
    i = common(inAfter, i + 1);
    j = common(inBefore, j + 1);
  }
}
