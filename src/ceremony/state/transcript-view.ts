/**
 * The transcript for people (docs/formats/transcript.md): each record told as what happened, who
 * was there, what it changed and what went wrong, beside its digests. `transcript show` prints it
 * as text and `transcript record` as the printable ceremony record; both read it from here, so the
 * two never tell a step differently. Everything here comes from files that may have travelled on
 * media: it is kept as it is, and each renderer escapes it for its output.
 */
import { countOf, escapeLines, LIST_SHOWN, someOf } from '../../tuf/base/index.js';
import { fingerprintLines } from '../../tuf/model/index.js';
import type { CeremonyPlan } from './plan.js';
import { CLAIMED_BIN_PREFIX, peopleOf } from './plan.js';
import { isFailureRecord, NOTE_STEP, type TranscriptRecord } from './transcript.js';

/** How a step ended, as the record says. */
export type RecordOutcome = 'done' | 'refused' | 'failed' | 'interrupted' | 'skipped';

export interface PersonAtStep {
  name: string;
  /** What they did: "confirmed", "signed", "ceremony administrator", "witness", "wrote the note". */
  did: string;
}

export interface RecordView {
  seq: number;
  time: string;
  step: string;
  outcome: RecordOutcome;
  /** One line: what the step was. */
  title: string;
  /** What it changed, one line each (names of projects, keys, files, reasons). */
  changes: string[];
  /** For a step that did not succeed: its code and message. */
  exception?: { code: string; message: string };
  /** A scribe's note, whole. */
  note?: string;
  people: PersonAtStep[];
  confirmation?: string;
  tokens: Array<{ holder: string; serial: string; keyids: string[] }>;
  inputs: Array<[string, string]>;
  outputs: Array<[string, string]>;
  release?: string;
}

type Wire = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Wire => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Wire) : {});
const short = (hex: string): string => `${hex.slice(0, 16)}…`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * A record's inputs or outputs by digest: every file of a role that is not a bin of claimed, and
 * of the bins (one per changed bin, thousands in a sharded claim) the first LIST_SHOWN, then a
 * count; the record itself, and `transcript show --json`, hold every digest.
 */
function digestLines(lines: string[], kind: string, entries: Array<[string, string]>): void {
  const isBin = (name: string) => name.includes(`.${CLAIMED_BIN_PREFIX}-`);
  let bins = 0;
  for (const [name, d] of entries) if (!isBin(name) || bins++ < LIST_SHOWN) lines.push(`    ${kind}  ${d}  ${name}`);
  if (bins > LIST_SHOWN)
    lines.push(
      `    ${kind}  … and ${countOf(bins - LIST_SHOWN)} more bins of claimed ` +
        '(transcript show --json lists every digest)',
    );
}

/** A value of details no describer knows, as one short line. */
function anyValue(v: unknown): string {
  if (typeof v === 'string') return v;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Details keys each step's describer tells itself; the others are listed as they are. */
const TOLD: Record<string, string[]> = {
  init: ['repository', 'warnings', 'accepted_deviations'],
  'event-create': ['event', 'kind'],
  'event-sign': ['event', 'kind'],
  'event-merge': ['event', 'copies', 'added'],
  'event-finalize': ['event', 'kind', 'signatures', 'verified_at'],
  'bundle-export': ['sequence', 'bundle', 'direction', 'new'],
  'bundle-import': ['sequence', 'bundle', 'direction', 'trusted_root_version'],
  [NOTE_STEP]: ['text'],
};
/** Details of every record that makes a signing event (event-journal.ts, eventCreatedRecord). */
const EVENT_CREATED = ['event', 'folder', 'roles'];
const CREATING_STEPS: Record<string, string[]> = {
  claim: [
    'added',
    'added_projects',
    'rekeyed',
    'removed',
    'counts',
    'allow_rekey',
    'recently_claimed_version',
    'rejected',
  ],
  revoke: ['added', 'added_projects', 'rekeyed', 'removed', 'project', 'keyid', 'reason'],
  resign: ['within'],
  rotate: ['changed_keys_of', 'key_changes'],
  recover: ['changed_keys_of', 'key_changes'],
};
const FAILURE = ['outcome', 'error'];
const RUN = [
  'runbook',
  'title',
  'number',
  'of',
  'command',
  'started',
  'finished',
  'exit_code',
  'confirmed_by',
  'parameters',
];

function keyChangeLines(d: Wire): string[] {
  const lines: string[] = [];
  for (const c of list(d['key_changes']).map(obj)) {
    const role = str(c['role']) ?? '?';
    const refs = (v: unknown) =>
      list(v)
        .map(obj)
        .map((r) => `${str(r['holder']) ?? 'no holder named'} ${str(r['keyid']) ?? '?'}`);
    for (const a of refs(c['added'])) lines.push(`${role} key added: ${a}`);
    for (const r of refs(c['removed'])) lines.push(`${role} key removed: ${r}`);
    const from = num(c['threshold_from']);
    const to = num(c['threshold_to']);
    if (from !== undefined && to !== undefined)
      lines.push(`${role} threshold ${from} of ${num(c['keys_from']) ?? '?'} → ${to} of ${num(c['keys_to']) ?? '?'}`);
  }
  return lines;
}

function projectLines(d: Wire): string[] {
  const lines: string[] = [];
  const names = (k: string) => list(d[k]).filter((v): v is string => typeof v === 'string');
  const added = names('added_projects');
  if (added.length) lines.push(`projects added (${added.length}): ${someOf(added)}`);
  else if (num(d['added'])) lines.push(`${plural(num(d['added'])!, 'project')} added`);
  if (names('rekeyed').length) lines.push(`projects RE-KEYED: ${someOf(names('rekeyed'))}`);
  if (names('removed').length) lines.push(`projects REMOVED: ${someOf(names('removed'))}`);
  const rejected = list(d['rejected']).map(obj);
  if (rejected.length)
    lines.push(
      `requests rejected (${rejected.length}): ${someOf(
        rejected.map((r) => `${str(r['file']) ?? '?'} (${str(r['reason_code']) ?? '?'})`),
      )}`,
    );
  return lines;
}

function describe(r: TranscriptRecord, v: RecordView): string[] {
  const d = obj(r.details);
  const told = new Set<string>(TOLD[r.step] ?? []);
  const lines: string[] = [];
  const creating = CREATING_STEPS[r.step];
  if (isFailureRecord(r)) {
    for (const k of FAILURE) told.add(k);
    const e = obj(d['error']);
    v.exception = { code: str(e['code']) ?? 'E_UNKNOWN', message: str(e['message']) ?? '' };
    v.title = `${r.step}: ${String(d['outcome']).toUpperCase()}`;
  } else if (creating && str(d['event']) !== undefined) {
    for (const k of [...EVENT_CREATED, ...creating]) told.add(k);
    const roles = list(d['roles']).filter((x): x is string => typeof x === 'string');
    v.title = `${r.step}: signing event ${short(str(d['event'])!)} for ${someOf(roles, 6)}`;
    if (str(d['folder'])) lines.push(`event folder ${str(d['folder'])}`);
    for (const l of projectLines(d)) lines.push(l);
    if (str(d['project']))
      lines.push(
        `${str(d['keyid']) ? `developer key ${str(d['keyid'])} of` : 'the whole delegation of'} project ${str(d['project'])} revoked`,
      );
    if (str(d['reason'])) lines.push(`reason: ${str(d['reason'])}`);
    if (str(d['within'])) lines.push(`roles expiring within ${str(d['within'])}`);
    for (const l of keyChangeLines(d)) lines.push(l);
  } else if (creating) {
    // A claim that changed nothing: no event.
    for (const k of ['event', ...creating]) told.add(k);
    v.title = `${r.step}: nothing to sign (no signing event)`;
    for (const l of projectLines(d)) lines.push(l);
  }
  if (!isFailureRecord(r))
    switch (r.step) {
      case 'init': {
        // The keys are the record's outputs (`public key <admin>/<role>` → keyid).
        v.title = `init: repository ${str(d['repository']) ?? ''}, ${plural(Object.keys(r.outputs).length, 'admin key')}`;
        for (const w of list(d['warnings'])) lines.push(`warning: ${anyValue(w)}`);
        // One line per key kept because the token profile accepts what its module reported
        // (docs/formats/token-profile.md, "accept"), so that witnesses read each one by name.
        for (const a of list(d['accepted_deviations']).map(obj))
          lines.push(
            `accepted deviation: ${anyValue(a['holder'])}'s ${anyValue(a['purpose'])} key ` +
              `${anyValue(a['keyid']).slice(0, 16)} (token serial ${anyValue(a['serial'])}, module ` +
              `"${anyValue(a['module'])}", ${anyValue(a['library'])}): ${list(a['accepted']).map(anyValue).join(', ')}`,
          );
        break;
      }
      case 'event-create':
        v.title = `event-create: ${str(d['kind']) ?? ''} signing event ${short(r.outputs['event.json'] ?? '')}`;
        if (str(d['event'])) lines.push(`event folder ${str(d['event'])}`);
        break;
      case 'event-sign': {
        const payloads = Object.keys(r.inputs).filter((n) => n.endsWith(' payload'));
        v.title = `event-sign: ${r.operator ?? '?'} signed ${someOf(
          payloads.map((n) => n.replace(/ payload$/, '')),
          6,
        )}`;
        if (str(d['event'])) lines.push(`event ${str(d['kind']) ?? ''} in ${str(d['event'])}`);
        break;
      }
      case 'event-merge': {
        const added = list(d['added']).map(obj);
        v.title = `event-merge: ${plural(added.length, 'signature')} taken from ${plural(list(d['copies']).length, 'copy', 'copies')}`;
        lines.push(
          ...added
            .slice(0, LIST_SHOWN)
            .map(
              (a) =>
                `${str(a['role'])} v${num(a['version'])} signed by ${str(a['holder']) ?? 'no holder named'} (${str(a['keyid'])})`,
            ),
        );
        if (added.length > LIST_SHOWN) lines.push(`… and ${added.length - LIST_SHOWN} more signatures`);
        for (const c of list(d['copies'])) lines.push(`copy ${anyValue(c)}`);
        break;
      }
      case 'event-finalize': {
        const files = Object.keys(r.outputs);
        v.title = `event-finalize: ${str(d['kind']) ?? ''} event written into the repository (${someOf(files, 6)})`;
        const sigs = list(d['signatures']).map(obj);
        for (const s of sigs.slice(0, LIST_SHOWN))
          for (const t of list(s['thresholds']).map(obj))
            lines.push(
              `${str(s['role'])} v${num(s['version'])}: ${num(t['threshold'])} of ${str(t['label'])} needed, signed by ${list(
                t['signed'],
              )
                .map(anyValue)
                .join(', ')}`,
            );
        if (sigs.length > LIST_SHOWN) lines.push(`… and ${sigs.length - LIST_SHOWN} more roles`);
        if (str(d['verified_at'])) lines.push(`verified as a client would at ${str(d['verified_at'])}`);
        break;
      }
      case 'bundle-export': {
        v.title = `bundle-export: bundle ${num(d['sequence']) ?? '?'} written`;
        if (str(d['bundle'])) lines.push(`to ${str(d['bundle'])}`);
        const fresh = list(d['new']).map(anyValue);
        lines.push(fresh.length ? `new since the last export: ${someOf(fresh)}` : 'nothing new since the last export');
        break;
      }
      case 'bundle-import':
        v.title = `bundle-import: bundle ${num(d['sequence']) ?? '?'} from the online service`;
        if (str(d['bundle'])) lines.push(`from ${str(d['bundle'])}`);
        if (num(d['trusted_root_version']) !== undefined)
          lines.push(`verified from root v${num(d['trusted_root_version'])}`);
        break;
      case NOTE_STEP:
        v.title = `note${r.operator ? ` by ${r.operator}` : ''}`;
        v.note = str(d['text']) ?? '';
        break;
    }
  if (r.step.startsWith('ceremony-')) {
    for (const k of RUN) told.add(k);
    const title = str(d['title']);
    const n = num(d['number']);
    const runbook = `runbook ${str(d['runbook']) ?? '?'}`;
    if (r.step === 'ceremony-step')
      v.title = `${runbook}, step ${n ?? '?'} of ${num(d['of']) ?? '?'}: ${title ?? ''}${v.outcome === 'done' ? '' : ` (${v.outcome.toUpperCase()})`}`;
    else if (r.step === 'ceremony-run-start') v.title = `guided run started: ${runbook}, ${num(d['of']) ?? '?'} steps`;
    else if (r.step === 'ceremony-run-resume') v.title = `guided run resumed: ${runbook} at step ${n ?? '?'}`;
    else if (r.step === 'ceremony-run-end')
      v.title = `guided run ended: ${runbook}, ${d['outcome'] === 'abandoned' ? `ABANDONED at step ${n ?? '?'}` : 'every step done'}`;
    if (title && r.step !== 'ceremony-step') lines.push(title);
    for (const [k, value] of Object.entries(obj(d['parameters']))) lines.push(`parameter ${k}: ${anyValue(value)}`);
    if (r.step === 'ceremony-run-end') for (const k of ['outcome', 'skipped']) told.add(k);
    const skipped = list(d['skipped']).map(anyValue);
    if (skipped.length) lines.push(`steps skipped: ${skipped.join(', ')}`);
    const command = list(d['command']).map(anyValue);
    if (command.length) lines.push(`command: tuf-ceremony ${command.join(' ')}`);
    if (str(d['started']))
      lines.push(`started ${str(d['started'])}${str(d['finished']) ? `, ended ${str(d['finished'])}` : ''}`);
    if (num(d['exit_code']) !== undefined) lines.push(`exit code ${num(d['exit_code'])}`);
  }
  for (const [k, value] of Object.entries(d)) if (!told.has(k)) lines.push(`${k}: ${anyValue(value)}`);
  return lines;
}

function outcomeOf(r: TranscriptRecord): RecordOutcome {
  const o = r.details?.['outcome'];
  return o === 'refused' || o === 'failed' || o === 'interrupted' || o === 'skipped' ? o : 'done';
}

function peopleAt(r: TranscriptRecord): PersonAtStep[] {
  const people: PersonAtStep[] = [];
  const confirmed = obj(r.details?.['confirmed_by']);
  for (const [part, name] of Object.entries(confirmed))
    if (typeof name === 'string') people.push({ name, did: part.replace(/_/g, ' ') });
  if (r.operator !== undefined)
    people.push({
      name: r.operator,
      did: r.step === 'event-sign' ? 'signed' : r.step === NOTE_STEP ? 'wrote the note' : 'confirmed',
    });
  return people;
}

export function viewRecord(r: TranscriptRecord): RecordView {
  const v: RecordView = {
    seq: r.seq,
    time: r.time,
    step: r.step,
    outcome: outcomeOf(r),
    title: r.step,
    changes: [],
    people: peopleAt(r),
    tokens: (r.tokens ?? []).map((t) => ({ holder: t.holder, serial: t.serial, keyids: [...t.keyids] })),
    inputs: Object.entries(r.inputs),
    outputs: Object.entries(r.outputs),
  };
  if (r.confirmation !== undefined) v.confirmation = r.confirmation;
  if (r.release !== undefined) v.release = r.release;
  v.changes = describe(r, v);
  return v;
}

/** A person the transcript or the plan names, and every part they had. */
export interface Attendee {
  name: string;
  /** admin, ceremony-administrator, witness, scribe (from the plan), and what the records show. */
  parts: string[];
  /** The records that name them. */
  seen: number[];
}

export interface TranscriptHeader {
  repository?: string;
  /** The SHA-256 of plan.json as `init` recorded it. */
  planSha256?: string;
  records: number;
  first?: string;
  last?: string;
  /** The ceremonies the records hold: event kinds and runbooks, in order, each once. */
  kinds: string[];
  /** The releases of the tool that wrote the records, in order, each once; "" for a source checkout. */
  releases: string[];
  attendees: Attendee[];
  exceptions: number;
  notes: number;
}

/** What a set of records is about, with everyone the plan and the records name. */
export function transcriptHeader(records: readonly TranscriptRecord[], plan?: CeremonyPlan): TranscriptHeader {
  const once = (xs: string[], x: string | undefined) => {
    if (x !== undefined && !xs.includes(x)) xs.push(x);
  };
  const h: TranscriptHeader = {
    records: records.length,
    first: records[0]?.time,
    last: records.at(-1)?.time,
    kinds: [],
    releases: [],
    attendees: [],
    exceptions: 0,
    notes: 0,
  };
  if (plan) h.repository = plan.repository;
  const person = (name: string): Attendee => {
    let a = h.attendees.find((x) => x.name === name);
    if (!a) h.attendees.push((a = { name, parts: [], seen: [] }));
    return a;
  };
  for (const p of plan ? peopleOf(plan) : []) for (const part of p.parts) person(p.name).parts.push(part);
  for (const r of records) {
    const d = obj(r.details);
    if (r.step === 'init') {
      h.repository ??= str(d['repository']);
      h.planSha256 ??= r.inputs['plan.json'];
    }
    if (r.step === 'event-create') once(h.kinds, str(d['kind']));
    else if (CREATING_STEPS[r.step] && !isFailureRecord(r) && str(d['event']) !== undefined) once(h.kinds, r.step);
    else if (r.step === 'ceremony-run-start') once(h.kinds, `runbook ${str(d['runbook']) ?? ''}`);
    once(h.releases, r.release ?? '');
    if (outcomeOf(r) !== 'done') h.exceptions++;
    if (r.step === NOTE_STEP) h.notes++;
    for (const p of peopleAt(r)) {
      const a = person(p.name);
      if (!a.seen.includes(r.seq)) a.seen.push(r.seq);
    }
  }
  return h;
}

/** The head as people initial it, in the one form every digest is compared in (hex and words). */
function headLines(head: string, after: number): string[] {
  const lines = [`Head after record ${after} (write it on the printout and initial it):`];
  for (const l of fingerprintLines(head)) lines.push(l);
  return lines;
}

/**
 * The transcript for a person to read, print and initial: a header (repository, plan digest,
 * dates, releases, the people), each record told, then the head in hex and words. Control
 * characters of every line are escaped (src/tuf/model/display-text.ts).
 */
export function renderTranscript(records: readonly TranscriptRecord[], head: string, plan?: CeremonyPlan): string {
  const h = transcriptHeader(records, plan);
  const lines: string[] = [
    `Transcript of ${h.repository ?? '(repository not named)'}: ${plural(h.records, 'record')}${h.first ? `, ${h.first} to ${h.last}` : ''}`,
  ];
  if (h.planSha256) lines.push(`plan.json SHA-256 ${h.planSha256}`);
  if (h.kinds.length) lines.push(`ceremonies: ${h.kinds.join(', ')}`);
  if (h.exceptions || h.notes) lines.push(`${plural(h.exceptions, 'exception')}, ${plural(h.notes, 'note')}`);
  if (h.attendees.length) {
    lines.push('people:');
    for (const a of h.attendees)
      lines.push(
        `  ${a.name}${a.parts.length ? ` (${a.parts.join(', ')})` : ''}${a.seen.length ? `: records ${someOf(a.seen.map(String))}` : ''}`,
      );
  }
  let release: string | undefined;
  for (const r of records) {
    const v = viewRecord(r);
    lines.push('');
    lines.push(
      `#${r.seq}  ${r.time}  ${v.title}${r.operator && r.step !== NOTE_STEP ? `  confirmed by ${r.operator}` : ''}`,
    );
    if (r.release !== release) lines.push(`    written by release ${r.release ?? '(none: a source checkout)'}`);
    release = r.release;
    if (v.exception) lines.push(`    ${v.outcome.toUpperCase()} (${v.exception.code}): ${v.exception.message}`);
    for (const p of v.people.filter((p) => p.did !== 'confirmed' && p.did !== 'signed' && p.did !== 'wrote the note'))
      lines.push(`    ${p.did}: ${p.name}`);
    if (v.confirmation) lines.push(`    confirmation: ${v.confirmation}`);
    for (const c of v.changes) lines.push(`    ${c}`);
    if (v.note !== undefined) for (const l of v.note.split('\n')) lines.push(`    | ${l}`);
    digestLines(lines, 'in ', v.inputs);
    digestLines(lines, 'out', v.outputs);
    for (const t of v.tokens)
      lines.push(`    token of ${t.holder}, serial ${t.serial}: ${t.keyids.map((k) => k.slice(0, 16)).join(', ')}`);
  }
  lines.push('', `${plural(records.length, 'record')}; head ${head}`);
  if (records.length) for (const l of headLines(head, records.at(-1)!.seq)) lines.push(l);
  // Details hold names and text from files (event descriptions, paths): escaped line by line.
  return escapeLines(lines);
}
