/**
 * The journal that makes creating a signing event and its transcript record one unit that a power
 * cut cannot split (docs/formats/event.md, "Crash safety"); events/event-create.ts creates events
 * with it, and opening the repository (repository.ts) finishes or undoes what a cut left. The event folder is written under a hidden name and
 * renamed into place; the record is appended after. A cut between the two would leave an event
 * the transcript does not know, so a journal in the repository names both before the rename:
 *
 *  1. prepare: the event and its record are computed (the record chained to the transcript as it
 *     is now), nothing is written;
 *  2. stage: the folder is written as `.<name>.partial-<random>` beside its final name, each file
 *     fsynced and read back (events/event.ts, stageEventFolder);
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
import { dirname, isAbsolute, join } from 'node:path';
import { fsyncDir, partialPrefix, writeExclusive } from '../../bundle/index.js';
import { parseStrictJson, serializeJson } from '../../tuf/json/index.js';
import { FieldReader, isLowerHex, sha256Hex } from '../../tuf/model/index.js';
import { FormatError, RefusedError } from '../../tuf/base/index.js';
import { parseTranscriptLine, writePreparedRecord, type PreparedRecord } from './transcript.js';

/**
 * The file that holds a signing event (docs/formats/event.md). It is named here, below the events
 * folder, because recovery reads it to tell a whole event folder from an interrupted one.
 */
export const EVENT_FILE = 'event.json';
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

/** Step 3: write the journal under its temporary name, fsync it and rename it into place. */
export function commitJournal(repoDir: string, j: EventJournal): void {
  const path = join(repoDir, EVENT_JOURNAL_FILE);
  // Opening the repository finished any earlier journal; one still here was made meanwhile.
  if (existsSync(path))
    throw new RefusedError(`${path} exists: another event is being created in this repository`, 'E_JOURNAL_CONFLICT');
  const temp = join(repoDir, EVENT_JOURNAL_TEMP);
  rmSync(temp, { force: true });
  writeExclusive(temp, journalBytes(j));
  renameSync(temp, path);
  fsyncDir(repoDir);
}

/** Step 5, or undoing step 3 when the install failed. */
export function dropJournal(repoDir: string): void {
  unlinkSync(join(repoDir, EVENT_JOURNAL_FILE));
  fsyncDir(repoDir);
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
    return (
      `${repoDir}: ${what} was undone: ${dirname(j.folder)} is not there (a medium not ` +
      'mounted?); run the same command again with it mounted, which records the event if it is whole'
    );
  return `${repoDir}: ${what} was undone: ${j.folder} had not appeared (nothing was recorded): run it again`;
}
