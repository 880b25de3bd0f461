/**
 * Every difference between the version a role replaces and the new one, field by field, so that
 * nothing a signature covers changes unseen (docs/formats/event.md, "What the summary shows"):
 * custom and unknown fields at any depth, spec_version, consistent_snapshot, and the order of
 * delegations, which decides which delegation a client follows first (TUF specification 5.6.7).
 * Delegated roles are matched by name, so a moved entry is an order change, not a rewrite.
 */
import { canonicalize } from '../../tuf/json/index.js';
import type { AnySigned, JsonObject } from '../../tuf/model/index.js';

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

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => canonicalize(v).toString('utf8');

function diffValue(a: unknown, b: unknown, path: string, out: FieldDifference[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) out.push({ path: p, to: text(b[k]) });
      else if (!(k in b)) out.push({ path: p, from: text(a[k]) });
      else diffValue(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffValue(v, b[i], `${path}[${i}]`, out));
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
    const p = `${path}[name=${name}]`;
    if (!before.has(name)) out.fields.push({ path: p, to: text(r) });
    else diffValue(before.get(name), r, p, out.fields);
  }
  for (const [name, r] of before)
    if (!after.has(name)) out.fields.push({ path: `${path}[name=${name}]`, from: text(r) });
  const common = (list: unknown[], other: Map<unknown, unknown>) =>
    list.map(nameOf).filter((n) => other.has(n)) as string[];
  const x = common(a, after);
  const y = common(b, before);
  const first = x.findIndex((n, i) => n !== y[i]);
  if (first >= 0) out.order = { from: first, before: x.slice(first, first + 10), after: y.slice(first, first + 10) };
}

/** Every difference in `signed` but version and expires (the summary's first lines). */
export function signedDifferences(previous: AnySigned, next: AnySigned): SignedDifferences {
  const a = previous.toJSON();
  const b = next.toJSON();
  for (const o of [a, b]) {
    delete o['version'];
    delete o['expires'];
  }
  const out: SignedDifferences = { fields: [] };
  const da = a['delegations'];
  const db = b['delegations'];
  if (isObject(da) && isObject(db) && Array.isArray(da['roles']) && Array.isArray(db['roles'])) {
    const { roles: ra, ...restA } = da;
    const { roles: rb, ...restB } = db;
    a['delegations'] = restA;
    b['delegations'] = restB;
    diffDelegatedRoles(ra as unknown[], rb as unknown[], 'delegations.roles', out);
  }
  diffValue(a, b, '', out.fields);
  return out;
}

/**
 * The differences the summary's own lines do not already say: keys and thresholds of root roles,
 * delegations' keys, threshold, paths and terminating flag, and targets are shown there.
 */
export function unexplainedDifferences(fields: readonly FieldDifference[]): FieldDifference[] {
  const shown = [
    /^roles\.[^.]+\.(keyids|threshold)(\[|$)/,
    /^keys\.[^.]+$/,
    /^consistent_snapshot$/,
    /^targets\./,
    /^delegations\.keys\.[^.]+$/,
    /^delegations\.roles\[name=[^\]]+\](\.(keyids|threshold|paths|path_hash_prefixes|terminating)(\[\d+\])?)?$/,
    /^delegations\.succinct_roles\./,
  ];
  return fields.filter((f) => !shown.some((re) => re.test(f.path)));
}
