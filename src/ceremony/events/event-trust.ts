/**
 * What an event's summary is computed from must be verified from the signer's own trust before
 * anything is shown or signed (docs/formats/event.md, "The summary from trusted data";
 * docs/threat-model.md section 7): everything in an event folder, base/ included, comes from a
 * medium. Two ways to trust it:
 *
 * - `--repo R`: the signer's repository copy, verified from its first root as a client would
 *   (TUF specification 5.3 and 5.6); the event's base/ must be byte for byte the repository's
 *   current files, and every role the next version.
 * - `--root F`: a root the signer trusts; the event's base/ is verified from it (the root chain,
 *   then targets and every delegation edge, TUF specification 5.3 and 5.6), every base file must
 *   be reached and verified, and the base's root must be no older than F.
 */
import { readFileSync } from 'node:fs';
import { Metadata, type Root, sha256Hex } from '../../tuf/model/index.js';
import { RefusedError, UsageError } from '../../tuf/base/index.js';
import { firstProblem, type MetadataSource, roleFileName, verifyRepository } from '../../tuf/verify/index.js';
import { BASE_DIR, type SigningEvent } from './event.js';
import type { Repository } from '../state/repository.js';

export type EventTrust = { repo: Repository; rootFile?: undefined } | { repo?: undefined; rootFile: string };

export interface TrustReport {
  /** For people: what the summary was checked against. */
  basis: string;
  /** Empty when the event builds on verified, current state. */
  problems: string[];
}

/** Why nothing is shown or signed without --repo or --root, and what to pass (`or` names another way). */
export function untrustedRefusal(command: string, or?: string): RefusedError {
  return new RefusedError(
    `${command}: the event folder comes from a medium, and what it says changes is computed ` +
      'from its base/, which anyone with the medium can forge; pass --repo <your repository ' +
      'state folder> or --root <a root you trust> so that the base is verified ' +
      `first${or ? `, ${or}` : ''} (docs/formats/event.md, "The summary from trusted data")`,
    'E_UNTRUSTED_EVENT',
  );
}

/**
 * Signatures are checked at an instant before every base file expires: the versions an event
 * replaces may have expired (that is often why the event exists); finalize checks the new ones.
 */
function instantBeforeExpiry(event: SigningEvent, extra: Iterable<Metadata>): Date {
  let at = Date.now();
  for (const b of event.baseFiles()) at = Math.min(at, b.metadata.signed.expires.getTime() - 1000);
  for (const md of extra) at = Math.min(at, md.signed.expires.getTime() - 1000);
  return new Date(at);
}

/**
 * The current version of every role, read one at a time: only their expiry is needed here, and
 * holding them all (16,384 bins, or a 246 MB flat claimed role) was most of `event show`'s memory.
 */
function* currentRoles(repo: Repository): Generator<Metadata> {
  for (const role of repo.roles()) if (repo.currentVersion(role) !== undefined) yield repo.current(role);
}

/** Files already in memory (an event's base/) as a MetadataSource. */
function sourceOf(files: Map<string, Uint8Array>): MetadataSource {
  return {
    names: () => [...files.keys()].sort(),
    read: (name) => {
      const bytes = files.get(name);
      if (!bytes) throw new UsageError(`${name} is not in the event's ${BASE_DIR}/`);
      return bytes;
    },
  };
}

/** The repository's metadata folder, each file read only when the verifier asks for it. */
function repositorySource(repo: Repository): MetadataSource {
  const where = new Map<string, [string, number]>();
  for (const role of repo.roles()) for (const v of repo.versions(role)) where.set(roleFileName(role, v), [role, v]);
  return {
    names: () => [...where.keys()].sort(),
    read: (name) => {
      const w = where.get(name);
      if (!w) throw new UsageError(`${name} is not in ${repo.dir}`);
      return repo.readBytes(w[0], w[1]);
    },
  };
}

/** Every replaced version must be in base/, or the summary would show the role as new. */
function missingPrevious(event: SigningEvent): string[] {
  return event
    .roles()
    .filter((r) => r.replaces !== undefined && r.previous === undefined)
    .map((r) => `the event's ${BASE_DIR}/ lacks ${r.role} v${r.replaces}, which it replaces`);
}

function checkAgainstRepository(event: SigningEvent, repo: Repository): TrustReport {
  const basis = `the repository ${repo.dir}`;
  const problems: string[] = [];
  if (event.repository !== repo.plan().repository)
    problems.push(`the event is for repository "${event.repository}", ${repo.dir} is "${repo.plan().repository}"`);
  const roots = repo.rootVersions();
  if (roots.length > 0) {
    // The repository itself, from its first root (it may be a copy that travelled too).
    const first = roots[0]!;
    const report = verifyRepository(repo.readBytes('root', first), repositorySource(repo), {
      at: instantBeforeExpiry(event, currentRoles(repo)),
      trustedRootName: roleFileName('root', first),
    });
    if (!report.ok) problems.push(`${repo.dir} does not verify from its first root: ${firstProblem(report)}`);
  }
  for (const p of event.driftFrom(repo)) problems.push(p);
  for (const p of missingPrevious(event)) problems.push(p);
  return { basis, problems };
}

function checkAgainstRoot(event: SigningEvent, rootFile: string): TrustReport {
  const basis = `the trusted root ${rootFile}`;
  let rootBytes: Buffer;
  try {
    rootBytes = readFileSync(rootFile);
  } catch (e) {
    throw new UsageError(`--root ${rootFile}: cannot read it (${(e as NodeJS.ErrnoException).code})`, 'E_USAGE', {
      cause: e,
    });
  }
  const trusted = Metadata.fromBytes<Root>(rootBytes, rootFile, 'root');
  const problems: string[] = [];
  const base = event.baseFiles();
  const baseRoot = base.filter((b) => b.role === 'root').sort((x, y) => y.version - x.version)[0];
  if (!baseRoot) {
    // A bootstrap: nothing to build on; the trusted root must be the event's own root v1.
    const own = event.roles().find((r) => r.role === 'root' && r.version === 1);
    if (!own || sha256Hex(own.metadata.payload()) !== sha256Hex(trusted.payload()))
      problems.push(
        `the event has no root in ${BASE_DIR}/ to verify from ${rootFile}, and its own root is not that root`,
      );
    return { basis, problems };
  }
  if (baseRoot.version < trusted.signed.version)
    problems.push(
      `the event builds on root v${baseRoot.version}, older than the trusted root v${trusted.signed.version}: it is not the current state`,
    );
  const files = new Map<string, Uint8Array>(base.map((b) => [roleFileName(b.role, b.version), b.bytes]));
  const report = verifyRepository(rootBytes, sourceOf(files), {
    at: instantBeforeExpiry(event, [trusted]),
    trustedRootName: rootFile,
  });
  if (!report.ok) problems.push(`the event's ${BASE_DIR}/ does not verify from ${rootFile}: ${firstProblem(report)}`);
  if (report.rootVersion !== baseRoot.version)
    problems.push(
      `root v${baseRoot.version} in the event's ${BASE_DIR}/ is not reached from ${rootFile} (root v${report.rootVersion})`,
    );
  for (const b of base) {
    if (b.role === 'root') continue;
    const checked = report.roles.some((r) => r.role === b.role && r.version === b.version && r.status === 'ok');
    if (!checked) problems.push(`${b.role} v${b.version} in the event's ${BASE_DIR}/ is not verified from ${rootFile}`);
  }
  for (const p of missingPrevious(event)) problems.push(p);
  // Each role the next version of what it builds on (TUF specification 5.3.5, 5.6.5: no rollback).
  for (const r of event.roles()) {
    const newest = base.filter((b) => b.role === r.role).sort((x, y) => y.version - x.version)[0];
    if (newest && newest.version !== r.version - 1)
      problems.push(`${r.role} v${r.version} does not follow ${r.role} v${newest.version} in ${BASE_DIR}/`);
  }
  return { basis, problems };
}

/** Check the event's base against the signer's trust; problems are listed, never thrown. */
export function checkEventTrust(event: SigningEvent, trust: EventTrust): TrustReport {
  return trust.repo ? checkAgainstRepository(event, trust.repo) : checkAgainstRoot(event, trust.rootFile);
}
