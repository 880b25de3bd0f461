/**
 * Read-only model objects. Metadata read from a file, and metadata once signed, is frozen: its
 * payload (the canonical JSON of `signed`, TUF specification 1.0.x section 4.1)
 * is then cached, and nothing it was made from can change under it. A change is made
 * on a copy (Metadata#edit), as tuf-js and python-tuf models re-encode what they sign
 * (docs/decisions/0005-payload-from-canonical-bytes.md, "What is cached when").
 */
import { type JsonObject } from './fields.js';
export { copyJson } from './fields.js';

function refused(what: string): TypeError {
  return new TypeError(`${what}: this metadata is read-only; change a copy made by Metadata#edit`);
}

/**
 * A Map that refuses changes. A Map is frozen by giving it this prototype (no entry is copied,
 * which matters for a million delegations): it is never constructed, since `new Map(entries)`
 * calls `set` while it builds.
 */
export class FrozenMap<K, V> extends Map<K, V> {
  override set(): this {
    throw refused('Map#set');
  }
  override delete(): boolean {
    throw refused('Map#delete');
  }
  override clear(): void {
    throw refused('Map#clear');
  }
}

/** Freeze a Map in place (its entries are frozen by their owners). */
export function freezeMap<K, V>(map: Map<K, V>): Map<K, V> {
  if (!(map instanceof FrozenMap)) Object.setPrototypeOf(map, FrozenMap.prototype);
  return Object.freeze(map);
}

const DATE_SETTERS = [
  'setTime',
  'setMilliseconds',
  'setUTCMilliseconds',
  'setSeconds',
  'setUTCSeconds',
  'setMinutes',
  'setUTCMinutes',
  'setHours',
  'setUTCHours',
  'setDate',
  'setUTCDate',
  'setMonth',
  'setUTCMonth',
  'setFullYear',
  'setUTCFullYear',
  'setYear',
] as const;

/** A Date whose setters throw: `expires` of read-only metadata. */
export class FrozenDate extends Date {}
for (const name of DATE_SETTERS) {
  Object.defineProperty(FrozenDate.prototype, name, {
    value: () => {
      throw refused(`Date#${name}`);
    },
  });
}

/** A read-only Date of the same time (a new object: the caller's Date is left as it is). */
export function frozenDate(d: Date): Date {
  return d instanceof FrozenDate ? d : Object.freeze(new FrozenDate(d.getTime()));
}

/** Freeze a parsed JSON value (a custom field, keyval, hashes) and everything in it. */
export function freezeJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  if (Array.isArray(v)) for (const item of v) freezeJson(item);
  else for (const k of Object.keys(v)) freezeJson((v as JsonObject)[k]);
  return v;
}
