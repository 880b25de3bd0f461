/**
 * Every difference between the version a role replaces and the new one, field by field, so that
 * nothing a signature covers changes unseen (docs/formats/event.md, "What the summary shows"):
 * custom and unknown fields at any depth, spec_version, consistent_snapshot, and the order of
 * delegations, which decides which delegation a client follows first (TUF specification 5.6.7).
 * Delegated roles are matched by name, so a moved entry is an order change, not a rewrite.
 *
 * When both versions' delegations are still compact (decision 0005: a flat claimed role of
 * 600,000 projects), their keys and roles are compared on their bytes and only those that differ
 * become objects, diffed here as the others would be; the result is the same, and the rest of the
 * role goes through the object diff.
 */
import { canonicalize } from '../../tuf/json/index.js';
import {
  type AnySigned,
  contentTree,
  Delegations,
  type DelegationsBytesDiff,
  type JsonObject,
  Targets,
} from '../../tuf/model/index.js';

export interface FieldDifference {
  /** Where: `spec_version`, `delegations.roles[name=numpy].x-note`, `keys.<keyid>`. */
  path: string;
  /** Canonical JSON of the value before and after; absent when added or removed. */
  from?: string;
  to?: string;
}

export interface OrderChange {
  /** The first position (0-based) where the names of delegations present in both differ. */
  from: number;
  before: string[];
  after: string[];
}

export interface SignedDifferences {
  fields: FieldDifference[];
  /** Delegations present before and after, in another relative order. */
  order?: OrderChange;
}

/** How many names of each version an order change lists. */
const ORDER_NAMES = 10;

/**
 * A member's place in a path: `.name` for a plain name, `["name"]` (JSON) for any other, so that
 * a custom field named `paths[0]`, a delegations member named `keys.<keyid>` or a role named
 * `a]` cannot read as a field the summary's own lines show (unexplainedDifferences).
 */
const member = (path: string, name: string): string => {
  const at = /^[A-Za-z0-9_-]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  return path || at[0] !== '.' ? `${path}${at}` : name;
};
/** A delegated role's place in a path: `[name=numpy]`, or `[name="…"]` (JSON) for a name that is not plain. */
const delegatedRole = (path: string, name: string): string =>
  `${path}[name=${/^[A-Za-z0-9._-]+$/.test(name) ? name : JSON.stringify(name)}]`;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => canonicalize(v).toString('utf8');

/** The differences at one path found another way (delegations' keys compared on their bytes). */
interface FoundElsewhere {
  path: string;
  diff: (out: FieldDifference[]) => void;
}

function diffValue(a: unknown, b: unknown, path: string, out: FieldDifference[], elsewhere?: FoundElsewhere): void {
  if (elsewhere !== undefined && path === elsewhere.path) return elsewhere.diff(out);
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = member(path, k);
      // Own members only: a keyid "constructor" or "__proto__" is not found on Object.prototype.
      if (!Object.hasOwn(a, k)) out.push({ path: p, to: text(b[k]) });
      else if (!Object.hasOwn(b, k)) out.push({ path: p, from: text(a[k]) });
      else diffValue(a[k], b[k], p, out, elsewhere);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffValue(v, b[i], `${path}[${i}]`, out, elsewhere));
    return;
  }
  const from = text(a);
  const to = text(b);
  if (from !== to) out.push({ path, from, to });
}

/** Delegated roles by name; the order of the names both have, compared once. */
function diffDelegatedRoles(a: unknown[], b: unknown[], path: string, out: SignedDifferences): void {
  const nameOf = (r: unknown) => (isObject(r) && typeof r['name'] === 'string' ? r['name'] : undefined);
  const before = new Map(a.map((r) => [nameOf(r), r] as const));
  const after = new Map(b.map((r) => [nameOf(r), r] as const));
  if (before.has(undefined) || after.has(undefined) || before.size !== a.length || after.size !== b.length) {
    // Not a list of uniquely named roles: compared position by position.
    diffValue(a, b, path, out.fields);
    return;
  }
  for (const [name, r] of after) {
    const p = delegatedRole(path, name!);
    if (!before.has(name)) out.fields.push({ path: p, to: text(r) });
    else diffValue(before.get(name), r, p, out.fields);
  }
  for (const [name, r] of before)
    if (!after.has(name)) out.fields.push({ path: delegatedRole(path, name!), from: text(r) });
  const common = (list: unknown[], other: Map<unknown, unknown>) =>
    list.map(nameOf).filter((n) => other.has(n)) as string[];
  const x = common(a, after);
  const y = common(b, before);
  const first = x.findIndex((n, i) => n !== y[i]);
  if (first >= 0) out.order = { from: first, before: x.slice(first, first + 10), after: y.slice(first, first + 10) };
}

/** The roles and keys that differ, as found on the bytes, diffed as diffDelegatedRoles and diffValue would. */
function rolesFromBytes(d: DelegationsBytesDiff, path: string, out: SignedDifferences): void {
  for (const { name, before, after } of d.roles) {
    const p = delegatedRole(path, name);
    if (!before) out.fields.push({ path: p, to: text(after!.toJSON()) });
    else if (!after) out.fields.push({ path: p, from: text(before.toJSON()) });
    else diffValue(before.toJSON(), after.toJSON(), p, out.fields);
  }
  if (d.order) out.order = d.order;
}

function keysFromBytes(d: DelegationsBytesDiff, path: string): FoundElsewhere {
  return {
    path,
    diff: (out) => {
      for (const { keyid, before, after } of d.keys) {
        const p = member(path, keyid);
        if (!before) out.push({ path: p, to: text(after!.toJSON()) });
        else if (!after) out.push({ path: p, from: text(before.toJSON()) });
        else diffValue(before.toJSON(), after.toJSON(), p, out);
      }
    },
  };
}

/**
 * Two versions' delegations compared on their bytes (Delegations#bytesDiffFrom); null when they
 * cannot be (not both targets with compact delegations of the usual shape): objects are compared.
 */
export function delegationBytesDiff(previous: AnySigned, next: AnySigned): DelegationsBytesDiff | null {
  if (!(previous instanceof Targets) || !(next instanceof Targets)) return null;
  const a = previous.delegations;
  const b = next.delegations;
  return (a && b?.bytesDiffFrom(a, ORDER_NAMES)) ?? null;
}

/**
 * A copy of a targets role whose delegations keep everything but their keys and roles (which are
 * compared on their bytes): what goes through the object diff.
 */
function withoutMembers(signed: AnySigned): AnySigned {
  if (!(signed instanceof Targets) || signed.delegations === undefined) return signed;
  const d = signed.delegations;
  const copy = signed.copy();
  copy.delegations = new Delegations(new Map(), d.succinctRoles ? undefined : [], d.succinctRoles, d.unrecognized);
  return copy;
}

/**
 * Every difference in `signed` but version and expires (the summary's first lines). `bytes`: the
 * delegations compared on their bytes, when they could be (null: compared as objects).
 */
export function signedDifferences(
  previous: AnySigned,
  next: AnySigned,
  bytes = delegationBytesDiff(previous, next),
): SignedDifferences {
  const a = contentTree(bytes ? withoutMembers(previous) : previous);
  const b = contentTree(bytes ? withoutMembers(next) : next);
  const out: SignedDifferences = { fields: [] };
  const da = a['delegations'];
  const db = b['delegations'];
  if (isObject(da) && isObject(db) && Array.isArray(da['roles']) && Array.isArray(db['roles'])) {
    const { roles: ra, ...restA } = da;
    const { roles: rb, ...restB } = db;
    a['delegations'] = restA;
    b['delegations'] = restB;
    if (bytes) rolesFromBytes(bytes, 'delegations.roles', out);
    else diffDelegatedRoles(ra as unknown[], rb as unknown[], 'delegations.roles', out);
  }
  diffValue(a, b, '', out.fields, bytes ? keysFromBytes(bytes, 'delegations.keys') : undefined);
  return out;
}

/** What a role's summary shows in its own lines, besides its list of differences. */
export interface ShownElsewhere {
  /** The type of the role: which fields its summary's own lines show. */
  type: 'root' | 'targets' | 'other';
  /** The keys the summary names (keys added or removed, delegations' keys): their own entries need no line. */
  keyids: ReadonlySet<string>;
}

/**
 * The differences the summary's own lines do not already say: keys and thresholds of root roles,
 * delegations' keys, threshold, paths and terminating flag, and targets are shown there. A key
 * entry added or removed is shown by the key's line, so only when the summary names that key: a
 * key no role uses is a line of its own (docs/formats/event.md, "What the summary shows").
 */
export function unexplainedDifferences(fields: readonly FieldDifference[], shown: ShownElsewhere): FieldDifference[] {
  const patterns =
    shown.type === 'root'
      ? [/^roles\.[^.]+\.(keyids|threshold)(\[\d+\])?$/, /^consistent_snapshot$/]
      : shown.type === 'targets'
        ? [
            /^targets(\.|\[)/,
            /^delegations\.roles\[name=[^\]"]+\](\.(keyids|threshold|paths|path_hash_prefixes|terminating)(\[\d+\])?)?$/,
            /^delegations\.succinct_roles\.(keyids|threshold|bit_length|name_prefix)(\[\d+\])?$/,
          ]
        : [];
  const keyEntry = shown.type === 'root' ? /^keys\.([^.[]+)$/ : /^delegations\.keys\.([^.[]+)$/;
  return fields.filter((f) => {
    const key = shown.type === 'other' ? null : keyEntry.exec(f.path);
    if (key && (f.from === undefined || f.to === undefined) && shown.keyids.has(key[1]!)) return false;
    return !patterns.some((re) => re.test(f.path));
  });
}
