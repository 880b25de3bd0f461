/**
 * Finalizing an event as one unit that a power cut cannot split (docs/formats/event.md, "Crash
 * safety"). A root rotation is two files, root vN and targets vM, and neither verifies without the
 * other (TUF spec 5.3: the new root names the keys the new targets is signed by); with its
 * transcript record that is three writes that must all happen or none.
 *
 *  1. stage: each N.<role>.json is written into `<repo>/.finalize-staging/` and fsynced, then the
 *     folder is fsynced;
 *  2. commit: the journal (which files, their SHA-256, the transcript record and the transcript
 *     length it follows) is written in the staging folder, fsynced and renamed to
 *     `<repo>/finalize-journal.json`; from here on the finalize happens, whatever stops it;
 *  3. install: each staged file is linked to its name in `metadata/` (link(2) never replaces),
 *     root first, and the folder fsynced; the transcript record is appended;
 *  4. clean: the staging folder is removed, then the journal.
 *
 * Opening the repository looks for what a cut left: a journal is rolled forward (steps 3 and 4,
 * each of them safe to repeat); a staging folder without a journal is removed (nothing was
 * installed, the finalize did not happen).
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeExclusive, writeExclusiveFiles } from '../../bundle/index.js';
import { parseStrictJson, serializeJson } from '../../tuf/json/index.js';
import { FieldReader, isLowerHex, join as joinField, sha256Hex } from '../../tuf/model/index.js';
import { FormatError, RefusedError } from '../../tuf/base/index.js';
import { parseRoleFileName } from '../../tuf/verify/index.js';
import { parseTranscriptLine, type PreparedRecord, writePreparedRecord } from './transcript.js';

export const JOURNAL_FILE = 'finalize-journal.json';
export const STAGING_DIR = '.finalize-staging';
const METADATA = 'metadata';
const FORMAT = 'tuf-ceremony-finalize-journal';

export interface StagedFile {
  /** N.<role>.json, the same name in the staging folder and in metadata/. */
  name: string;
  bytes: Buffer;
}

export interface JournalFile {
  name: string;
  sha256: string;
}

export interface Journal {
  /** The event's id (SHA-256 of its event.json). */
  event: string;
  files: JournalFile[];
  transcript: PreparedRecord;
}

/** What opening the repository did about an interrupted finalize. */
export interface Recovery {
  action: 'rolled-forward' | 'rolled-back';
  /** For a roll forward: the journal that was completed. */
  journal?: Journal;
}

function journalBytes(j: Journal): Buffer {
  return serializeJson({
    format: FORMAT,
    format_version: 1,
    event: j.event,
    files: j.files.map((f) => ({ name: f.name, sha256: f.sha256 })),
    transcript: { offset: j.transcript.offset, line: j.transcript.line.toString('utf8') },
  });
}

function parseJournal(bytes: Buffer, path: string): Journal {
  const r = FieldReader.of(parseStrictJson(bytes, path), path);
  if (r.string('format') !== FORMAT) throw new FormatError(r.at('format'), `expected "${FORMAT}"`);
  if (r.integer('format_version', 1) !== 1) throw new FormatError(r.at('format_version'), 'unsupported version');
  const event = r.string('event');
  const files = r.array('files').map((v, i) => {
    const f = FieldReader.of(v, joinField(r.at('files'), i));
    const name = f.string('name');
    // Names are only ever N.<role>.json: a journal cannot make a link outside metadata/.
    if (parseRoleFileName(name)?.version === undefined || name.includes('/'))
      throw new FormatError(f.at('name'), 'expected N.<role>.json');
    const sha256 = f.string('sha256');
    if (!isLowerHex(sha256, 32)) throw new FormatError(f.at('sha256'), 'expected a SHA-256 in lowercase hex');
    return { name, sha256 };
  });
  const t = FieldReader.of(r.raw('transcript'), r.at('transcript'));
  const line = Buffer.from(t.string('line'), 'utf8');
  return {
    event,
    files,
    transcript: { offset: t.integer('offset', 0), line, record: parseTranscriptLine(line, r.at('transcript')) },
  };
}

/** Steps 3 and 4: every one may have happened already, and each is done only if it has not. */
function install(repoDir: string, j: Journal): void {
  const staging = join(repoDir, STAGING_DIR);
  const metadata = join(repoDir, METADATA);
  for (const f of j.files) {
    const dest = join(metadata, f.name);
    const staged = join(staging, f.name);
    if (existsSync(dest)) {
      if (sha256Hex(readFileSync(dest)) !== f.sha256)
        throw new RefusedError(
          `${dest} is not the file the interrupted finalize of event ${j.event} was installing; nothing is overwritten: restore the repository from a backup`,
          'E_JOURNAL_CONFLICT',
        );
      continue;
    }
    if (sha256Hex(readFileSync(staged)) !== f.sha256)
      throw new RefusedError(
        `${staged} differs from the SHA-256 in ${JOURNAL_FILE}; the staged file was damaged`,
        'E_JOURNAL_CONFLICT',
      );
    linkSync(staged, dest);
  }
  fsyncDir(metadata);
  writePreparedRecord(repoDir, j.transcript);
  rmSync(staging, { recursive: true, force: true });
  unlinkSync(join(repoDir, JOURNAL_FILE));
  fsyncDir(repoDir);
}

/**
 * Finalize `files` and the transcript record as one unit. The caller has checked everything
 * (event-finalize.ts); from the rename of the journal on, the finalize happens.
 */
export function commitFinalize(
  repoDir: string,
  event: string,
  files: StagedFile[],
  transcript: PreparedRecord,
): Journal {
  const staging = join(repoDir, STAGING_DIR);
  rmSync(staging, { recursive: true, force: true });
  writeStaging(staging, files);
  const journal: Journal = {
    event,
    files: files.map((f) => ({ name: f.name, sha256: sha256Hex(f.bytes) })),
    transcript,
  };
  const temp = join(staging, JOURNAL_FILE);
  writeExclusive(temp, journalBytes(journal));
  renameSync(temp, join(repoDir, JOURNAL_FILE));
  fsyncDir(repoDir);
  install(repoDir, journal);
  return journal;
}

function writeStaging(staging: string, files: StagedFile[]): void {
  mkdirSync(staging);
  writeExclusiveFiles(files.map((f) => [join(staging, f.name), f.bytes] as const));
  fsyncDir(staging);
}

/**
 * Complete or undo a finalize a power cut interrupted (run when the repository is opened).
 */
export function recoverFinalize(repoDir: string): Recovery | undefined {
  const journalPath = join(repoDir, JOURNAL_FILE);
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(journalPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (bytes !== undefined) {
    const journal = parseJournal(bytes, journalPath);
    install(repoDir, journal);
    return { action: 'rolled-forward', journal };
  }
  const staging = join(repoDir, STAGING_DIR);
  if (!existsSync(staging)) return undefined;
  rmSync(staging, { recursive: true, force: true });
  fsyncDir(repoDir);
  return { action: 'rolled-back' };
}

/** The one line a person sees about it. */
export function describeRecovery(r: Recovery, repoDir: string): string {
  if (r.action === 'rolled-back')
    return `${repoDir}: an interrupted event finalize had not finished staging; it was undone (nothing was installed): run it again`;
  return (
    `${repoDir}: an interrupted event finalize (event ${r.journal!.event.slice(0, 16)}…) was ` +
    `completed: installed ${r.journal!.files.map((f) => f.name).join(', ')} and its ` +
    'transcript record'
  );
}
