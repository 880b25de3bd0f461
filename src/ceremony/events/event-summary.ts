/**
 * The semantic summary of a signing event: what each role changes against the version it
 * replaces (keys added or removed with their holders, thresholds, expiry, delegations added,
 * removed or re-keyed, targets), who must sign, and the payload digest as hex and as words to read
 * aloud (docs/formats/event.md; tuf-on-ci's readable summary, the IANA KSK ceremony's spoken hashes).
 */
import { canonicalize } from '../../tuf/json/index.js';
import { escapeLines, formatExpires } from '../../tuf/base/index.js';
import {
  type DelegatedRole,
  type Delegations,
  fingerprintWords,
  groupedHex,
  type Key,
  sameContent,
  Root,
  Targets,
  TOP_LEVEL_ROLES,
} from '../../tuf/model/index.js';
import type { EventRole, SigningEvent } from './event.js';
import {
  delegationBytesDiff,
  signedDifferences,
  unexplainedDifferences,
  type FieldDifference,
  type OrderChange,
  type ShownElsewhere,
} from './event-diff.js';
import { ownerOf } from '../state/holders.js';

export interface KeyRef {
  keyid: string;
  holder?: string;
  keytype: string;
  /**
   * The key's own keyid (the SHA-256 of its canonical JSON, TUF specification 1.0.x section 4.2),
   * set only when the key is listed under another: a signer compares keyids, and a forged version
   * may list another key under the keyid of the one expected.
   */
  ownKeyid?: string;
}

export interface KeyChange {
  /** The top-level role (root, targets, snapshot, timestamp) or delegated role the key serves. */
  role: string;
  key: KeyRef;
}

export interface ThresholdChange {
  role: string;
  from?: number;
  to: number;
}

export interface DelegationRef {
  name: string;
  threshold: number;
  keys: KeyRef[];
  paths?: readonly string[];
  pathHashPrefixes?: readonly string[];
  terminating: boolean;
}

export interface DelegationChanges {
  added: DelegationRef[];
  removed: DelegationRef[];
  /** Same name, other keys or threshold: the loud case (a project's keys replaced). */
  rekeyed: Array<{ name: string; from: DelegationRef; to: DelegationRef }>;
  /** Same keys, other paths or terminating flag. */
  changed: Array<{ name: string; from: DelegationRef; to: DelegationRef }>;
  /** Succinct hash bins (TAP 15), when used. */
  succinct?: { bitLength: number; namePrefix: string; threshold: number; keys: KeyRef[]; changedFrom?: string };
}

export interface RoleSummary {
  role: string;
  version: number;
  replaces?: number;
  file: string;
  expires: string;
  previousExpires?: string;
  payloadSha256: string;
  payloadWords: string[];
  /** True when only version and expiry differ from the replaced version (a re-sign). */
  contentUnchanged: boolean;
  signers: Array<{ label: string; threshold: number; keys: KeyRef[] }>;
  keysAdded: KeyChange[];
  keysRemoved: KeyChange[];
  thresholds: ThresholdChange[];
  delegations?: DelegationChanges;
  targets?: { added: string[]; removed: string[]; changed: string[] };
  other: string[];
  /** Every difference from the version replaced but version and expires (event-diff.ts). */
  differences: FieldDifference[];
  /** Delegations present before and after in another order: who decides first changed. */
  delegationOrder?: OrderChange;
}

export interface EventSummary {
  eventId: string;
  /** The digest over every role's payload digest, which each signer confirms (event-digest.ts). */
  eventDigest: string;
  kind: string;
  description: string;
  repository: string;
  created: string;
  roles: RoleSummary[];
}

const ONLINE_ROLE_NAMES = new Set(['snapshot', 'timestamp', 'recently-claimed', 'unclaimed']);

/** A key for people: its holder, or "online <role> key" for the online roles' keys (they carry no owner). */
function keyRef(keyid: string, key: Key | undefined, role?: string): KeyRef {
  const fallback =
    role === undefined ? undefined : ONLINE_ROLE_NAMES.has(role) ? `online ${role} key` : `key of ${role}`;
  const holder = ownerOf(key) ?? fallback;
  const ref: KeyRef = { keyid, holder, keytype: key?.keytype ?? 'unknown' };
  if (key && key.keyid !== keyid) ref.ownKeyid = key.keyid;
  return ref;
}

function rootKeyChanges(
  prev: Root | undefined,
  next: Root,
): { added: KeyChange[]; removed: KeyChange[]; thresholds: ThresholdChange[]; other: string[] } {
  const added: KeyChange[] = [];
  const removed: KeyChange[] = [];
  const thresholds: ThresholdChange[] = [];
  for (const role of TOP_LEVEL_ROLES) {
    const before = new Set(prev?.roles[role].keyids ?? []);
    const after = new Set(next.roles[role].keyids);
    for (const id of after) if (!before.has(id)) added.push({ role, key: keyRef(id, next.keys.get(id), role) });
    for (const id of before) if (!after.has(id)) removed.push({ role, key: keyRef(id, prev!.keys.get(id), role) });
    const from = prev?.roles[role].threshold;
    if (from !== next.roles[role].threshold) thresholds.push({ role, from, to: next.roles[role].threshold });
  }
  const other: string[] = [];
  if (prev?.consistentSnapshot !== next.consistentSnapshot)
    other.push(
      `consistent_snapshot: ${prev?.consistentSnapshot ?? '(unset)'} → ${next.consistentSnapshot ?? '(unset)'}`,
    );
  return { added, removed, thresholds, other };
}

/** `from`: the delegations that list the role, whose keys are looked up one by one (Delegations#key). */
function delegationRef(d: DelegatedRole, from: Delegations): DelegationRef {
  return {
    name: d.name,
    threshold: d.threshold,
    keys: d.keyids.map((id) => keyRef(id, from.key(id), d.name)),
    paths: d.paths,
    pathHashPrefixes: d.pathHashPrefixes,
    terminating: d.terminating,
  };
}

function sameKeys(a: DelegatedRole, b: DelegatedRole): boolean {
  return (
    a.threshold === b.threshold && a.keyids.length === b.keyids.length && a.keyids.every((k) => b.keyids.includes(k))
  );
}

function sameScope(a: DelegatedRole, b: DelegatedRole): boolean {
  return (
    a.terminating === b.terminating &&
    JSON.stringify(a.paths ?? null) === JSON.stringify(b.paths ?? null) &&
    JSON.stringify(a.pathHashPrefixes ?? null) === JSON.stringify(b.pathHashPrefixes ?? null)
  );
}

/**
 * Delegations added / removed / re-keyed / changed; linear in the number of delegations. `bytes`:
 * the delegations compared on their bytes, when they could be (event-diff.ts); only the roles
 * that differ are then made.
 */
export function diffDelegations(
  prev: Targets | undefined,
  next: Targets,
  bytes = prev ? delegationBytesDiff(prev, next) : null,
): DelegationChanges | undefined {
  const p = prev?.delegations;
  const n = next.delegations;
  if (!p && !n) return undefined;
  const out: DelegationChanges = { added: [], removed: [], rekeyed: [], changed: [] };
  const compare = (name: string, old: DelegatedRole, r: DelegatedRole) => {
    if (!sameKeys(old, r)) out.rekeyed.push({ name, from: delegationRef(old, p!), to: delegationRef(r, n!) });
    else if (!sameScope(old, r)) out.changed.push({ name, from: delegationRef(old, p!), to: delegationRef(r, n!) });
  };
  if (bytes) {
    for (const { name, before, after } of bytes.roles) {
      if (!before) out.added.push(delegationRef(after!, n!));
      else if (!after) out.removed.push(delegationRef(before, p!));
      else compare(name, before, after);
    }
  } else {
    const before = new Map((p?.roles ?? []).map((r) => [r.name, r]));
    const after = new Map((n?.roles ?? []).map((r) => [r.name, r]));
    for (const [name, r] of after) {
      const old = before.get(name);
      if (!old) out.added.push(delegationRef(r, n!));
      else compare(name, old, r);
    }
    for (const [name, r] of before) if (!after.has(name)) out.removed.push(delegationRef(r, p!));
  }
  const sr = n?.succinctRoles;
  if (sr) {
    const old = p?.succinctRoles;
    const describe = (s: typeof sr) =>
      `${s.numberOfBins} bins "${s.namePrefix}-…", ${s.threshold} of [${s.keyids.join(', ')}]`;
    out.succinct = {
      bitLength: sr.bitLength,
      namePrefix: sr.namePrefix,
      threshold: sr.threshold,
      keys: sr.keyids.map((id) => keyRef(id, n.keys.get(id))),
    };
    if (old && describe(old) !== describe(sr)) out.succinct.changedFrom = describe(old);
  }
  return out;
}

function diffTargets(
  prev: Targets | undefined,
  next: Targets,
): { added: string[]; removed: string[]; changed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [name, t] of next.targets) {
    const old = prev?.targets.get(name);
    if (!old) added.push(name);
    else if (canonicalize(old.toJSON()).toString('hex') !== canonicalize(t.toJSON()).toString('hex'))
      changed.push(name);
  }
  for (const name of prev?.targets.keys() ?? []) if (!next.targets.has(name)) removed.push(name);
  return { added, removed, changed };
}

export function summarizeRole(r: EventRole): RoleSummary {
  // Copies, which share the event's compact delegation bytes: the objects the comparison makes
  // are dropped with them, rather than kept in the event for every role at once (a claim at 2^10
  // bins compares 1,024 bins of 600 delegations, both sides; docs/performance.md).
  const next = r.metadata.signed.copy();
  const prev = r.previous?.signed.copy();
  const s: RoleSummary = {
    role: r.role,
    version: r.version,
    replaces: r.replaces,
    file: r.file,
    expires: formatExpires(next.expires),
    previousExpires: prev ? formatExpires(prev.expires) : undefined,
    payloadSha256: r.payloadSha256,
    payloadWords: fingerprintWords(r.payloadSha256),
    contentUnchanged: r.previous !== undefined && sameContent(r.previous, r.metadata),
    signers: r.thresholds.map((a) => ({
      label: a.label,
      threshold: a.threshold,
      keys: a.keyids.map((id) => keyRef(id, a.keys.get(id))),
    })),
    keysAdded: [],
    keysRemoved: [],
    thresholds: [],
    other: [],
    differences: [],
  };
  // Compared once on their bytes when both versions' delegations allow it (a flat claimed role).
  const bytes = prev ? delegationBytesDiff(prev, next) : null;
  if (prev) {
    const d = signedDifferences(prev, next, bytes);
    s.differences = d.fields;
    s.delegationOrder = d.order;
  }
  if (next instanceof Root) {
    const c = rootKeyChanges(prev as Root | undefined, next);
    Object.assign(s, { keysAdded: c.added, keysRemoved: c.removed, thresholds: c.thresholds, other: c.other });
  } else if (next instanceof Targets) {
    const p = prev as Targets | undefined;
    s.delegations = diffDelegations(p, next, bytes);
    s.targets = diffTargets(p, next);
  }
  return s;
}

export function summarizeEvent(event: SigningEvent): EventSummary {
  return {
    eventId: event.id,
    eventDigest: event.digest,
    kind: event.kind,
    description: event.description,
    repository: event.repository,
    created: event.created,
    roles: event.roles().map(summarizeRole),
  };
}

/** "admin-b (ecdsa 1a2b 3c4d …)", the whole keyid; developer keys carry no holder name, only type and keyid. */
const who = (k: KeyRef): string =>
  (k.holder ? `${k.holder} (${k.keytype} ${groupedHex(k.keyid)})` : `key ${k.keytype} ${groupedHex(k.keyid)}`) +
  (k.ownKeyid ? ` NOT ITS OWN KEYID (the key's own is ${groupedHex(k.ownKeyid)})` : '');

function delegationLine(d: DelegationRef): string {
  const scope = d.paths ? `paths ${d.paths.join(' ')}` : `hash prefixes ${d.pathHashPrefixes!.join(' ')}`;
  return `${d.name}: ${d.threshold} of ${d.keys.length} (${d.keys.map(who).join(', ')}); ${scope}${d.terminating ? ', terminating' : ''}`;
}

/** One field difference on one line, long values cut (the --raw view and --json have them whole). */
export function differenceLine(f: FieldDifference, width = 100): string {
  const cut = (v: string) => (v.length > width ? `${v.slice(0, width)}… (${v.length} characters)` : v);
  if (f.from === undefined) return `+ ${f.path}: ${cut(f.to!)}`;
  if (f.to === undefined) return `- ${f.path}: ${cut(f.from)}`;
  return `~ ${f.path}: ${cut(f.from)} → ${cut(f.to)}`;
}

export interface RenderOptions {
  /** Cap on each list of delegations or keys shown (all are in the JSON form). */
  limit?: number;
  /** Print each payload digest as hex and words (off when the caller shows them its own way). */
  digests?: boolean;
  /**
   * At most this many lines (a terminal's screen, so that what follows stays on it): lists are
   * cut shorter, then roles are taken together (the role by role view is `event show --all`).
   */
  maxLines?: number;
  /** Role by role however many roles there are (`event show --all`). */
  everyRole?: boolean;
}

/**
 * More roles than this are taken together unless every role is asked for: a claim at 2^14 bins
 * changes thousands, and role by role its summary was 47,000 lines in a pipe or a file.
 */
const ROLES_ONE_BY_ONE = 40;

/**
 * What a summary says of one role: single lines (with what counts as the same line when roles are
 * taken together) and lists, in the order a signer reads them.
 */
type Entry = { line: string; sub?: string[]; same?: string } | { title: string; items: string[] };

function roleEntries(r: RoleSummary, digests: boolean): Entry[] {
  const e: Entry[] = [];
  const list = (title: string, items: string[]) => void (items.length && e.push({ title, items }));
  e.push({ line: `expires ${r.expires}${r.previousExpires ? ` (was ${r.previousExpires})` : ''}` });
  if (r.contentUnchanged)
    e.push({ line: 're-sign only, no content change (everything but version and expiry is identical)' });
  list(
    'keys added',
    r.keysAdded.map((c) => `+ ${c.role}: ${who(c.key)}`),
  );
  list(
    'keys removed',
    r.keysRemoved.map((c) => `- ${c.role}: ${who(c.key)}`),
  );
  for (const t of r.thresholds)
    e.push({ line: `threshold of ${t.role}: ${t.from === undefined ? '' : `${t.from} → `}${t.to}` });
  for (const o of r.other) e.push({ line: o });
  const order = r.delegationOrder;
  if (order)
    e.push({
      line: `delegation ORDER changed (a client follows the first delegation that matches, TUF spec 5.6.7), from position ${order.from + 1}:`,
      sub: [`before: ${order.before.join(', ')}`, `after:  ${order.after.join(', ')}`],
    });
  const d = r.delegations;
  if (d) {
    list(
      'delegations added',
      d.added.map((x) => `+ ${delegationLine(x)}`),
    );
    list(
      'delegations removed',
      d.removed.map((x) => `- ${delegationLine(x)}`),
    );
    list(
      'delegations RE-KEYED (keys or threshold replaced)',
      d.rekeyed.map(
        (x) =>
          `! ${x.name}: ${x.from.threshold} of ${x.from.keys.map(who).join(', ')} → ${x.to.threshold} of ${x.to.keys.map(who).join(', ')}`,
      ),
    );
    list(
      'delegations with other paths',
      d.changed.map((x) => `~ ${delegationLine(x.to)}`),
    );
    if (d.succinct) {
      const was = d.succinct.changedFrom ? ` (was ${d.succinct.changedFrom})` : '';
      e.push({
        line:
          `succinct hash bins: ${2 ** d.succinct.bitLength} bins "${d.succinct.namePrefix}-…", ` +
          `${d.succinct.threshold} of ${d.succinct.keys.map(who).join(', ')}${was}`,
      });
    }
  }
  if (r.targets) {
    list(
      'targets added',
      r.targets.added.map((x) => `+ ${x}`),
    );
    list(
      'targets removed',
      r.targets.removed.map((x) => `- ${x}`),
    );
    list(
      'targets changed',
      r.targets.changed.map((x) => `~ ${x}`),
    );
  }
  list(
    'other fields changed',
    unexplainedDifferences(r.differences, shownElsewhere(r)).map((f) => differenceLine(f)),
  );
  for (const sgn of r.signers) {
    const names = sgn.keys.map((k) => k.holder ?? groupedHex(k.keyid)).join(', ');
    e.push({
      line: `to be signed by ${sgn.threshold} of ${sgn.label}: ${names}`,
      same: `to be signed by ${sgn.threshold} of ${names}`,
    });
  }
  if (digests)
    e.push({ line: `payload SHA-256: ${r.payloadSha256}` }, { line: `as words:        ${r.payloadWords.join(' ')}` });
  return e;
}

const MORE = 'event show --all lists them';

/** A list's lines: its title, at most `limit` items, and how many more there are. */
function listLines(title: string, items: readonly string[], limit: number): string[] {
  const lines = [`    ${title} (${items.length}):`, ...items.slice(0, limit).map((x) => `      ${x}`)];
  if (items.length > limit) lines.push(`      … and ${items.length - limit} more (${MORE})`);
  return lines;
}

const roleTitle = (r: RoleSummary) =>
  `${r.role} version ${r.version}${r.replaces ? ` (replaces version ${r.replaces})` : ' (new role)'}  file ${r.file}`;

function roleByRole(summary: EventSummary, limit: number, digests: boolean): string[] {
  const lines: string[] = [];
  for (const r of summary.roles) {
    lines.push('', `  ${roleTitle(r)}`);
    for (const x of roleEntries(r, digests)) {
      if ('title' in x) for (const l of listLines(x.title, x.items, limit)) lines.push(l);
      else lines.push(`    ${x.line}`, ...(x.sub ?? []).map((l) => `      ${l}`));
    }
  }
  return lines;
}

/**
 * Every role taken together, for events too large to read role by role on one screen (a claim
 * re-signing a thousand bins): each line once with how many roles say it, each list whole with
 * its items named by role; at most `limit` items or lines of a kind.
 */
function rolesTogether(summary: EventSummary, limit: number): string[] {
  const n = summary.roles.length;
  const shown = summary.roles.slice(0, Math.max(limit, 1)).map((r) => `${r.role} v${r.version}`);
  const lines = [
    '',
    `  ${n} roles: ${shown.join(', ')}${n > shown.length ? `, and ${n - shown.length} more (${MORE})` : ''}`,
  ];
  const single = new Map<string, { text: string; sub: string[]; roles: string[] }>();
  const lists = new Map<string, string[]>();
  for (const r of summary.roles) {
    for (const x of roleEntries(r, false)) {
      if ('title' in x) {
        const items = lists.get(x.title) ?? [];
        for (const item of x.items) items.push(`${r.role}: ${item}`);
        lists.set(x.title, items);
      } else {
        const key = x.same ?? x.line;
        const got = single.get(key) ?? { text: x.same ?? x.line, sub: x.sub ?? [], roles: [] };
        got.roles.push(r.role);
        single.set(key, got);
      }
    }
  }
  const groups = [...single.values()];
  for (const g of groups.slice(0, limit + 4)) {
    const whose = g.roles.length === n ? 'every role' : g.roles.length === 1 ? g.roles[0]! : `${g.roles.length} roles`;
    lines.push(`    ${whose}: ${g.text}`, ...g.sub.map((l) => `      ${l}`));
  }
  if (groups.length > limit + 4) lines.push(`    … and ${groups.length - limit - 4} more lines (${MORE})`);
  for (const [title, items] of lists) for (const l of listLines(title, items, limit)) lines.push(l);
  return lines;
}

/** What the summary's own lines show of a role (unexplainedDifferences): its type, and the keys it names. */
export function shownElsewhere(r: RoleSummary): ShownElsewhere {
  const keyids = new Set<string>();
  // A key listed under a keyid not its own keeps its own line, with the key itself.
  const name = (refs: Iterable<KeyRef>) => {
    for (const k of refs) if (!k.ownKeyid) keyids.add(k.keyid);
  };
  name([...r.keysAdded, ...r.keysRemoved].map((c) => c.key));
  const d = r.delegations;
  if (d) {
    for (const x of [...d.added, ...d.removed]) name(x.keys);
    for (const x of [...d.rekeyed, ...d.changed]) name([...x.from.keys, ...x.to.keys]);
    if (d.succinct) name(d.succinct.keys);
  }
  return { type: r.targets ? 'targets' : r.role === 'root' ? 'root' : 'other', keyids };
}

/** The text a signer reads before confirming. */
export function renderSummary(summary: EventSummary, options: RenderOptions = {}): string {
  const limit = options.limit ?? 50;
  const digests = options.digests !== false;
  const head = [
    `Signing event: ${summary.kind} for ${summary.repository}, created ${summary.created}`,
    `  ${summary.description}`,
  ];
  let body =
    options.everyRole || summary.roles.length <= ROLES_ONE_BY_ONE
      ? roleByRole(summary, limit, digests)
      : rolesTogether(summary, limit);
  const max = options.maxLines;
  if (max !== undefined) {
    // Shorter lists first, then the roles together, until it fits the screen.
    const tries = [
      ...[10, 5, 3, 1].filter((l) => l < limit).map((l) => () => roleByRole(summary, l, digests)),
      ...[5, 3, 1, 0].map((l) => () => rolesTogether(summary, l)),
    ];
    for (const next of tries) {
      if (head.length + body.length <= max) break;
      body = next();
    }
  }
  // Fields of event.json and strings of metadata: each line escaped whole (docs/threat-model.md section 7).
  return escapeLines([...head, ...body]);
}
