/**
 * The token profile: which PKCS#11 modules, which tokens and which key labels belong to each
 * holder. Kept apart from the reviewed ceremony plan so that a rehearsal on SoftHSM and the real
 * ceremony on HSMs run the same plan with different profiles (docs/formats/token-profile.md).
 * A holder's keys may be spread over several tokens, each in its own module (root on one HSM,
 * claimed on another); a module may need C_Initialize parameters (NSS softokn's configdir).
 * Strict: unknown fields are refused, and so is any PIN value (PINs never live in a file that is
 * reviewed or copied; only where to read one for scripted runs).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FormatError, UsageError, withContext } from '../tuf/base/index.js';
import { describe, FieldReader, type JsonObject } from '../tuf/model/index.js';
import { parseStrictJson } from '../tuf/json/index.js';

/**
 * Deviations from the attributes `key generate` requires that a profile may accept for one
 * module, and why each is safe to accept. CKA_LOCAL (PKCS#11 v2.40 section 4.7) only reports
 * where the key was made; NSS softokn reports false on keys its own C_GenerateKeyPair made. The
 * attributes that protect a key (sensitive, extractable, sign-only) can never be accepted.
 */
export const ACCEPTABLE_DEVIATIONS: Readonly<Record<string, string>> = {
  'CKA_LOCAL=false':
    'CKA_LOCAL only says where the key was made; the key was just made by C_GenerateKeyPair in this session',
};

export interface ModuleProfile {
  /** The module's name in the profile ("default" for the top-level "module"). */
  name: string;
  /** The PKCS#11 library; absolute once loaded (relative paths are relative to the profile's folder). */
  path: string;
  /** The string C_Initialize passes as LibraryParameters (NSS softokn: configdir='sql:…' …). */
  libraryParameters?: string;
  /** Entries of ACCEPTABLE_DEVIATIONS accepted for keys generated in this module. */
  accept: string[];
}

/** One token of a holder and the keys it holds. */
export interface HolderToken {
  /** The holder (an admin or developer name as in plans). */
  name: string;
  module: ModuleProfile;
  /** Exactly one token must match (label, serial, or both). */
  token: { label?: string; serial?: string };
  /** Purpose ('root' | 'targets' | 'claimed' | 'developer' …) to key label (CKA_LABEL). */
  keys: Record<string, string>;
  /** Scripted runs only; otherwise a hidden prompt. `file` is absolute once loaded. */
  pin?: { env?: string; file?: string };
}

export interface HolderProfile {
  name: string;
  /** In the order the profile lists them; a purpose is on exactly one of them. */
  tokens: HolderToken[];
  /** Every purpose of every token to its key label. */
  keys: Record<string, string>;
}

export interface TokenProfile {
  /** The profile file. */
  path: string;
  /** By name; the top-level "module" is named "default". */
  modules: Record<string, ModuleProfile>;
  holders: Record<string, HolderProfile>;
}

const DEFAULT_MODULE_NAME = 'default';

const NO_PIN_VALUES =
  'PINs never live in a profile: name an environment variable ("pin": {"env": "NAME"}) or a file ("pin": {"file": "path"}), or leave "pin" out to be asked';

function refuseUnknown(r: FieldReader): void {
  const rest = Object.keys(r.rest());
  if (rest.length) throw new FormatError(r.at(rest[0]!), 'unknown field');
}

function optionalString(r: FieldReader, key: string): string | undefined {
  const v = r.optional(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '')
    throw new FormatError(r.at(key), `expected a non-empty string, got ${describe(v)}`);
  return v;
}

function modulePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function readModule(name: string, v: unknown, at: string, baseDir: string): ModuleProfile {
  const r = FieldReader.of(v, at);
  const path = optionalString(r, 'path');
  if (path === undefined) throw new FormatError(r.at('path'), 'expected the path of a PKCS#11 module');
  const module: ModuleProfile = { name, path: modulePath(path, baseDir), accept: [] };
  const params = optionalString(r, 'libraryParameters');
  if (params !== undefined) module.libraryParameters = params;
  if (r.has('accept')) {
    const accept = r.stringArray('accept', true);
    accept.forEach((a, i) => {
      if (!Object.hasOwn(ACCEPTABLE_DEVIATIONS, a)) {
        throw new FormatError(
          `${r.at('accept')}.${i}`,
          `"${a}" cannot be accepted (only ${Object.keys(ACCEPTABLE_DEVIATIONS).join(', ')}): the other attributes protect the key`,
        );
      }
    });
    module.accept = accept;
  }
  refuseUnknown(r);
  return module;
}

function readPin(r: FieldReader, baseDir: string): HolderToken['pin'] {
  const pinValue = r.optional('pin');
  if (pinValue === undefined) return undefined;
  if (typeof pinValue !== 'object' || pinValue === null || Array.isArray(pinValue))
    throw new FormatError(r.at('pin'), NO_PIN_VALUES);
  const pr = new FieldReader(pinValue as JsonObject, r.at('pin'));
  const env = optionalString(pr, 'env');
  const file = optionalString(pr, 'file');
  const extra = Object.keys(pr.rest());
  if (extra.length) throw new FormatError(pr.at(extra[0]!), NO_PIN_VALUES);
  if (env === undefined && file === undefined) throw new FormatError(r.at('pin'), NO_PIN_VALUES);
  const pin: NonNullable<HolderToken['pin']> = {};
  if (env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env))
      throw new FormatError(pr.at('env'), `"${env}" is not an environment variable name`);
    pin.env = env;
  }
  if (file !== undefined) pin.file = isAbsolute(file) ? file : resolve(baseDir, file);
  return pin;
}

/** The token, keys and pin fields of one token entry (or of a holder written the one-token way). */
function readTokenFields(name: string, r: FieldReader, module: ModuleProfile, baseDir: string): HolderToken {
  const tr = FieldReader.of(r.raw('token'), r.at('token'));
  const label = optionalString(tr, 'label');
  const serial = optionalString(tr, 'serial');
  refuseUnknown(tr);
  if (label === undefined && serial === undefined)
    throw new FormatError(r.at('token'), 'give the token\'s "label", "serial", or both');
  const token: HolderToken['token'] = {};
  if (label !== undefined) token.label = label;
  if (serial !== undefined) token.serial = serial;

  const kr = FieldReader.of(r.raw('keys'), r.at('keys'));
  const keys: Record<string, string> = {};
  const labels = new Map<string, string>();
  for (const purpose of Object.keys(kr.obj)) {
    const keyLabel = optionalString(kr, purpose)!;
    // One key label per purpose: two purposes on one label would sign two roles with one key.
    const other = labels.get(keyLabel);
    if (other) throw new FormatError(kr.at(purpose), `key label "${keyLabel}" is already used for "${other}"`);
    labels.set(keyLabel, purpose);
    keys[purpose] = keyLabel;
  }
  const entry: HolderToken = { name, module, token, keys };
  const pin = readPin(r, baseDir);
  if (pin) entry.pin = pin;
  return entry;
}

function readHolder(
  name: string,
  v: unknown,
  at: string,
  modules: Record<string, ModuleProfile>,
  baseDir: string,
): HolderProfile {
  const r = FieldReader.of(v, at);
  const tokens: HolderToken[] = [];
  if (r.has('tokens')) {
    for (const field of ['token', 'keys', 'pin']) {
      if (r.has(field))
        throw new FormatError(r.at(field), 'give either "tokens" or one "token" with its "keys", not both');
    }
    const list = r.array('tokens');
    if (list.length === 0) throw new FormatError(r.at('tokens'), 'no token listed');
    list.forEach((item, i) => {
      const ir = FieldReader.of(item, `${r.at('tokens')}.${i}`);
      const moduleName = optionalString(ir, 'module') ?? DEFAULT_MODULE_NAME;
      const module = Object.hasOwn(modules, moduleName) ? modules[moduleName] : undefined;
      if (!module)
        throw new FormatError(
          ir.at('module'),
          `no module "${moduleName}" in this profile (it has: ${Object.keys(modules).join(', ') || 'none'})`,
        );
      tokens.push(readTokenFields(name, ir, module, baseDir));
      refuseUnknown(ir);
    });
  } else {
    const module = modules[DEFAULT_MODULE_NAME];
    if (!module)
      throw new FormatError(
        r.at('token'),
        'without a top-level "module", list the holder\'s "tokens", each naming its "module"',
      );
    tokens.push(readTokenFields(name, r, module, baseDir));
  }
  refuseUnknown(r);

  // A purpose lives on exactly one token: otherwise which token signs would be a guess.
  const keys: Record<string, string> = {};
  const where = new Map<string, number>();
  tokens.forEach((t, i) => {
    for (const [purpose, label] of Object.entries(t.keys)) {
      if (where.has(purpose))
        throw new FormatError(
          `${r.at('tokens')}.${i}.keys.${purpose}`,
          `"${purpose}" is already on token ${where.get(purpose)} of this holder`,
        );
      where.set(purpose, i);
      keys[purpose] = label;
    }
  });
  return { name, tokens, keys };
}

/** Parse a profile already read; `path` names the file in errors and anchors relative paths. */
export function parseProfile(json: unknown, path: string): TokenProfile {
  return withContext(path, () => {
    const baseDir = dirname(resolve(path));
    const r = FieldReader.of(json, '');
    const modules: Record<string, ModuleProfile> = {};
    const top = r.optional('module');
    if (top !== undefined) {
      if (typeof top !== 'string' || top === '')
        throw new FormatError('module', 'expected the path of a PKCS#11 module');
      modules[DEFAULT_MODULE_NAME] = { name: DEFAULT_MODULE_NAME, path: modulePath(top, baseDir), accept: [] };
    }
    if (r.has('modules')) {
      const mr = FieldReader.of(r.raw('modules'), 'modules');
      for (const name of Object.keys(mr.obj)) {
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
          throw new FormatError(mr.at(name), 'a module name is 1 to 64 letters, digits, ".", "_" or "-"');
        if (Object.hasOwn(modules, name))
          throw new FormatError(mr.at(name), `"${name}" is the top-level "module"; give this one another name`);
        modules[name] = readModule(name, mr.raw(name), mr.at(name), baseDir);
      }
      refuseUnknown(mr);
    }
    if (Object.keys(modules).length === 0)
      throw new FormatError('module', 'missing (the path of a PKCS#11 module; or named "modules")');
    // C_Initialize runs once per library and process: one library cannot have two parameter sets.
    const byPath = new Map<string, ModuleProfile>();
    for (const m of Object.values(modules)) {
      const other = byPath.get(m.path);
      if (other && other.libraryParameters !== m.libraryParameters) {
        throw new FormatError(
          `modules.${m.name}`,
          `${m.path} is also module "${other.name}" with other libraryParameters; a library is initialized once per process`,
        );
      }
      byPath.set(m.path, m);
    }
    const hr = FieldReader.of(r.raw('holders'), 'holders');
    const holders: Record<string, HolderProfile> = {};
    for (const name of Object.keys(hr.obj)) {
      if (name === '') throw new FormatError('holders', 'a holder name is empty');
      holders[name] = readHolder(name, hr.raw(name), hr.at(name), modules, baseDir);
    }
    if (Object.keys(holders).length === 0) throw new FormatError('holders', 'no holder listed');
    refuseUnknown(r);
    return { path, modules, holders };
  });
}

/** Read a profile file strictly; errors name the file and the field. */
export function loadProfile(path: string): TokenProfile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read token profile ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_USAGE',
      { cause: e },
    );
  }
  return parseProfile(parseStrictJson(bytes, path), path);
}

/** The holder's entry; UsageError naming the profile and the holders it has. */
export function holderProfile(profile: TokenProfile, holder: string): HolderProfile {
  const h = Object.hasOwn(profile.holders, holder) ? profile.holders[holder] : undefined;
  if (!h)
    throw new UsageError(
      `token profile ${profile.path} has no holder "${holder}" (it has: ${Object.keys(profile.holders).join(', ')})`,
    );
  return h;
}

/** The key label for a holder's purpose; UsageError naming the profile field. */
export function keyLabel(profile: TokenProfile, holder: string, purpose: string): string {
  return tokenForPurpose(profile, holder, purpose).keys[purpose]!;
}

/** The holder's token that holds the key for `purpose`; UsageError naming the profile field. */
export function tokenForPurpose(profile: TokenProfile, holder: string, purpose: string): HolderToken {
  const h = holderProfile(profile, holder);
  const t = h.tokens.find((x) => Object.hasOwn(x.keys, purpose));
  const where = h.tokens.length === 1 ? 'keys' : 'tokens[*].keys';
  if (!t)
    throw new UsageError(
      `token profile ${profile.path}: holders.${holder}.${where} has no "${purpose}" key label (it has: ${Object.keys(h.keys).join(', ') || 'none'})`,
    );
  return t;
}

/**
 * The holder's token for a key label that may not be in the profile yet (`key generate`, `key
 * export`): the token whose keys name the purpose or the label, else the holder's only token.
 */
export function tokenForLabel(profile: TokenProfile, holder: string, label: string, purpose = ''): HolderToken {
  const h = holderProfile(profile, holder);
  if (purpose && Object.hasOwn(h.keys, purpose)) return tokenForPurpose(profile, holder, purpose);
  const named = h.tokens.find((t) => Object.values(t.keys).includes(label));
  if (named) return named;
  if (h.tokens.length === 1) return h.tokens[0]!;
  throw new UsageError(
    `token profile ${profile.path}: holder "${holder}" has ${h.tokens.length} tokens and ` +
      `none names key "${label}"${purpose ? ` or purpose "${purpose}"` : ''}; add it to the ` +
      'keys of the token it belongs on',
  );
}

/** Every module of a profile, in the order listed ("default" first). */
export function profileModules(profile: TokenProfile): ModuleProfile[] {
  return Object.values(profile.modules);
}
