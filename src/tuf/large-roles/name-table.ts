/**
 * A set of names (keyids, role names) that holds either byte ranges of an input buffer or strings,
 * and answers for either. Reading a million delegations checks a million role names for
 * uniqueness and a million keyids for presence (TUF specification 1.0.x section 4.5): kept as
 * byte ranges, no string is made for them at all, and a lookup compares bytes (docs/performance.md).
 *
 * Byte ranges are only ever plain ASCII (the fast readers accept nothing else), so a byte and a
 * UTF-16 code unit compare equal exactly when the characters are equal.
 */
import { randomInt } from 'node:crypto';

const MAX_PROBES = 64;

export class NameTable {
  /**
   * Open addressing, two numbers a slot: the name's hash, and its entry index + 1 (0: empty). The
   * hash is compared first, so a probe past other names does not read them.
   */
  private slots: Int32Array;
  private starts: Float64Array<ArrayBuffer>;
  private ends: Float64Array<ArrayBuffer>;
  private readonly strings: Array<string | undefined> = [];
  private count = 0;
  /** Per table, so that names cannot be chosen in advance to collide (hash flooding). */
  private readonly seed = randomInt(0x7fffffff);
  /**
   * Set when a lookup had to probe unusually far: the fast readers then decline, and the input
   * is read by the general reader instead (whose table has another seed).
   */
  crowded = false;

  /** `expected`: how many names it will probably hold (it grows past that as needed). */
  constructor(
    private buf: Buffer,
    expected = 256,
  ) {
    let slots = 1024;
    while (slots < expected * 2) slots *= 2;
    this.slots = new Int32Array(2 * slots);
    this.starts = new Float64Array(slots / 2);
    this.ends = new Float64Array(slots / 2);
  }

  /** Adds buf[start, end); false when the name is already in the table. */
  addBytes(start: number, end: number): boolean {
    const hash = hashBytes(this.seed, this.buf, start, end);
    const slot = this.findBytes(hash, start, end);
    if (this.slots[slot + 1] !== 0) return false;
    this.insert(slot, hash, start, end, undefined);
    return true;
  }

  addString(name: string): boolean {
    const hash = hashString(this.seed, name);
    const slot = this.findString(hash, name);
    if (this.slots[slot + 1] !== 0) return false;
    this.insert(slot, hash, 0, 0, name);
    return true;
  }

  hasBytes(start: number, end: number): boolean {
    return this.slots[this.findBytes(hashBytes(this.seed, this.buf, start, end), start, end) + 1] !== 0;
  }

  hasString(name: string): boolean {
    return this.slots[this.findString(hashString(this.seed, name), name) + 1] !== 0;
  }

  /**
   * Move the table onto `buf`, which holds the same bytes as the old buffer from `offset` on
   * (a reader's own copy of what it read): byte ranges shift, strings stay.
   */
  rebase(buf: Buffer, offset: number): void {
    for (let i = 0; i < this.count; i++) {
      if (this.strings[i] !== undefined) continue;
      this.starts[i] = this.starts[i]! - offset;
      this.ends[i] = this.ends[i]! - offset;
    }
    this.buf = buf;
  }

  /** The number of `name` among the names, in the order they were added; -1 when absent. */
  indexOfString(name: string): number {
    return this.slots[this.findString(hashString(this.seed, name), name) + 1]! - 1;
  }

  /** The number of the name at other[start, end), plain ASCII of another buffer; -1 when absent. */
  indexOfBytes(other: Buffer, start: number, end: number): number {
    return this.slots[this.findBytes(hashBytes(this.seed, other, start, end), start, end, other) + 1]! - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The text of the `i`-th name added. */
  nameAt(i: number): string {
    return this.strings[i] ?? this.buf.toString('latin1', this.starts[i], this.ends[i]);
  }

  private insert(slot: number, hash: number, start: number, end: number, name: string | undefined): void {
    const i = this.count++;
    if (i === this.starts.length) {
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[i] = start;
    this.ends[i] = end;
    this.strings.push(name);
    this.slots[slot] = hash;
    this.slots[slot + 1] = i + 1;
    if (this.count * 4 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / 2 - 1;
    for (let s = 0; s < old.length; s += 2) {
      if (old[s + 1] === 0) continue;
      let slot = old[s]! & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = old[s]!;
      slots[2 * slot + 1] = old[s + 1]!;
    }
    this.slots = slots;
  }

  /**
   * The slot (index of its first number) holding the name at buf[start, end) (the table's own
   * buffer unless said), or the empty slot where it would go.
   */
  private findBytes(hash: number, start: number, end: number, buf = this.buf): number {
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    let slot = hash & mask;
    for (let probes = 0; ; probes++) {
      const e = slots[2 * slot + 1]!;
      if (e === 0 || (slots[2 * slot] === hash && this.entryEqualsBytes(e - 1, buf, start, end))) return 2 * slot;
      slot = (slot + 1) & mask;
      if (probes === MAX_PROBES) this.crowded = true;
    }
  }

  private findString(hash: number, name: string): number {
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    let slot = hash & mask;
    for (let probes = 0; ; probes++) {
      const e = slots[2 * slot + 1]!;
      if (e === 0 || (slots[2 * slot] === hash && this.entryEqualsString(e - 1, name))) return 2 * slot;
      slot = (slot + 1) & mask;
      if (probes === MAX_PROBES) this.crowded = true;
    }
  }

  private entryEqualsBytes(i: number, buf: Buffer, start: number, end: number): boolean {
    const name = this.strings[i];
    if (name !== undefined) return stringEqualsBytes(name, buf, start, end);
    const s = this.starts[i]!;
    const n = end - start;
    if (this.ends[i]! - s !== n) return false;
    const own = this.buf;
    for (let k = 0; k < n; k++) if (own[s + k] !== buf[start + k]) return false;
    return true;
  }

  private entryEqualsString(i: number, name: string): boolean {
    const own = this.strings[i];
    return own !== undefined ? own === name : stringEqualsBytes(name, this.buf, this.starts[i]!, this.ends[i]!);
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function stringEqualsBytes(name: string, buf: Buffer, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) !== buf[start + k]) return false;
  return true;
}

// FNV-1a over bytes or code units (the same value for the same ASCII name either way), with the
// table's random seed added at every step so that colliding names cannot be prepared without
// it, then MurmurHash3's finalizer so that every bit of the name reaches the slot bits.
// FNV-1a over the whole name, bytes or code units (the same value for the same ASCII name either
// way), with the table's random seed added at every step so that colliding names cannot be
// prepared without it (hashing only part of a name would let names that share that part collide
// under every seed), then MurmurHash3's finalizer so that every bit reaches the slot bits.
function hashBytes(seed: number, buf: Buffer, start: number, end: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = start; i < end; i++) h = (Math.imul(h ^ buf[i]!, 0x01000193) + seed) | 0;
  return finish(h);
}

function hashString(seed: number, name: string): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h ^ name.charCodeAt(i), 0x01000193) + seed) | 0;
  return finish(h);
}

function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
