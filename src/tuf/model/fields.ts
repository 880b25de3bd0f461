/**
 * Readers for fields of parsed JSON that name the exact path of anything wrong
 * (`signed.roles.root.threshold: expected an integer >= 1, got 0`).
 */
import { FormatError } from '../base/errors.js';

export type JsonObject = Record<string, unknown>;

/**
 * The unknown fields of an object that has none: one frozen object shared by every key and role
 * (a million delegations would otherwise hold two million empty objects). Frozen, so that a
 * write to it fails loudly instead of reaching every other object.
 */
export const NO_FIELDS: JsonObject = Object.freeze({});

/** Whether an object has any own enumerable field. */
export function hasFields(obj: JsonObject): boolean {
  for (const k in obj) if (Object.hasOwn(obj, k)) return true;
  return false;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string "${v.slice(0, 40)}…"` : `"${v}"`;
  if (typeof v === 'object') return 'an object';
  const primitive = v as number | bigint | boolean | symbol | undefined;
  return `${typeof v} ${String(primitive)}`;
}

export const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

export function asObject(v: unknown, path: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new FormatError(path, `expected an object, got ${describe(v)}`);
  return v as JsonObject;
}

export function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new FormatError(path, `expected an array, got ${describe(v)}`);
  return v;
}

export function asString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new FormatError(path, `expected a string, got ${describe(v)}`);
  return v;
}

export function asBoolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new FormatError(path, `expected true or false, got ${describe(v)}`);
  return v;
}

export function asInteger(v: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new FormatError(path, `expected an integer, got ${describe(v)}`);
  if (v < min) throw new FormatError(path, `expected an integer >= ${min}, got ${v}`);
  return v;
}

/** Read required fields from `obj`; whatever is left over is returned as `rest` (unknown fields). */
export class FieldReader {
  // An array, not a Set: a reader reads a handful of fields, and a million delegations make two
  // readers each (docs/performance.md). Paths below are only built for an error message.
  private readonly used: string[] = [];
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  static of(v: unknown, path: string): FieldReader {
    return new FieldReader(asObject(v, path), path);
  }
  at(key: string): string {
    return join(this.path, key);
  }
  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }
  raw(key: string): unknown {
    this.used.push(key);
    if (!Object.hasOwn(this.obj, key)) throw new FormatError(this.at(key), 'missing');
    return this.obj[key];
  }
  optional(key: string): unknown {
    this.used.push(key);
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }
  string(key: string): string {
    const v = this.raw(key);
    return typeof v === 'string' ? v : asString(v, this.at(key));
  }
  integer(key: string, min?: number): number {
    const v = this.raw(key);
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= (min ?? Number.MIN_SAFE_INTEGER)
      ? v
      : asInteger(v, this.at(key), min);
  }
  boolean(key: string): boolean {
    const v = this.raw(key);
    return typeof v === 'boolean' ? v : asBoolean(v, this.at(key));
  }
  object(key: string): JsonObject {
    const v = this.raw(key);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : asObject(v, this.at(key));
  }
  array(key: string): unknown[] {
    const v = this.raw(key);
    return Array.isArray(v) ? v : asArray(v, this.at(key));
  }
  stringArray(key: string, unique = false): string[] {
    const arr = this.array(key);
    const out = arr.map((v, i) => (typeof v === 'string' ? v : asString(v, join(this.at(key), i))));
    if (unique && out.length > 1) {
      const seen = new Set<string>();
      out.forEach((s, i) => {
        if (seen.has(s)) throw new FormatError(join(this.at(key), i), `"${s}" is listed twice`);
        seen.add(s);
      });
    }
    return out;
  }
  /**
   * The fields not read: kept and signed over, never dropped (TUF specification 1.0.x section 4.2). Copied:
   * the model freezes what it keeps, never the caller's objects.
   */
  rest(): JsonObject {
    let out: JsonObject | undefined;
    for (const k of Object.keys(this.obj)) {
      if (!this.used.includes(k)) setField((out ??= {}), k, copyJson(this.obj[k]));
    }
    return out ?? NO_FIELDS;
  }
}

/** A mutable deep copy of a parsed JSON value (a key named `__proto__` stays a plain field). */
export function copyJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyJson) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) setField(out, k, copyJson((v as JsonObject)[k]));
  return out as T;
}

/** Assign without ever touching the prototype, even for a key named "__proto__". */
export function setField(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
