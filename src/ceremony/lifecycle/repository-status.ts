/**
 * The repository at a glance (`tuf-ceremony status`): every role with its version, expiry,
 * threshold and keys (holder, type, keyid, and the token serial the transcript recorded for it),
 * the claimed role's projects and bins, the signing events still being signed, the last bundles,
 * the token deviations accepted at `init`, and the transcript's head. It only reads.
 *
 * A sharded claimed role with 600,000 projects in 1,024 bins reads each bin once through the fast
 * reader of large delegations (src/tuf/large-roles) and counts its delegations without making them.
 */
import { existsSync } from 'node:fs';
import { type Key, type Metadata, ownerOf, type Root, type Targets, TOP_LEVEL_ROLES } from '../../tuf/model/index.js';
import { formatExpires } from '../../tuf/base/index.js';
import { SigningEvent } from '../events/event.js';
import { ONLINE_ROLES } from '../state/plan.js';
import type { Repository } from '../state/repository.js';
import {
  inspectTranscript,
  isFailureRecord,
  type TranscriptCheck,
  type TranscriptRecord,
} from '../state/transcript.js';

const DAY = 86_400;

export interface StatusKey {
  keyid: string;
  holder?: string;
  keytype: string;
  scheme: string;
  /** Serials of the tokens the transcript saw this key on (init, event sign); empty when none. */
  serials: string[];
}

export interface StatusRole {
  role: string;
  /** Signed by the online service: no version in the repository. */
  online: boolean;
  version?: number;
  expires?: string;
  daysLeft?: number;
  expired?: boolean;
  delegatedBy: string;
  threshold: number;
  keys: StatusKey[];
}

export interface ClaimedBinsStatus {
  count: number;
  first: string;
  last: string;
  versions: { min: number; max: number };
  earliest: { role: string; expires: string; daysLeft: number };
  expired: number;
}

export interface ClaimedStatus {
  layout: 'flat' | 'sharded';
  projects: number;
  bins?: ClaimedBinsStatus;
}

export interface PendingThreshold {
  role: string;
  version: number;
  label: string;
  have: number;
  need: number;
  met: boolean;
  missing: string[];
}

export interface PendingEvent {
  id: string;
  kind: string;
  /** The transcript record that made it. */
  seq: number;
  created: string;
  folder?: string;
  /** Why have/need is not shown: the folder is not known or not here, or the event is superseded. */
  problem?: string;
  roles?: number;
  complete?: boolean;
  thresholds?: PendingThreshold[];
  missingHolders?: string[];
}

export interface BundleStatus {
  seq: number;
  time: string;
  sequence?: number;
  bundle?: string;
  manifestSha256?: string;
}

export interface AcceptedDeviation {
  holder: string;
  purpose: string;
  keyid: string;
  serial: string;
  module: string;
  library: string;
  accepted: string[];
}

export interface RepositoryStatus {
  repository: string;
  dir: string;
  planSha256?: string;
  at: string;
  roles: StatusRole[];
  claimed: ClaimedStatus;
  pending: PendingEvent[];
  lastExport?: BundleStatus;
  lastImport?: BundleStatus;
  deviations: AcceptedDeviation[];
  transcript: TranscriptCheck;
}

type Wire = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const HEX64 = /^[0-9a-f]{64}$/;

/** keyid → serials of the tokens the transcript recorded it on. */
function serialsByKey(records: readonly TranscriptRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records)
    for (const t of r.tokens ?? [])
      for (const k of t.keyids) {
        const list = out.get(k) ?? [];
        if (!list.includes(t.serial)) list.push(t.serial);
        out.set(k, list);
      }
  return out;
}

function keysOf(keyids: readonly string[], lookup: (id: string) => Key | undefined, serials: Map<string, string[]>) {
  return keyids.map((keyid): StatusKey => {
    const key = lookup(keyid);
    const holder = ownerOf(key);
    return {
      keyid,
      ...(holder === undefined ? {} : { holder }),
      keytype: key?.keytype ?? '(not in the key table)',
      scheme: key?.scheme ?? '',
      serials: serials.get(keyid) ?? [],
    };
  });
}

function expiryOf(md: Metadata, at: Date) {
  const seconds = Math.floor((md.signed.expires.getTime() - at.getTime()) / 1000);
  // Expired when expires <= now, as a client checks it (TUF specification 5.3.10, 5.6.4).
  return {
    version: md.signed.version,
    expires: formatExpires(md.signed.expires),
    daysLeft: Math.floor(seconds / DAY),
    expired: seconds <= 0,
  };
}

function claimedStatus(repo: Repository, claimed: Metadata<Targets>, at: Date): ClaimedStatus {
  const plan = repo.plan();
  const bins = plan.roles.claimed.bins;
  const delegations = claimed.signed.delegations;
  if (!bins || !delegations) return { layout: bins ? 'sharded' : 'flat', projects: delegations?.roleCount ?? 0 };
  let projects = 0;
  // A project with several exact paths may sit in several bins (claimed-build.ts): then count names.
  const names = plan.projectPaths.length > 1 ? new Set<string>() : undefined;
  let summary: ClaimedBinsStatus | undefined;
  for (const name of delegations.roleNames()) {
    if (repo.currentVersion(name) === undefined) continue;
    const md = repo.current<Targets>(name);
    const e = expiryOf(md, at);
    const d = md.signed.delegations;
    if (names) for (const p of d?.roleNames() ?? []) names.add(p);
    else projects += d?.roleCount ?? 0;
    if (!summary)
      summary = {
        count: 0,
        first: name,
        last: name,
        versions: { min: e.version, max: e.version },
        earliest: { role: name, expires: e.expires, daysLeft: e.daysLeft },
        expired: 0,
      };
    summary.count++;
    summary.last = name;
    summary.versions.min = Math.min(summary.versions.min, e.version);
    summary.versions.max = Math.max(summary.versions.max, e.version);
    if (e.expires < summary.earliest.expires)
      summary.earliest = { role: name, expires: e.expires, daysLeft: e.daysLeft };
    if (e.expired) summary.expired++;
  }
  return { layout: 'sharded', projects: names ? names.size : projects, ...(summary ? { bins: summary } : {}) };
}

/** Events the transcript says were made and not finalized, each with have/need when its folder is here. */
function pendingEvents(repo: Repository, records: readonly TranscriptRecord[]): PendingEvent[] {
  const made = new Map<string, PendingEvent>();
  const finalized = new Set<string>();
  const seenAt = new Map<string, string>();
  for (const r of records) {
    if (isFailureRecord(r)) continue;
    const d = (r.details ?? {}) as Wire;
    if (r.step === 'event-create' && r.outputs['event.json']) {
      const id = r.outputs['event.json'];
      made.set(id, { id, kind: str(d['kind']) ?? 'bootstrap', seq: r.seq, created: r.time, folder: str(d['event']) });
    } else if (typeof d['event'] === 'string' && HEX64.test(d['event']) && Array.isArray(d['roles'])) {
      // The record of a new signing event (event-journal.ts, eventCreatedRecord).
      made.set(d['event'], { id: d['event'], kind: r.step, seq: r.seq, created: r.time, folder: str(d['folder']) });
    } else if (r.step === 'event-finalize' && r.inputs['event.json']) finalized.add(r.inputs['event.json']);
    else if ((r.step === 'event-sign' || r.step === 'event-merge') && r.inputs['event.json'] && str(d['event']))
      seenAt.set(r.inputs['event.json'], str(d['event'])!);
  }
  const out: PendingEvent[] = [];
  for (const p of made.values()) {
    if (finalized.has(p.id)) continue;
    p.folder ??= seenAt.get(p.id);
    out.push(p);
    if (p.folder === undefined) {
      p.problem = 'its folder is not named in the transcript';
      continue;
    }
    if (!existsSync(p.folder)) {
      p.problem = 'its folder is not here (a medium not mounted?)';
      continue;
    }
    let event: SigningEvent;
    try {
      event = SigningEvent.load(p.folder);
    } catch (e) {
      p.problem = `its folder does not load: ${(e as Error).message}`;
      continue;
    }
    if (event.id !== p.id) {
      p.problem = `its folder holds another event (${event.id.slice(0, 16)}…)`;
      continue;
    }
    const roles = event.roles();
    p.roles = roles.length;
    const passed = roles.find((r) => (repo.currentVersion(r.role) ?? 0) >= r.version);
    if (passed) {
      p.problem = `superseded: ${passed.role} v${repo.currentVersion(passed.role)} is in the repository already`;
      continue;
    }
    const status = event.status();
    p.complete = status.complete;
    p.missingHolders = status.missingHolders;
    p.thresholds = status.roles.flatMap((r) =>
      r.thresholds.map((t) => ({
        role: r.role,
        version: r.version,
        label: t.label,
        have: t.have,
        need: t.threshold,
        met: t.met,
        missing: t.missing.map((m) => m.holder ?? m.keyid),
      })),
    );
  }
  return out;
}

function lastBundle(records: readonly TranscriptRecord[], step: string, manifest: 'inputs' | 'outputs') {
  const r = records.findLast((x) => x.step === step && !isFailureRecord(x));
  if (!r) return undefined;
  const d = (r.details ?? {}) as Wire;
  const out: BundleStatus = { seq: r.seq, time: r.time };
  if (num(d['sequence']) !== undefined) out.sequence = num(d['sequence']);
  if (str(d['bundle']) !== undefined) out.bundle = str(d['bundle']);
  if (r[manifest]['bundle.json']) out.manifestSha256 = r[manifest]['bundle.json'];
  return out;
}

function deviationsOf(records: readonly TranscriptRecord[]): AcceptedDeviation[] {
  const init = records.find((r) => r.step === 'init' && !isFailureRecord(r));
  const list = init?.details?.['accepted_deviations'];
  if (!Array.isArray(list)) return [];
  return list.map((v: Wire) => ({
    holder: str(v['holder']) ?? '',
    purpose: str(v['purpose']) ?? '',
    keyid: str(v['keyid']) ?? '',
    serial: str(v['serial']) ?? '',
    module: str(v['module']) ?? '',
    library: str(v['library']) ?? '',
    accepted: Array.isArray(v['accepted']) ? v['accepted'].map(String) : [],
  }));
}

export function repositoryStatus(repo: Repository, options: { at: Date }): RepositoryStatus {
  const at = options.at;
  const { check, records } = inspectTranscript(repo.transcriptPath);
  const serials = serialsByKey(records);
  const root = repo.current<Root>('root');
  const targets = repo.current<Targets>('targets');
  const claimed = repo.current<Targets>('claimed');
  const roles: StatusRole[] = [];
  const own = { root, targets } as Record<string, Metadata>;
  for (const role of TOP_LEVEL_ROLES) {
    const r = root.signed.roles[role];
    const keys = keysOf(r.keyids, (id) => root.signed.keys.get(id), serials);
    const md = own[role];
    roles.push({
      role,
      online: md === undefined,
      ...(md ? expiryOf(md, at) : {}),
      delegatedBy: 'root',
      threshold: r.threshold,
      keys,
    });
    if (role === 'targets') {
      const d = targets.signed.delegations;
      for (const dr of d?.roles ?? []) {
        const isOnline = (ONLINE_ROLES as readonly string[]).includes(dr.name);
        if (dr.name !== 'claimed' && !isOnline) continue;
        roles.push({
          role: dr.name,
          online: isOnline,
          ...(dr.name === 'claimed' ? expiryOf(claimed, at) : {}),
          delegatedBy: 'targets',
          threshold: dr.threshold,
          keys: keysOf(dr.keyids, (id) => d!.keys.get(id), serials),
        });
      }
    }
  }
  const init = records.find((r) => r.step === 'init');
  return {
    repository: repo.plan().repository,
    dir: repo.dir,
    ...(init?.inputs['plan.json'] ? { planSha256: init.inputs['plan.json'] } : {}),
    at: formatExpires(at),
    roles,
    claimed: claimedStatus(repo, claimed, at),
    pending: pendingEvents(repo, records),
    lastExport: lastBundle(records, 'bundle-export', 'outputs'),
    lastImport: lastBundle(records, 'bundle-import', 'inputs'),
    deviations: deviationsOf(records),
    transcript: check,
  };
}
