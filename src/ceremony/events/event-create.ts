/**
 * Creating a signing event from the repository together with its "event created" transcript
 * record, as one unit that a power cut cannot split: the steps and their journal are described in
 * state/event-journal.ts (docs/formats/event.md, "Crash safety").
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatExpires, RefusedError } from '../../tuf/base/index.js';
import { sha256Hex } from '../../tuf/model/index.js';
import { commitJournal, dropJournal, EVENT_FILE } from '../state/event-journal.js';
import type { Repository } from '../state/repository.js';
import {
  appendTranscript,
  prepareTranscriptRecord,
  readTranscript,
  writePreparedRecord,
  type NewTranscriptRecord,
} from '../state/transcript.js';
import {
  installEventFolder,
  SigningEvent,
  stageEventFolder,
  type CreateEventInit,
  type PreparedEvent,
} from './event.js';

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
