/**
 * The ceremony plan: one strict, reviewed JSON file in ceremony-scripts/ that says who holds which
 * keys, thresholds, expiry periods, the online public keys and the layout of the claimed role
 * (docs/formats/plan.md). Everything is checked, with the field path of the first problem, before
 * any token is touched (the boulder `cmd/ceremony` rule: validate the whole config first).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { asArray, asString, FieldReader, join, Key, sha256Hex } from '../../tuf/model/index.js';
import { FormatError, parseDuration, RefusedError, UsageError, withContext } from '../../tuf/base/index.js';
import { parseStrictJson } from '../../tuf/json/index.js';
import { isKeyFileDocument, readKeyFilePublicKey } from '../../keys/index.js';
import { OWNER_FIELD, ownerOf } from './holders.js';
import { readInputFile } from './input-file.js';

export const PLAN_FORMAT = 1;
export const OFFLINE_ROLES = ['root', 'targets', 'claimed'] as const;
export type OfflineRole = (typeof OFFLINE_ROLES)[number];
export const ONLINE_ROLES = ['snapshot', 'timestamp', 'recently-claimed', 'unclaimed'] as const;
export type OnlineRole = (typeof ONLINE_ROLES)[number];
export const KEY_TYPES = ['ed25519', 'ecdsa-p256', 'rsa-3072'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
/** Bins of a sharded claimed role are named `claimed-bins-<hex>` (TAP 15 succinct roles). */
export const CLAIMED_BIN_PREFIX = 'claimed-bins';
export const PROJECT_PLACEHOLDER = '{project}';

/** An admin's key for one role: generated on their token, or an existing public key imported. */
export type AdminKeySpec = { source: 'generate'; type: KeyType } | { source: 'import'; file: string };

export interface PlanAdmin {
  name: string;
  contact: string;
  keys: Partial<Record<OfflineRole, AdminKeySpec>>;
}

export interface RolePolicy {
  threshold: number;
  /** The period as written in the plan ("365d"). */
  expires: string;
  expiresSeconds: number;
  /**
   * Only keys that can sign and nothing else may sign the role: a token key that can also decrypt,
   * unwrap or derive (CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE; PKCS#11 v2.40 sections 4.7 and 4.9) is
   * refused by `init` and `event sign` (docs/formats/plan.md, "sign_only").
   */
  signOnly?: boolean;
}

export interface ClaimedPolicy extends RolePolicy {
  /** Absent: one flat claimed role (PEP 480). Present: claimed holds 2^bitLength succinct bins. */
  bins?: { bitLength: number; namePrefix: string };
}

/**
 * The parts people other than the key holders play in the room (docs/runbook.md, "People in the
 * room"); the admins are the plan's `admins`.
 */
export const ATTENDEE_PARTS = ['ceremony-administrator', 'witness', 'scribe'] as const;
export type AttendeePart = (typeof ATTENDEE_PARTS)[number];

/** Someone in the room the ceremony record names and asks to sign (docs/formats/plan.md, "attendees"). */
export interface PlanAttendee {
  name: string;
  parts: AttendeePart[];
  contact?: string;
}

export interface CeremonyPlan {
  planFormat: number;
  repository: string;
  description?: string;
  admins: PlanAdmin[];
  /** Everyone else in the room, with their parts; empty when the plan names nobody. */
  attendees: PlanAttendee[];
  roles: { root: RolePolicy; targets: RolePolicy; claimed: ClaimedPolicy };
  /** Online role → path of a TUF public key file, relative to the plan. */
  online: Record<OnlineRole, { key: string }>;
  /** Whether the online unclaimed role uses succinct hash bins (PEP 458), and how many. */
  unclaimedBins?: { bitLength: number };
  /** Target path patterns of one project, with `{project}` for its normalized name. */
  projectPaths: string[];
  /** How long before expiry a role counts as "expiring soon". */
  expiryWarning: string;
  expiryWarningSeconds: number;
}

/** Fields a reviewer may add anywhere for people; never read. */
const COMMENT_FIELDS = new Set(['comment']);

function noUnknownFields(r: FieldReader): void {
  for (const key of Object.keys(r.rest())) {
    if (COMMENT_FIELDS.has(key)) continue;
    throw new FormatError(r.at(key), 'unknown field (a typo?); the plan is read strictly');
  }
}

function readPolicy(r: FieldReader): RolePolicy {
  const threshold = r.integer('threshold', 1);
  const expires = r.string('expires');
  const expiresSeconds = parseDuration(expires, r.at('expires'));
  // Expiry in the future (issue guard rail): a zero period would expire at once.
  if (expiresSeconds <= 0) throw new FormatError(r.at('expires'), 'must be a period greater than zero');
  const signOnly = r.has('sign_only') ? r.boolean('sign_only') : false;
  noUnknownFields(r);
  return { threshold, expires, expiresSeconds, ...(signOnly ? { signOnly } : {}) };
}

/**
 * Claimed bin counts offered: 2 to 65536 (docs/decisions/0003-claimed-sharding.md has the
 * numbers). TAP 15 allows up to 2^32, but each bin is a role the admins sign.
 */
export const MAX_CLAIMED_BIT_LENGTH = 16;

function readBitLength(v: unknown, path: string, max: number): number {
  const r = FieldReader.of(v, path);
  const bitLength = r.integer('bit_length', 1);
  // TAP 15: bit_length 1..32; bin counts are powers of two (PEP 458).
  if (bitLength > max) throw new FormatError(r.at('bit_length'), `must be from 1 to ${max}, got ${bitLength}`);
  noUnknownFields(r);
  return bitLength;
}

function readKeySpec(v: unknown, path: string): AdminKeySpec {
  const r = FieldReader.of(v, path);
  let spec: AdminKeySpec;
  if (r.has('import')) {
    if (r.has('type'))
      throw new FormatError(
        path,
        'give either "type" (generate on the token) or "import" (a public key file), not both',
      );
    spec = { source: 'import', file: r.string('import') };
  } else {
    const type = r.string('type');
    if (!(KEY_TYPES as readonly string[]).includes(type))
      throw new FormatError(r.at('type'), `"${type}" is not one of ${KEY_TYPES.join(', ')}`);
    spec = { source: 'generate', type: type as KeyType };
  }
  noUnknownFields(r);
  return spec;
}

const NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- a person's name is printed: no control characters
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]{1,100}$/;

function readAttendees(r: FieldReader, admins: PlanAdmin[]): PlanAttendee[] {
  if (!r.has('attendees')) return [];
  const seen = new Set<string>();
  return r.array('attendees').map((v, i): PlanAttendee => {
    const ar = FieldReader.of(v, join('attendees', i));
    const name = ar.string('name').trim();
    if (!PRINTABLE.test(name))
      throw new FormatError(ar.at('name'), 'must be 1 to 100 printable characters (no control characters)');
    if (seen.has(name)) throw new FormatError(ar.at('name'), `"${name}" is listed twice`);
    seen.add(name);
    const parts = asArray(ar.raw('parts'), ar.at('parts')).map((p, j) => {
      const part = asString(p, join(ar.at('parts'), j));
      if (!(ATTENDEE_PARTS as readonly string[]).includes(part))
        throw new FormatError(join(ar.at('parts'), j), `"${part}" is not one of ${ATTENDEE_PARTS.join(', ')}`);
      return part as AttendeePart;
    });
    if (parts.length === 0 || new Set(parts).size !== parts.length)
      throw new FormatError(ar.at('parts'), 'give each part once, at least one');
    // A witness checks what the key holders do; one of them cannot be their own witness.
    if (parts.includes('witness') && admins.some((a) => a.name === name))
      throw new FormatError(ar.at('parts'), `"${name}" holds keys (admins) and so cannot be a witness`);
    const contact = ar.has('contact') ? ar.string('contact') : undefined;
    ar.optional('contact');
    noUnknownFields(ar);
    return contact === undefined ? { name, parts } : { name, parts, contact };
  });
}

/** Everyone the plan names and their parts: the admins (part `admin`), then the attendees. */
export function peopleOf(plan: CeremonyPlan): Array<{ name: string; parts: Array<AttendeePart | 'admin'> }> {
  const people = plan.admins.map((a) => ({ name: a.name, parts: ['admin'] as Array<AttendeePart | 'admin'> }));
  for (const a of plan.attendees) {
    const same = people.find((p) => p.name === a.name);
    if (same) for (const part of a.parts) same.parts.push(part);
    else people.push({ name: a.name, parts: [...a.parts] });
  }
  return people;
}

/** Parse and check a plan's structure; field paths name every problem. Does not read key files. */
export function parsePlan(json: unknown, source = 'plan'): CeremonyPlan {
  return withContext(source, () => {
    const r = FieldReader.of(json, '');
    const planFormat = r.integer('plan_format', 1);
    if (planFormat !== PLAN_FORMAT)
      throw new FormatError('plan_format', `this tool reads plan_format ${PLAN_FORMAT}, got ${planFormat}`);
    const repository = r.string('repository');
    if (repository.trim() === '') throw new FormatError('repository', 'must not be empty');
    const description = r.has('description') ? r.string('description') : undefined;
    r.optional('description');

    const admins = r.array('admins').map((av, i): PlanAdmin => {
      const ar = FieldReader.of(av, join('admins', i));
      const name = ar.string('name');
      if (!NAME.test(name))
        throw new FormatError(ar.at('name'), `"${name}" must be lowercase letters, digits, ".", "_" or "-"`);
      const contact = ar.string('contact');
      const kr = FieldReader.of(ar.raw('keys'), ar.at('keys'));
      const keys: PlanAdmin['keys'] = {};
      for (const role of OFFLINE_ROLES) if (kr.has(role)) keys[role] = readKeySpec(kr.raw(role), kr.at(role));
      noUnknownFields(kr);
      if (Object.keys(keys).length === 0)
        throw new FormatError(ar.at('keys'), 'an admin holds a key for at least one of root, targets, claimed');
      noUnknownFields(ar);
      return { name, contact, keys };
    });
    if (admins.length === 0) throw new FormatError('admins', 'at least one admin is needed');
    const seen = new Set<string>();
    admins.forEach((a, i) => {
      if (seen.has(a.name)) throw new FormatError(join(join('admins', i), 'name'), `admin "${a.name}" is listed twice`);
      seen.add(a.name);
    });

    const attendees = readAttendees(r, admins);
    r.optional('attendees');

    const rr = FieldReader.of(r.raw('roles'), 'roles');
    const root = readPolicy(FieldReader.of(rr.raw('root'), 'roles.root'));
    const targets = readPolicy(FieldReader.of(rr.raw('targets'), 'roles.targets'));
    const cr = FieldReader.of(rr.raw('claimed'), 'roles.claimed');
    const bins = cr.has('bins')
      ? {
          bitLength: readBitLength(cr.raw('bins'), 'roles.claimed.bins', MAX_CLAIMED_BIT_LENGTH),
          namePrefix: CLAIMED_BIN_PREFIX,
        }
      : undefined;
    cr.optional('bins');
    const claimed: ClaimedPolicy = { ...readPolicy(cr), ...(bins ? { bins } : {}) };
    noUnknownFields(rr);

    const or = FieldReader.of(r.raw('online'), 'online');
    const online = {} as CeremonyPlan['online'];
    let unclaimedBins: CeremonyPlan['unclaimedBins'];
    for (const role of ONLINE_ROLES) {
      const kr = FieldReader.of(or.raw(role), or.at(role));
      online[role] = { key: kr.string('key') };
      if (role === 'unclaimed' && kr.has('succinct_bins'))
        unclaimedBins = { bitLength: readBitLength(kr.raw('succinct_bins'), kr.at('succinct_bins'), 32) };
      noUnknownFields(kr);
    }
    noUnknownFields(or);

    const projectPaths = asArray(r.raw('project_paths'), 'project_paths').map((v, i) => {
      const p = asString(v, join('project_paths', i));
      const count = p.split(PROJECT_PLACEHOLDER).length - 1;
      if (count !== 1)
        throw new FormatError(join('project_paths', i), `"${p}" must hold ${PROJECT_PLACEHOLDER} exactly once`);
      if (p.startsWith('/') || p.split('/').includes('..'))
        throw new FormatError(join('project_paths', i), `"${p}" must be a relative target path`);
      return p;
    });
    if (projectPaths.length === 0) throw new FormatError('project_paths', 'at least one pattern is needed');
    const expiryWarning = r.has('expiry_warning') ? r.string('expiry_warning') : '30d';
    const expiryWarningSeconds = parseDuration(expiryWarning, 'expiry_warning');
    r.optional('expiry_warning');
    noUnknownFields(r);
    return {
      planFormat,
      repository,
      description,
      admins,
      attendees,
      roles: { root, targets, claimed },
      online,
      unclaimedBins,
      projectPaths,
      expiryWarning,
      expiryWarningSeconds,
    };
  });
}

/** The offline roles whose keys must be sign-only (`roles.<role>.sign_only`). */
export function signOnlyRoles(plan: CeremonyPlan): OfflineRole[] {
  return OFFLINE_ROLES.filter((role) => plan.roles[role].signOnly === true);
}

/** The admins who hold a key for `role`, in plan order. */
export function holdersOf(plan: CeremonyPlan, role: OfflineRole): PlanAdmin[] {
  return plan.admins.filter((a) => a.keys[role] !== undefined);
}

/** The target paths delegated to one project (PEP 480: its exact paths, terminating). */
export function projectPathsFor(plan: CeremonyPlan, project: string): string[] {
  return plan.projectPaths.map((p) => p.replace(PROJECT_PLACEHOLDER, project));
}

/**
 * The paths targets delegates to claimed, recently-claimed and unclaimed: every project's paths,
 * `{project}` read as `*` (which matches one path component, TUF specification 1.0.x section 4.5).
 */
export function topLevelDelegationPaths(plan: CeremonyPlan): string[] {
  return plan.projectPaths.map((p) => p.replace(PROJECT_PLACEHOLDER, '*'));
}

/**
 * Guard rails on numbers (issue 4; docs/formats/plan.md): threshold between 1 and the number of keys,
 * root threshold > 1. Returns warnings for what is allowed but risky: a threshold equal to the
 * number of keys, where one lost token locks the role.
 */
export function checkThresholds(plan: CeremonyPlan): string[] {
  const warnings: string[] = [];
  for (const role of OFFLINE_ROLES) {
    const n = holdersOf(plan, role).length;
    const t = plan.roles[role].threshold;
    if (n === 0) throw new RefusedError(`roles.${role}: no admin holds a ${role} key`, 'E_GUARD_RAIL');
    if (t > n)
      throw new RefusedError(
        `roles.${role}.threshold: ${t} is more than the ${n} ${role} key(s) the admins hold`,
        'E_GUARD_RAIL',
      );
    if (role === 'root' && t < 2)
      throw new RefusedError(
        'roles.root.threshold: must be at least 2, so that no single person can change root (PEP 458/480)',
        'E_GUARD_RAIL',
      );
    if (t === n && n > 1)
      warnings.push(
        `roles.${role}: threshold ${t} equals the number of keys; one lost or broken token locks the ${role} role`,
      );
    else if (t === n) warnings.push(`roles.${role}: a single key; losing that token locks the ${role} role`);
  }
  return warnings;
}

/** A plan with its keys read from the files it names, checked end to end. */
export interface LoadedPlan {
  plan: CeremonyPlan;
  path: string;
  bytes: Buffer;
  sha256: string;
  /** Online role → its public key exactly as in its file (its keyid is what the online service uses). */
  onlineKeys: Record<OnlineRole, Key>;
  /** `${admin}/${role}` → an imported admin key, with its owner field set. */
  importedKeys: Map<string, Key>;
  warnings: string[];
}

/** Read one TUF public key file; errors name the file, and the plan's `field` when given. */
export function readPublicKeyFile(file: string, field?: string): Key {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(
      `${field ? `${field}: ` : ''}cannot read key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_KEY_FILE',
      { cause: e },
    );
  }
  const context = field ? `${field} (${file})` : file;
  const doc = withContext(context, () => parseStrictJson(bytes, file));
  // A developer's encrypted key file stands for its public key: its public part is read, no passphrase.
  if (isKeyFileDocument(doc)) return withContext(context, () => readKeyFilePublicKey(file));
  const key = withContext(context, () => Key.fromJSON(doc, 'key'));
  withContext(context, () => key.assertUsable());
  return key;
}

/** Read a plan from a file and the key files it names; check the guard rails. Touches no token. */
export function loadPlan(path: string): LoadedPlan {
  const { plan, bytes } = readPlanFile(path);
  const warnings = checkThresholds(plan);
  const base = dirname(path);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  const onlineKeys = {} as Record<OnlineRole, Key>;
  for (const role of ONLINE_ROLES)
    onlineKeys[role] = readPublicKeyFile(at(plan.online[role].key), `online.${role}.key`);
  const importedKeys = new Map<string, Key>();
  plan.admins.forEach((admin, i) => {
    for (const role of OFFLINE_ROLES) {
      const spec = admin.keys[role];
      if (spec?.source !== 'import') continue;
      const field = `admins[${i}].keys.${role}.import`;
      let key = readPublicKeyFile(at(spec.file), field);
      const owner = ownerOf(key);
      if (owner !== undefined && owner !== admin.name)
        throw new RefusedError(
          `${field}: the key file says it belongs to "${owner}", not "${admin.name}"`,
          'E_GUARD_RAIL',
        );
      if (owner === undefined) key = key.withCustomFields({ [OWNER_FIELD]: admin.name });
      importedKeys.set(`${admin.name}/${role}`, key);
    }
  });
  checkDistinctKeys(onlineKeys, importedKeys);
  return { plan, path, bytes, sha256: sha256Hex(bytes), onlineKeys, importedKeys, warnings };
}

/**
 * No key listed twice (issue 4 guard rail; docs/formats/plan.md): every offline key is distinct from
 * every other key in the plan. Online roles may share one online key, as PEP 458 allows.
 */
export function checkDistinctKeys(onlineKeys: Record<OnlineRole, Key>, adminKeys: Map<string, Key>): void {
  const seen: Array<{ key: Key; where: string }> = [];
  for (const [where, key] of adminKeys) {
    const clash = seen.find((s) => s.key.sameMaterial(key));
    if (clash)
      throw new RefusedError(
        `the key of ${where} is the same key as ${clash.where}; every offline key must be distinct`,
        'E_DUPLICATE_KEY',
      );
    seen.push({ key, where });
  }
  for (const role of ONLINE_ROLES) {
    const clash = seen.find((s) => s.key.sameMaterial(onlineKeys[role]));
    if (clash)
      throw new RefusedError(
        `online.${role}.key is the same key as ${clash.where}; an online key must never be an offline key`,
        'E_DUPLICATE_KEY',
      );
  }
}

/** A plan file read and checked as a plan, without reading the key files it names. */
export function readPlanFile(path: string): { plan: CeremonyPlan; bytes: Buffer } {
  const bytes = readInputFile(path, 'plan', 'E_PLAN');
  return { plan: parsePlan(parseStrictJson(bytes, path), path), bytes };
}

export function planFromBytes(bytes: Uint8Array, source: string): CeremonyPlan {
  return parsePlan(parseStrictJson(bytes, source), source);
}
