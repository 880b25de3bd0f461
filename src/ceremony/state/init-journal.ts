/**
 * What an `init` has made on the admins' tokens so far, so that a run stopped after some keys
 * exist (a PIN typed wrong three times, a token not inserted, Ctrl-C, a power cut) goes on when
 * it is run again with the same plan, instead of refusing the labels it used itself
 * (docs/formats/plan.md, "When init stops half-way").
 *
 *   <repo>/init-journal.json
 *   { "init_journal": 1, "plan_sha256": "…", "keys": [entry, …] }
 *
 * An entry is written before its key is generated, with the CKA_ID the tool chose for it
 * (`"state": "generating"`), and again once the key is made and checked (`"state": "made"`, with
 * its public key, token serial and label). Each write is whole or absent (files.ts). The file
 * goes once the repository, its init record and the bootstrap event exist.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RefusedError } from '../../tuf/base/index.js';
import { type JsonObject, Key } from '../../tuf/model/index.js';
import { fsyncDir, replaceWorkingFiles } from '../../bundle/index.js';
import { OFFLINE_ROLES, type OfflineRole } from './plan.js';
import { PLAN_FILE } from './repository.js';

export const INIT_JOURNAL_FILE = 'init-journal.json';

/** A key as init made it, as the journal keeps it. */
export interface MadeKey {
  /** The public key, owner field set. */
  key: Key;
  serial: string;
  label: string;
  id: string;
  module?: { name: string; path: string };
  accepted?: string[];
  capabilities?: string[];
}

export interface JournalEntry {
  holder: string;
  purpose: OfflineRole;
  /** The CKA_ID chosen before the key was generated (hex). */
  ckaId: string;
  made?: MadeKey;
}

function conflict(path: string, why: string): RefusedError {
  return new RefusedError(
    `${path}: ${why}; it is init's record of the keys it made, never edited by hand`,
    'E_JOURNAL_CONFLICT',
  );
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function entryFromWire(v: unknown, path: string): JournalEntry {
  const o = (v ?? {}) as Record<string, unknown>;
  const purpose = o['purpose'];
  if (!isString(o['holder']) || !OFFLINE_ROLES.includes(purpose as OfflineRole) || !isString(o['cka_id']))
    throw conflict(path, 'an entry lacks its holder, purpose or cka_id');
  const entry: JournalEntry = { holder: o['holder'], purpose: purpose as OfflineRole, ckaId: o['cka_id'] };
  if (o['state'] === 'generating') return entry;
  const m = (o['made'] ?? {}) as Record<string, unknown>;
  if (o['state'] !== 'made' || !isString(m['serial']) || !isString(m['label']))
    throw conflict(path, `the entry of ${entry.holder}'s ${entry.purpose} key is neither "generating" nor "made"`);
  const module = m['module'] as { name?: unknown; path?: unknown } | undefined;
  entry.made = {
    key: Key.fromJSON(m['key'], `${path}: ${entry.holder}'s ${entry.purpose} key`),
    serial: m['serial'],
    label: m['label'],
    id: entry.ckaId,
    ...(module && isString(module.name) && isString(module.path)
      ? { module: { name: module.name, path: module.path } }
      : {}),
    ...(isStringArray(m['accepted']) ? { accepted: m['accepted'] } : {}),
    ...(isStringArray(m['capabilities']) ? { capabilities: m['capabilities'] } : {}),
  };
  return entry;
}

function entryToWire(e: JournalEntry): JsonObject {
  const base = { holder: e.holder, purpose: e.purpose, cka_id: e.ckaId };
  if (!e.made) return { ...base, state: 'generating' };
  const m = e.made;
  return {
    ...base,
    state: 'made',
    made: {
      key: m.key.toJSON(),
      keyid: m.key.keyid,
      serial: m.serial,
      label: m.label,
      ...(m.module ? { module: m.module } : {}),
      ...(m.accepted ? { accepted: m.accepted } : {}),
      ...(m.capabilities ? { capabilities: m.capabilities } : {}),
    },
  };
}

export class InitJournal {
  private constructor(
    readonly path: string,
    readonly planSha256: string,
    private readonly entries: JournalEntry[],
    /** Whether this run found the journal of an earlier one. */
    readonly resumed: boolean,
  ) {}

  /**
   * The journal of an init of `planSha256` into `repoDir`: the one an earlier run left there, or a
   * new one in a folder that is empty or not there yet. Refused: a folder holding anything else,
   * and the journal of another plan.
   */
  static open(repoDir: string, planSha256: string): InitJournal {
    const path = join(repoDir, INIT_JOURNAL_FILE);
    if (!existsSync(path)) {
      if (existsSync(repoDir) && readdirSync(repoDir).length > 0)
        throw new RefusedError(
          `the repository folder ${repoDir} exists and is not empty; init never overwrites`,
          'E_EXISTS',
        );
      return new InitJournal(path, planSha256, [], false);
    }
    let wire: Record<string, unknown>;
    try {
      wire = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      throw conflict(path, 'it cannot be read as JSON');
    }
    if (wire['init_journal'] !== 1 || !isString(wire['plan_sha256']) || !Array.isArray(wire['keys']))
      throw conflict(path, 'it is not an init journal of this version of the tool');
    if (wire['plan_sha256'] !== planSha256)
      throw new RefusedError(
        `${repoDir} holds an interrupted init of another plan (SHA-256 ${wire['plan_sha256']}, ` +
          `this plan's is ${planSha256}); run init again with that plan, or choose a new folder`,
        'E_JOURNAL_CONFLICT',
      );
    return new InitJournal(
      path,
      planSha256,
      wire['keys'].map((k) => entryFromWire(k, path)),
      true,
    );
  }

  /** Whether the repository itself was made already (a run cut after the keys). */
  repositoryMade(repoDir: string): boolean {
    return existsSync(join(repoDir, PLAN_FILE));
  }

  entry(holder: string, purpose: OfflineRole): JournalEntry | undefined {
    return this.entries.find((e) => e.holder === holder && e.purpose === purpose);
  }

  /** Record, before generating it, the CKA_ID of a key (kept when an earlier run chose one). */
  intend(holder: string, purpose: OfflineRole): { id: string; leftover: boolean } {
    const before = this.entry(holder, purpose);
    if (before) return { id: before.ckaId, leftover: true };
    this.entries.push({ holder, purpose, ckaId: randomBytes(16).toString('hex') });
    this.write();
    return { id: this.entry(holder, purpose)!.ckaId, leftover: false };
  }

  /** Record a key as made and checked. */
  made(holder: string, purpose: OfflineRole, made: MadeKey): void {
    const e = this.entry(holder, purpose);
    if (!e) throw conflict(this.path, `no entry was written for ${holder}'s ${purpose} key before it was made`);
    e.made = made;
    this.write();
  }

  private write(): void {
    const wire = { init_journal: 1, plan_sha256: this.planSha256, keys: this.entries.map(entryToWire) };
    mkdirSync(join(this.path, '..'), { recursive: true });
    replaceWorkingFiles([[this.path, Buffer.from(`${JSON.stringify(wire, null, 2)}\n`)]]);
  }

  /** The init is whole (repository, record, event): the journal goes. */
  remove(): void {
    if (!existsSync(this.path)) return;
    unlinkSync(this.path);
    fsyncDir(join(this.path, '..'));
  }
}
