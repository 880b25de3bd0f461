/**
 * `claim`: intake of a folder of requests into a signing event for the next claimed version (and
 * changed bins), recorded in the transcript with the digest of every request file read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { versionsIn } from '../../bundle/online-files.js';
import { roleFileName } from '../../tuf/verify/repository-verifier.js';
import { canonicalize } from '../../tuf/json/canonical-json.js';
import { sha256Hex } from '../../tuf/model/digest.js';
import { UsageError } from '../../tuf/model/errors.js';
import { formatExpires } from '../../tuf/model/time.js';
import { checkClaimedSettings, claimedSettingsFromPlan } from './claimed-build.js';
import { createClaimedEvent, describeClaimedChange } from './claimed-event.js';
import type { SigningEvent } from '../events/event.js';
import { runIntake, type IntakeResult } from './intake.js';
import { RECENTLY_CLAIMED } from './intake-online.js';
import type { Repository } from '../state/repository.js';
import { appendTranscript } from '../state/transcript.js';

export const CLAIM_KIND = 'claim';

export interface ClaimOptions {
  requestsDir: string;
  /** Default: the newest N.recently-claimed.json a bundle brought into <repo>/online/, if any. */
  recentlyClaimedPath?: string;
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

function readFileOrUsage(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_USAGE',
      { cause: e },
    );
  }
}

/** The newest recently-claimed a bundle brought into the repository's online/ folder. */
export function importedRecentlyClaimed(repo: Repository): string | undefined {
  if (!existsSync(repo.onlineDir)) return undefined;
  const v = versionsIn(readdirSync(repo.onlineDir), RECENTLY_CLAIMED).at(-1);
  return v === undefined ? undefined : join(repo.onlineDir, roleFileName(RECENTLY_CLAIMED, v));
}

export function claimFromRequests(repo: Repository, o: ClaimOptions): ClaimResult {
  const settings = claimedSettingsFromPlan(repo.plan());
  checkClaimedSettings(settings);
  const rcPath = o.recentlyClaimedPath ?? importedRecentlyClaimed(repo);
  const online = rcPath
    ? { bytes: readFileOrUsage(rcPath, 'recently-claimed metadata'), source: basename(rcPath) }
    : undefined;
  const intake = runIntake({
    store: repo,
    settings,
    requestsDir: o.requestsDir,
    recentlyClaimed: online,
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
    rejected: files
      .filter((f) => f.decision === 'rejected')
      .map((f) => ({ file: f.file, project: f.project ?? null, reason_code: f.reason })),
  };
  const summary = {
    counts: intake.decisions.counts,
    allow_rekey: o.allowRekey,
    recently_claimed_version: details.recently_claimed_version,
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
  const event = createClaimedEvent(repo, intake.state, o.eventDir, intake.proposal, {
    kind: CLAIM_KIND,
    description: `Developer delegation requests (PEP 480): ${describeClaimedChange(intake.proposal, settings.roleName)}`,
    at: o.at,
    inputs,
    details,
    summary,
  });
  return { intake, event, requestsSha256 };
}
