/**
 * Creating a signing event and its transcript record as one unit that a power cut cannot split
 * (docs/formats/event.md, "Crash safety"). The event folder is written under a hidden name and
 * renamed into place; the record is appended after. A cut between the two would leave an event
 * the transcript does not know, so a journal in the repository names both before the rename:
 *
 *  1. prepare: the event and its record are computed (the record chained to the transcript as it
 *     is now), nothing is written;
 *  2. stage: the folder is written as `.<name>.partial-<random>` beside its final name, each file
 *     fsynced and read back (event.ts, stageEventFolder);
 *  3. commit: the journal (the folder's final path, its hidden name, the event id and the record's
 *     line with the transcript length it follows) is written as `<repo>/.event-journal.json.partial`,
 *     fsynced and renamed to `<repo>/event-journal.json`;
 *  4. install: the hidden folder is renamed to its final name and the parent fsynced; the record is
 *     appended;
 *  5. clean: the journal is removed.
 *
 * Opening the repository finishes what a cut left: with the event folder in place (its event.json
 * has the journal's id) the record is appended unless the transcript ends with it already, and the
 * journal removed ("completed"); without it, the hidden folder and the journal are removed
 * ("undone"). The finalize journal (finalize-journal.ts) works the same way for metadata/.
 */
import { existsSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fsyncDir, writeNewFile } from '../../bundle/durable-files.js';
import { serializeJson } from '../../tuf/json/canonical-json.js';
import { isLowerHex, sha256Hex } from '../../tuf/model/digest.js';
import { FormatError, RefusedError } from '../../tuf/model/errors.js';
import { FieldReader } from '../../tuf/model/fields.js';
import { parseStrictJson } from '../../tuf/json/strict-json.js';
import { formatExpires } from '../../tuf/model/time.js';
import {
  EVENT_FILE,
  installEventFolder,
  partialPrefix,
  SigningEvent,
  stageEventFolder,
  type CreateEventInit,
  type PreparedEvent,
} from '../events/event.js';
import type { Repository } from './repository.js';
import {
  appendTranscript,
  parseTranscriptLine,
  prepareTranscriptRecord,
  readTranscript,
  writePreparedRecord,
  type NewTranscriptRecord,
  type PreparedRecord,
} from './transcript.js';

export const EVENT_JOURNAL_FILE = 'event-journal.json';
/** Where the journal is written before its rename (step 3); a cut may leave it. */
export const EVENT_JOURNAL_TEMP = `.${EVENT_JOURNAL_FILE}.partial`;
const FORMAT = 'tuf-ceremony-event-journal';

export interface EventJournal {
  /** The event's id (SHA-256 of its event.json). */
  event: string;
  /** The event folder's final path, absolute. */
  folder: string;
  /** The hidden name it is written under, beside `folder`. */
  partial: string;
  transcript: PreparedRecord;
}

/** What opening the repository did about an interrupted event creation. */
export interface EventRecovery {
  action: 'completed' | 'undone';
  /** Absent when the cut came before the journal was committed. */
  journal?: EventJournal;
  /** The folder the event was to be in does not exist (a medium not mounted?). */
  parentMissing?: boolean;
}

export interface EventCreatedInit {
  /** The transcript step: the command's name (claim, resign, rotate, recover, revoke). */
  step: string;
  at: Date;
  /** Inputs besides the versions the event replaces: name → SHA-256. */
  inputs?: Record<string, string>;
  /** Details besides the event id and its roles; keep them short, they are printed for people to initial. */
  details?: Record<string, unknown>;
}

/**
 * The "event created" transcript record of every command that makes a signing event from the
 * repository (docs/formats/transcript.md): as inputs, the SHA-256 of each version the event
 * replaces; as outputs, each role's payload SHA-256 (what the signers confirm); the event id.
 */
export function eventCreatedRecord(repo: Repository, event: SigningEvent, o: EventCreatedInit): NewTranscriptRecord {
  const inputs: Record<string, string> = { ...(o.inputs ?? {}) };
  const outputs: Record<string, string> = {};
  for (const r of event.roles()) {
    if (r.replaces !== undefined)
      inputs[`${r.replaces}.${r.role}.json`] = sha256Hex(repo.readBytes(r.role, r.replaces));
    outputs[`${r.file} payload`] = r.payloadSha256;
  }
  return {
    step: o.step,
    time: formatExpires(o.at),
    inputs,
    outputs,
    // The folder, so that `status` can find an event still being signed.
    details: { event: event.id, folder: event.dir, roles: event.roles().map((r) => r.role), ...(o.details ?? {}) },
  };
}

function journalBytes(j: EventJournal): Buffer {
  return serializeJson({
    format: FORMAT,
    format_version: 1,
    event: j.event,
    folder: j.folder,
    partial: j.partial,
    transcript: { offset: j.transcript.offset, line: j.transcript.line.toString('utf8') },
  });
}

function parseJournal(bytes: Buffer, path: string): EventJournal {
  const r = FieldReader.of(parseStrictJson(bytes, path), path);
  if (r.string('format') !== FORMAT) throw new FormatError(r.at('format'), `expected "${FORMAT}"`);
  if (r.integer('format_version', 1) !== 1) throw new FormatError(r.at('format_version'), 'unsupported version');
  const event = r.string('event');
  if (!isLowerHex(event, 32)) throw new FormatError(r.at('event'), 'expected a SHA-256 in lowercase hex');
  const folder = r.string('folder');
  if (!isAbsolute(folder)) throw new FormatError(r.at('folder'), 'expected an absolute path');
  // The hidden name is the only thing recovery removes: it must be this folder's partial name.
  const partial = r.string('partial');
  if (!new RegExp(`^${partialPrefix(folder).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]{12}$`).test(partial))
    throw new FormatError(r.at('partial'), `expected ${partialPrefix(folder)}<12 hex digits>`);
  const t = FieldReader.of(r.raw('transcript'), r.at('transcript'));
  const line = Buffer.from(t.string('line'), 'utf8');
  return {
    event,
    folder,
    partial,
    transcript: { offset: t.integer('offset', 0), line, record: parseTranscriptLine(line, r.at('transcript')) },
  };
}

function commitJournal(repoDir: string, j: EventJournal): void {
  const path = join(repoDir, EVENT_JOURNAL_FILE);
  // Opening the repository finished any earlier journal; one still here was made meanwhile.
  if (existsSync(path))
    throw new RefusedError(`${path} exists: another event is being created in this repository`, 'E_JOURNAL_CONFLICT');
  const temp = join(repoDir, EVENT_JOURNAL_TEMP);
  rmSync(temp, { force: true });
  writeNewFile(temp, journalBytes(j));
  renameSync(temp, path);
  fsyncDir(repoDir);
}

function dropJournal(repoDir: string): void {
  unlinkSync(join(repoDir, EVENT_JOURNAL_FILE));
  fsyncDir(repoDir);
}

/** Whether the transcript holds the record `rec` would be: the same step for the same event. */
function isRecorded(repo: Repository, rec: NewTranscriptRecord): boolean {
  if (!existsSync(repo.transcriptPath)) return false;
  const event = rec.details?.['event'];
  return readTranscript(repo.transcriptPath).some((r) => r.step === rec.step && r.details?.['event'] === event);
}

/**
 * The folder exists. When it is this very event (the same event.json, every file as recorded),
 * the command was run before: reported as done, or finished when its record is missing (a journal
 * dropped while the event's medium was not mounted). Any other folder is refused, as always.
 */
function alreadyCreated(
  repo: Repository,
  dir: string,
  prepared: PreparedEvent,
  rec: NewTranscriptRecord,
): SigningEvent {
  let existing: Buffer | undefined;
  try {
    existing = readFileSync(join(prepared.dir, EVENT_FILE));
  } catch {
    /* not an event: refused below */
  }
  if (existing === undefined || !existing.equals(prepared.eventJson))
    throw new RefusedError(`${dir} exists already; a signing event is always a new folder`, 'E_EXISTS');
  const event = SigningEvent.load(prepared.dir);
  const id = `event ${event.id.slice(0, 16)}…`;
  if (isRecorded(repo, rec)) {
    repo.note(
      `${dir}: this ${rec.step} event (${id}) was created already and is in the transcript; nothing was written`,
    );
  } else {
    appendTranscript(repo.dir, rec);
    repo.note(
      `${dir}: this ${rec.step} event (${id}) was created already but had no transcript record; the record was appended`,
    );
  }
  return event;
}

/**
 * Create a signing event and its transcript record as one unit (steps 1 to 5 above). `record`
 * makes the record from the event as it will be written, before anything is.
 */
export function createRecordedEvent(
  repo: Repository,
  dir: string,
  init: CreateEventInit,
  record: (event: SigningEvent) => NewTranscriptRecord,
): SigningEvent {
  const prepared = SigningEvent.prepare(dir, init);
  const rec = record(prepared.event);
  if (existsSync(prepared.dir)) return alreadyCreated(repo, dir, prepared, rec);
  const transcript = prepareTranscriptRecord(repo.dir, rec);
  const temp = stageEventFolder(prepared);
  try {
    commitJournal(repo.dir, { event: prepared.event.id, folder: prepared.dir, partial: basename(temp), transcript });
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  try {
    installEventFolder(temp, prepared.dir);
  } catch (e) {
    dropJournal(repo.dir);
    throw e;
  }
  writePreparedRecord(repo.dir, transcript);
  dropJournal(repo.dir);
  return prepared.event;
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Complete or undo an event creation a power cut interrupted (run when the repository is opened). */
export function recoverEventCreation(repoDir: string): EventRecovery | undefined {
  const path = join(repoDir, EVENT_JOURNAL_FILE);
  const temp = join(repoDir, EVENT_JOURNAL_TEMP);
  const bytes = readIfThere(path);
  if (bytes === undefined) {
    // Cut before the commit: no event has its name. Its hidden folder goes at the next run.
    if (!existsSync(temp)) return undefined;
    rmSync(temp, { force: true });
    fsyncDir(repoDir);
    return { action: 'undone' };
  }
  const j = parseJournal(bytes, path);
  const eventJson = readIfThere(join(j.folder, EVENT_FILE));
  const inPlace = eventJson !== undefined && sha256Hex(eventJson) === j.event;
  if (inPlace) writePreparedRecord(repoDir, j.transcript);
  const parent = dirname(j.folder);
  if (existsSync(join(parent, j.partial))) {
    rmSync(join(parent, j.partial), { recursive: true, force: true });
    fsyncDir(parent);
  }
  rmSync(temp, { force: true });
  dropJournal(repoDir);
  return { action: inPlace ? 'completed' : 'undone', journal: j, parentMissing: !existsSync(parent) };
}

/** The one line a person sees about it. */
export function describeEventRecovery(r: EventRecovery, repoDir: string): string {
  const j = r.journal;
  if (j === undefined)
    return `${repoDir}: an interrupted event creation had not reached its journal; it was undone (nothing was recorded): run it again`;
  const what = `an interrupted ${j.transcript.record.step} (event ${j.event.slice(0, 16)}…)`;
  if (r.action === 'completed')
    return `${repoDir}: ${what} was completed: ${j.folder} is whole, with its transcript record #${j.transcript.record.seq}`;
  if (r.parentMissing)
    return `${repoDir}: ${what} was undone: ${dirname(j.folder)} is not there (a medium not mounted?); run the same command again with it mounted, which records the event if it is whole`;
  return `${repoDir}: ${what} was undone: ${j.folder} had not appeared (nothing was recorded): run it again`;
}
