/**
 * `claim`: intake of a folder of requests into a signing event for the next claimed version (and
 * changed bins), recorded in the transcript with the digest of every request file read.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { versionsIn } from '../../bundle/index.js';
import { roleFileName } from '../../tuf/verify/index.js';
import { canonicalize } from '../../tuf/json/index.js';
import { sha256Hex } from '../../tuf/model/index.js';
import { formatExpires, RefusedError, UsageError } from '../../tuf/base/index.js';
import { checkClaimedSettings, claimedSettingsFromPlan } from './claimed-build.js';
import { createClaimedEvent, describeClaimedChange } from './claimed-event.js';
import type { SigningEvent } from '../events/event.js';
import { runIntake, type IntakeResult } from './intake.js';
import { RECENTLY_CLAIMED } from './intake-online.js';
import type { Repository } from '../state/repository.js';
import { readInputFile } from '../state/input-file.js';
import { appendTranscript } from '../state/transcript.js';

export const CLAIM_KIND = 'claim';

export interface ClaimOptions {
  requestsDir: string;
  /** Default: the newest N.recently-claimed.json a bundle brought into <repo>/online/, if any. */
  recentlyClaimedPath?: string;
  /**
   * Why the online registration is not checked (`--no-online-check`): without a recently-claimed
   * list, intake refuses unless this says why, and the report, the event and the transcript say so.
   */
  noOnlineCheck?: string;
  allowRekey: boolean;
  at: Date;
  eventDir: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ClaimResult {
  intake: IntakeResult;
  /** Absent when nothing changes (no event is written then). */
  event?: SigningEvent;
  /** SHA-256 over the list of (file, SHA-256) read: the batch, in the transcript. */
  requestsSha256: string;
}

/** The newest recently-claimed a bundle brought into the repository's online/ folder. */
export function importedRecentlyClaimed(repo: Repository): string | undefined {
  if (!existsSync(repo.onlineDir)) return undefined;
  const v = versionsIn(readdirSync(repo.onlineDir), RECENTLY_CLAIMED).at(-1);
  return v === undefined ? undefined : join(repo.onlineDir, roleFileName(RECENTLY_CLAIMED, v));
}

/**
 * The reason the online registration is not checked, or undefined when it is. PEP 480 registers
 * a new project online (recently-claimed) with its keys before the admins claim it: taking a
 * request without that list is allowed only when the admins say why, never by omission.
 */
function onlineCheckSkipped(listPath: string | undefined, reason: string | undefined): string | undefined {
  if (listPath !== undefined && reason !== undefined)
    throw new UsageError(`--no-online-check with a recently-claimed list (${listPath}): give one or the other`);
  if (listPath !== undefined) return undefined;
  if (reason === undefined)
    throw new RefusedError(
      'no recently-claimed list to check new projects against: give --recently-claimed <the ' +
        "online service's file> (or import a bundle that brings one), or --no-online-check <reason>",
      'E_NO_ONLINE_LIST',
    );
  if (reason.trim() === '') throw new UsageError('--no-online-check: say why the online registration is not checked');
  return reason.trim();
}

export function claimFromRequests(repo: Repository, o: ClaimOptions): ClaimResult {
  const settings = claimedSettingsFromPlan(repo.plan());
  checkClaimedSettings(settings);
  const rcPath = o.recentlyClaimedPath ?? importedRecentlyClaimed(repo);
  const skipped = onlineCheckSkipped(rcPath, o.noOnlineCheck);
  const online = rcPath
    ? { bytes: readInputFile(rcPath, 'recently-claimed metadata'), source: basename(rcPath) }
    : undefined;
  const intake = runIntake({
    store: repo,
    settings,
    requestsDir: o.requestsDir,
    recentlyClaimed: online,
    onlineCheckSkipped: skipped,
    allowRekey: o.allowRekey,
    now: o.at,
    onProgress: o.onProgress,
  });
  const files = intake.decisions.files;
  const requestsSha256 = sha256Hex(canonicalize(files.map((f) => [f.file, f.sha256 ?? null])));
  const inputs: Record<string, string> = { [`requests (${files.length} files)`]: requestsSha256 };
  if (online) inputs[online.source] = sha256Hex(online.bytes);
  const details = {
    counts: intake.decisions.counts,
    allow_rekey: o.allowRekey,
    recently_claimed_version: intake.online?.version ?? null,
    online_check: skipped ? `not checked: ${skipped}` : 'checked',
    rejected: files
      .filter((f) => f.decision === 'rejected')
      .map((f) => ({ file: f.file, project: f.project ?? null, reason_code: f.reason })),
  };
  const summary = {
    counts: intake.decisions.counts,
    allow_rekey: o.allowRekey,
    recently_claimed_version: details.recently_claimed_version,
    online_check: details.online_check,
    rejected: details.rejected,
  };
  if (intake.proposal.roles.length === 0) {
    appendTranscript(repo.dir, {
      step: CLAIM_KIND,
      time: formatExpires(o.at),
      inputs,
      outputs: {},
      details: { ...summary, event: null },
    });
    return { intake, requestsSha256 };
  }
  const unchecked = skipped
    ? `. THE ONLINE REGISTRATION WAS NOT CHECKED (${skipped}): confirm each new project with its developer out of band`
    : '';
  const event = createClaimedEvent(repo, intake.state, o.eventDir, intake.proposal, {
    kind: CLAIM_KIND,
    description: `Developer delegation requests (PEP 480): ${describeClaimedChange(intake.proposal, settings.roleName)}${unchecked}`,
    at: o.at,
    inputs,
    details,
    summary,
  });
  return { intake, event, requestsSha256 };
}
