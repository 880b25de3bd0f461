/**
 * `event finalize`: write a fully signed event into the repository state, but only after checking
 * it again the way a client would, against the repository's own metadata rather than anything the
 * event carries (tuf-on-ci: "trust only your local tool"):
 *
 *  1. every threshold of the event is met;
 *  2. each role is exactly one version after the repository's current one (TUF specification 1.0.x section 4.2);
 *  3. a new root is signed by a threshold of the previous root's keys and of its own
 *     (verifyRootUpdate, TUF spec 5.3.4-5.3.5); every other role by a threshold of the keys its
 *     delegator names — the delegator from the event when it is signed in it, else the repository's;
 *  4. the repository with the event's files added verifies from the first root (verifyRepository,
 *     TUF spec section 5);
 *  5. only then each N.<role>.json is written, root first, with the transcript record, as one unit
 *     that a power cut cannot split (finalize-journal.ts); none may exist already.
 *
 * Run again after a power cut, it finds the repository opened has completed this very event
 * (Repository.open rolls the journal forward) and reports it as written.
 */
import { existsSync } from 'node:fs';
import { type Metadata, type Root, sha256Hex, type Targets } from '../../tuf/model/index.js';
import { formatExpires, RefusedError, VerificationError } from '../../tuf/base/index.js';
import {
  describeResult,
  firstProblem,
  type MetadataSource,
  type RepositoryReport,
  roleFileName,
  type VerificationResult,
  verifyRepository,
  verifyRole,
  verifyRootUpdate,
  verifyWithRoot,
} from '../../tuf/verify/index.js';
import { nextVersionProblem, type SigningEvent } from './event.js';
import type { Repository } from '../state/repository.js';
import { commitFinalize } from '../state/finalize-journal.js';
import { prepareTranscriptRecord } from '../state/transcript.js';

export interface FinalizeResult {
  written: Array<{ role: string; version: number; path: string; sha256: string }>;
  report: RepositoryReport;
}

function requireVerified(res: VerificationResult, what: string): void {
  if (!res.verified) throw new VerificationError(`${what}: ${describeResult(res)}; not finalized`, 'E_UNSIGNED');
}

/** The repository's metadata folder with the event's files laid over it. */
function combinedSource(repo: Repository, event: SigningEvent): MetadataSource {
  const extra = new Map<string, Buffer>(
    event.roles().map((r) => [roleFileName(r.role, r.version), r.metadata.toBytes()]),
  );
  const onDisk = new Map<string, () => Buffer>();
  for (const role of repo.roles())
    for (const v of repo.versions(role)) onDisk.set(roleFileName(role, v), () => repo.readBytes(role, v));
  return {
    names: () => [...new Set([...onDisk.keys(), ...extra.keys()])].sort(),
    read: (name) => extra.get(name) ?? onDisk.get(name)!(),
  };
}

/** Check an event against the repository as a client would; returns the verifier's report. */
export function checkEventAgainstRepository(repo: Repository, event: SigningEvent, at: Date): RepositoryReport {
  const status = event.status();
  if (!status.complete) {
    const open = status.roles.flatMap((r) =>
      r.thresholds.filter((t) => !t.met).map((t) => `${r.role} v${r.version} needs ${t.need} more of ${t.label}`),
    );
    throw new RefusedError(
      `not every threshold is met: ${open.join('; ')}; missing: ${status.missingHolders.join(', ')}`,
      'E_EVENT_INCOMPLETE',
    );
  }
  if (event.repository !== repo.plan().repository)
    throw new RefusedError(
      `the event is for repository "${event.repository}", this is "${repo.plan().repository}"`,
      'E_WRONG_REPOSITORY',
    );
  const inEvent = new Map(event.roles().map((r) => [r.role, r.metadata]));
  // A delegator is read once, however many of its roles the event holds (1,024 bins of claimed).
  const current = new Map<string, Metadata | undefined>();
  const currentOf = <T extends Root | Targets>(role: string): Metadata<T> | undefined => {
    if (inEvent.has(role)) return inEvent.get(role) as Metadata<T>;
    if (!current.has(role))
      current.set(role, repo.currentVersion(role) !== undefined ? repo.current<T>(role) : undefined);
    return current.get(role) as Metadata<T> | undefined;
  };

  for (const r of event.roles()) {
    const current = repo.currentVersion(r.role);
    const problem = nextVersionProblem(r.role, r.version, current);
    if (problem) throw new RefusedError(problem, 'E_NOT_NEXT_VERSION');
    if (existsSync(repo.path(r.role, r.version)))
      throw new RefusedError(
        `${r.role} v${r.version} exists already in ${repo.metadataDir}; it is never overwritten`,
        'E_EXISTS',
      );
    if (r.metadata.signed.isExpired(at))
      throw new VerificationError(
        `${r.role} v${r.version} expired at ${formatExpires(r.metadata.signed.expires)}`,
        'E_EXPIRED',
      );
    if (r.role === 'root') {
      const md = r.metadata as Metadata<Root>;
      if (current === undefined) requireVerified(verifyWithRoot(md.signed, 'root', md), 'root v1 by its own root keys');
      else {
        const res = verifyRootUpdate(repo.current<Root>('root').signed, md);
        requireVerified(res.previous, `root v${r.version} by the root keys of v${current}`);
        requireVerified(res.current, `root v${r.version} by its own root keys`);
      }
      continue;
    }
    const delegator = r.delegatedBy!;
    const by = currentOf<Root | Targets>(delegator);
    if (!by)
      throw new VerificationError(
        `${r.role} is delegated by ${delegator}, which the repository does not hold`,
        'E_NOT_DELEGATED',
      );
    if (r.role === 'targets') {
      requireVerified(
        verifyWithRoot(by.signed as Root, 'targets', r.metadata),
        `targets v${r.version} by the targets keys of root v${by.signed.version}`,
      );
      continue;
    }
    const delegations = (by.signed as Targets).delegations;
    const auth = delegations?.roleKeys(r.role);
    if (!delegations || !auth)
      throw new VerificationError(`${delegator} v${by.signed.version} does not delegate ${r.role}`, 'E_NOT_DELEGATED');
    requireVerified(
      verifyRole(r.metadata, r.role, auth, (k) => delegations.keys.get(k)),
      `${r.role} v${r.version} by the keys ${delegator} v${by.signed.version} delegates it to`,
    );
  }

  return verifyAsClient(repo, event, at);
}

/** The repository with the event's files laid over it, from the first root, as a client would. */
function verifyAsClient(repo: Repository, event: SigningEvent, at: Date): RepositoryReport {
  const source = combinedSource(repo, event);
  const firstRoot = repo.rootVersions()[0];
  const trustedBytes =
    firstRoot !== undefined ? repo.readBytes('root', firstRoot) : event.role('root').metadata.toBytes();
  const report = verifyRepository(trustedBytes, source, { at });
  if (!report.ok)
    throw new VerificationError(
      `the repository with this event does not verify as a client would: ${firstProblem(report)}`,
      'E_CLIENT_VERIFY',
    );
  return report;
}

function writtenOf(repo: Repository, event: SigningEvent): FinalizeResult['written'] {
  return event.roles().map((r) => ({
    role: r.role,
    version: r.version,
    path: repo.path(r.role, r.version),
    sha256: sha256Hex(r.metadata.toBytes()),
  }));
}

export function finalizeEvent(
  repo: Repository,
  event: SigningEvent,
  options: { at?: Date; operator?: string } = {},
): FinalizeResult {
  const at = options.at ?? new Date();
  const done = repo.recovery?.journal;
  if (done?.event === event.id) {
    // Opening the repository completed this event's interrupted finalize: report what it wrote.
    const written = writtenOf(repo, event);
    if (
      written.every((w) => done.files.some((f) => f.name === roleFileName(w.role, w.version) && f.sha256 === w.sha256))
    )
      return { written, report: verifyAsClient(repo, event, at) };
  }
  const report = checkEventAgainstRepository(repo, event, at);
  const written = writtenOf(repo, event);
  const status = event.status();
  const record = prepareTranscriptRecord(repo.dir, {
    step: 'event-finalize',
    operator: options.operator,
    inputs: { 'event.json': event.id },
    outputs: Object.fromEntries(written.map((w) => [roleFileName(w.role, w.version), w.sha256])),
    details: {
      event: event.dir,
      kind: event.kind,
      signatures: status.roles.map((r) => ({
        role: r.role,
        version: r.version,
        thresholds: r.thresholds.map((t) => ({
          label: t.label,
          threshold: t.threshold,
          signed: t.signed.map((s) => s.holder ?? s.keyid),
        })),
      })),
      verified_at: report.at,
    },
  });
  // Root first (event.roles() is in that order): the order the journal installs them in.
  commitFinalize(
    repo.dir,
    event.id,
    event.roles().map((r) => ({ name: roleFileName(r.role, r.version), bytes: r.metadata.toBytes() })),
    record,
  );
  repo.changed();
  return { written, report };
}
