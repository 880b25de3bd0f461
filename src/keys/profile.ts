/**
 * The token profile: which PKCS#11 module, which token and which key labels belong to each holder.
 * Kept apart from the reviewed ceremony plan so that a rehearsal on SoftHSM and the real ceremony
 * on HSMs run the same plan with different profiles (docs/formats/token-profile.md).
 * Strict: unknown fields are refused, and so is any PIN value (PINs never live in a file that is
 * reviewed or copied; only where to read one for scripted runs).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FormatError, UsageError, withContext } from '../tuf/errors.js';
import { FieldReader, describe, type JsonObject } from '../tuf/fields.js';
import { parseStrictJson } from '../tuf/strict-json.js';

export interface HolderProfile {
  /** The holder (an admin or developer name as in plans). */
  name: string;
  /** Exactly one token must match (label, serial, or both). */
  token: { label?: string; serial?: string };
  /** Purpose ('root' | 'targets' | 'claimed' | 'developer' …) to key label (CKA_LABEL). */
  keys: Record<string, string>;
  /** Scripted runs only; otherwise a hidden prompt. `file` is absolute once loaded. */
  pin?: { env?: string; file?: string };
}

export interface TokenProfile {
  /** The profile file. */
  path: string;
  /** The PKCS#11 module; absolute once loaded (relative paths are relative to the profile's folder). */
  module: string;
  holders: Record<string, HolderProfile>;
}

const NO_PIN_VALUES = 'PINs never live in a profile: name an environment variable ("pin": {"env": "NAME"}) or a file ("pin": {"file": "path"}), or leave "pin" out to be asked';

function refuseUnknown(r: FieldReader): void {
  const rest = Object.keys(r.rest());
  if (rest.length) throw new FormatError(r.at(rest[0]!), 'unknown field');
}

function optionalString(r: FieldReader, key: string): string | undefined {
  const v = r.optional(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new FormatError(r.at(key), `expected a non-empty string, got ${describe(v)}`);
  return v;
}

function readHolder(name: string, v: unknown, path: string, baseDir: string): HolderProfile {
  const r = FieldReader.of(v, path);
  const tr = FieldReader.of(r.raw('token'), r.at('token'));
  const label = optionalString(tr, 'label');
  const serial = optionalString(tr, 'serial');
  refuseUnknown(tr);
  if (label === undefined && serial === undefined) throw new FormatError(r.at('token'), 'give the token\'s "label", "serial", or both');
  const token: HolderProfile['token'] = {};
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

  const holder: HolderProfile = { name, token, keys };
  const pinValue = r.optional('pin');
  if (pinValue !== undefined) {
    if (typeof pinValue !== 'object' || pinValue === null || Array.isArray(pinValue)) throw new FormatError(r.at('pin'), NO_PIN_VALUES);
    const pr = new FieldReader(pinValue as JsonObject, r.at('pin'));
    const env = optionalString(pr, 'env');
    const file = optionalString(pr, 'file');
    const extra = Object.keys(pr.rest());
    if (extra.length) throw new FormatError(pr.at(extra[0]!), NO_PIN_VALUES);
    if (env === undefined && file === undefined) throw new FormatError(r.at('pin'), NO_PIN_VALUES);
    holder.pin = {};
    if (env !== undefined) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new FormatError(pr.at('env'), `"${env}" is not an environment variable name`);
      holder.pin.env = env;
    }
    if (file !== undefined) holder.pin.file = isAbsolute(file) ? file : resolve(baseDir, file);
  }
  refuseUnknown(r);
  return holder;
}

/** Parse a profile already read; `path` names the file in errors and anchors relative paths. */
export function parseProfile(json: unknown, path: string): TokenProfile {
  return withContext(path, () => {
    const baseDir = dirname(resolve(path));
    const r = FieldReader.of(json, '');
    const module = r.string('module');
    if (module === '') throw new FormatError('module', 'expected the path of a PKCS#11 module');
    const hr = FieldReader.of(r.raw('holders'), 'holders');
    const holders: Record<string, HolderProfile> = {};
    for (const name of Object.keys(hr.obj)) {
      if (name === '') throw new FormatError('holders', 'a holder name is empty');
      holders[name] = readHolder(name, hr.raw(name), hr.at(name), baseDir);
    }
    if (Object.keys(holders).length === 0) throw new FormatError('holders', 'no holder listed');
    refuseUnknown(r);
    return { path, module: isAbsolute(module) ? module : resolve(baseDir, module), holders };
  });
}

/** Read a profile file strictly; errors name the file and the field. */
export function loadProfile(path: string): TokenProfile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read token profile ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_USAGE', { cause: e });
  }
  return parseProfile(parseStrictJson(bytes, path), path);
}

/** The holder's entry; UsageError naming the profile and the holders it has. */
export function holderProfile(profile: TokenProfile, holder: string): HolderProfile {
  const h = Object.hasOwn(profile.holders, holder) ? profile.holders[holder] : undefined;
  if (!h) throw new UsageError(`token profile ${profile.path} has no holder "${holder}" (it has: ${Object.keys(profile.holders).join(', ')})`);
  return h;
}

/** The key label for a holder's purpose; UsageError naming the profile field. */
export function keyLabel(profile: TokenProfile, holder: string, purpose: string): string {
  const h = holderProfile(profile, holder);
  const label = Object.hasOwn(h.keys, purpose) ? h.keys[purpose] : undefined;
  if (!label) throw new UsageError(`token profile ${profile.path}: holders.${holder}.keys has no "${purpose}" key label (it has: ${Object.keys(h.keys).join(', ') || 'none'})`);
  return label;
}
