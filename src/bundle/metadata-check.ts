/**
 * TUF verification of the metadata a bundle carries, from the receiver's trusted root
 * (TUF specification 1.0.x section 5). A bundle is a partial repository:
 * the offline side sends roots, targets and claimed; the online side sends roots, targets,
 * recently-claimed, snapshot and timestamp. Every metadata file in it must verify; none is taken
 * on trust because it happens not to be reached.
 */
import { CeremonyError, formatExpires, VerificationError } from '../tuf/base/index.js';
import { Metadata, type MetaFile, type Root, type Snapshot, type Timestamp } from '../tuf/model/index.js';
import {
  checkLengthAndHashes,
  decodeRoleName,
  describeResult,
  firstProblem,
  type MetadataSource,
  parseRoleFileName,
  type RepositoryReport,
  roleFileName,
  snapshotMetaName,
  verifyRepository,
  verifyRootUpdate,
  verifyWithRoot,
} from '../tuf/verify/index.js';

export interface MetadataCheck {
  /** The trusted root's version and the newest root the bundle chains to. */
  trustedRootVersion: number;
  rootVersion: number;
  /** Each metadata file with the role it verified as, and the role that delegates it (none: top-level). */
  verified: Array<{ file: string; role: string; version: number; delegatedBy?: string }>;
}

interface ParsedName {
  file: string;
  role: string;
  version: number | undefined;
}

function parseName(file: string): ParsedName {
  const p = parseRoleFileName(file);
  const role = p && decodeRoleName(p.quoted);
  // A name no client would ask for (a malformed or needless escape) is refused, never decoded loosely.
  if (role === undefined)
    fail(file, 'not a metadata file name: the role part is not percent-encoded as TUF clients encode role names');
  return { file, role, version: p!.version };
}

const TRUSTED = '(trusted root)';

function sourceOf(files: Map<string, Uint8Array>, keep: (n: ParsedName) => boolean): MetadataSource {
  const names = [...files.keys()]
    .map(parseName)
    .filter(keep)
    .map((n) => n.file);
  const kept = new Set(names);
  return {
    names: () => names,
    read: (name) => {
      const b = files.get(name);
      if (!b || !kept.has(name)) throw new VerificationError(`${name}: not in the bundle`);
      return b;
    },
  };
}

function fail(file: string, why: string): never {
  throw new VerificationError(`${file}: ${why}`, 'E_BUNDLE_METADATA');
}

/** What `check` throws, as a refusal of the bundle's metadata (the message kept, the error as cause). */
function asBundleRefusal<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof CeremonyError) throw new VerificationError(e.message, 'E_BUNDLE_METADATA', { cause: e });
    throw e;
  }
}

function parse<T extends Root | Snapshot | Timestamp>(bytes: Uint8Array, file: string, type: T['type']): Metadata<T> {
  return asBundleRefusal(() => Metadata.fromBytes<T>(bytes, file, type));
}

/** TUF specification 5.5.2 / 5.6.2: the length and every hash `listedBy` lists, by the trusted set's check. */
function checkListed(bytes: Uint8Array, meta: MetaFile, file: string, role: string, listedBy: string): void {
  asBundleRefusal(() => checkLengthAndHashes(role, file, bytes, meta, listedBy));
}

/**
 * Verify every `.json` file of `files` (name → bytes, already checked against the manifest) from
 * the trusted root, at one fixed time. Throws VerificationError naming the first file that fails.
 */
export function verifyBundleMetadata(
  files: Map<string, Uint8Array>,
  trustedRootBytes: Uint8Array,
  at: Date,
): MetadataCheck {
  const metadata = new Map([...files].filter(([n]) => n.endsWith('.json')));
  const trusted = parse<Root>(trustedRootBytes, 'the trusted root', 'root');
  const trustedVersion = trusted.signed.version;
  const parsed = [...metadata.keys()].map(parseName);
  const rootVersions = parsed.filter((n) => n.role === 'root' && n.version !== undefined).map((n) => n.version!);
  if (rootVersions.length === 0) fail('bundle', 'carries no N.root.json; every bundle carries the whole root chain');
  const newestRoot = rootVersions.reduce((a, b) => Math.max(a, b));
  // A bundle that does not reach the receiver's root is stale (or replayed): refuse it.
  if (newestRoot < trustedVersion)
    fail(
      roleFileName('root', newestRoot),
      `the bundle's newest root is version ${newestRoot}, older than the trusted root version ${trustedVersion}`,
    );
  for (const n of parsed) {
    if (n.role === 'root' && n.version === undefined) fail(n.file, 'a root file must be versioned (N.root.json)');
  }

  const verified = new Map<string, { role: string; version: number; delegatedBy?: string }>();
  const online = (n: ParsedName) => n.role === 'snapshot' || n.role === 'timestamp';
  const runView = (keep: (n: ParsedName) => boolean) => {
    const report = verifyRepository(
      trustedRootBytes,
      sourceOf(metadata, (n) => !online(n) && keep(n)),
      { at, trustedRootName: TRUSTED },
    );
    for (const r of report.roles)
      if (r.file && r.file !== TRUSTED && r.status === 'ok')
        verified.set(r.file, { role: r.role, version: r.version!, delegatedBy: r.delegatedBy });
    return report;
  };
  const problem = (report: RepositoryReport, file?: string): string => {
    const r = file ? report.roles.find((x) => x.file === file && x.problems.length) : undefined;
    const p = r ? `${r.role}: ${r.problems[0]}` : (firstProblem(report) ?? 'does not verify');
    return p.replaceAll(TRUSTED, `trusted root v${trustedVersion}`);
  };

  // 1. The current view: the root chain from the trusted root, targets and every role it reaches
  //    (snapshot and timestamp are checked in step 4: the bundle does not carry what they list).
  const main = runView(() => true);
  if (!main.ok) throw new VerificationError(problem(main), 'E_BUNDLE_METADATA');
  if (main.rootVersion !== newestRoot)
    fail(
      roleFileName('root', main.rootVersion + 1),
      `missing from the bundle, so root version ${newestRoot} cannot be reached from the trusted root`,
    );
  // The trusted root's own version in the bundle must be the same root, not a fork of it.
  const sameVersion = metadata.get(roleFileName('root', trustedVersion));
  if (
    sameVersion &&
    !parse<Root>(sameVersion, roleFileName('root', trustedVersion), 'root').payload().equals(trusted.payload())
  ) {
    fail(roleFileName('root', trustedVersion), 'differs from the trusted root of the same version (a forked root)');
  }
  if (sameVersion) verified.set(roleFileName('root', trustedVersion), { role: 'root', version: trustedVersion });

  // 2. Older versions of a role: each verified in the view where it is the newest of its role
  //    (only that file must pass there; the others were checked in the current view).
  for (const n of parsed) {
    if (verified.has(n.file) || online(n) || n.role === 'root' || n.version === undefined) continue;
    const view = runView((m) => m.role !== n.role || (m.version !== undefined && m.version <= n.version!));
    if (!verified.has(n.file)) {
      if (view.roles.some((x) => x.file === n.file && x.problems.length))
        throw new VerificationError(problem(view, n.file), 'E_BUNDLE_METADATA');
      fail(n.file, 'is not reached from the trusted root through any delegation');
    }
  }
  for (const n of parsed) {
    if (!online(n) && n.role !== 'root' && !verified.has(n.file))
      fail(n.file, 'is not reached from the trusted root through any delegation');
  }

  // 3. Roots older than the trusted one cannot be verified from it; they must at least chain
  //    forward to it (root N+1 signed by N's root keys, spec 5.3.4), which catches a damaged or
  //    foreign file (not a forger holding old root keys: see docs/threat-model.md).
  const older = rootVersions.filter((v) => v < trustedVersion).sort((a, b) => b - a);
  let next: Metadata<Root> = trusted;
  for (const v of older) {
    const file = roleFileName('root', v);
    const md = parse<Root>(metadata.get(file)!, file, 'root');
    if (next.signed.version !== v + 1)
      fail(roleFileName('root', v + 1), 'missing from the bundle, so the older roots do not chain to the trusted root');
    const res = verifyRootUpdate(md.signed, next);
    if (!res.verified)
      fail(
        roleFileName('root', v + 1),
        `does not chain from ${file}: ${describeResult(res.previous)} by its root keys`,
      );
    verified.set(file, { role: 'root', version: v });
    next = md;
  }

  // 4. Timestamp and snapshot (spec 5.4, 5.5), against the newest root; the snapshot must list
  //    exactly the version of each targets-type role the bundle carries as current.
  const rootFile = roleFileName('root', newestRoot);
  const root =
    newestRoot === trustedVersion ? trusted.signed : parse<Root>(metadata.get(rootFile)!, rootFile, 'root').signed;
  const checkOnline = (md: Metadata<Snapshot | Timestamp>, file: string, role: 'snapshot' | 'timestamp'): void => {
    const res = verifyWithRoot(root, role, md);
    if (!res.verified) fail(file, `${describeResult(res)} by the ${role} keys of root v${root.version}`);
    if (md.signed.isExpired(at))
      fail(file, `expired at ${formatExpires(md.signed.expires)} (checked at ${formatExpires(at)})`);
    const m = /^(\d+)\./.exec(file);
    if (m && Number(m[1]) !== md.signed.version)
      fail(file, `holds version ${md.signed.version}, not the ${m[1]} its name says`);
    verified.set(file, { role, version: md.signed.version });
  };
  const timestamps = parsed.filter((n) => n.role === 'timestamp');
  const snapshots = parsed.filter((n) => n.role === 'snapshot');
  if (timestamps.length > 1 || snapshots.length > 1)
    fail((timestamps[1] ?? snapshots[1])!.file, 'a bundle carries at most one timestamp and one snapshot');
  let snapshotMeta: MetaFile | undefined;
  if (timestamps[0]) {
    const file = timestamps[0].file;
    const md = parse<Timestamp>(metadata.get(file)!, file, 'timestamp');
    checkOnline(md, file, 'timestamp');
    snapshotMeta = md.signed.snapshotMeta;
  }
  if (snapshots[0]) {
    const file = snapshots[0].file;
    const bytes = metadata.get(file)!;
    const md = parse<Snapshot>(bytes, file, 'snapshot');
    checkOnline(md, file, 'snapshot');
    if (snapshotMeta) {
      if (snapshotMeta.version !== md.signed.version)
        fail(file, `version ${md.signed.version}, but the timestamp lists ${snapshotMeta.version}`);
      checkListed(bytes, snapshotMeta, file, 'snapshot', 'the timestamp');
    }
    for (const r of main.roles) {
      if (!r.file || r.file === TRUSTED || r.role === 'root' || r.status !== 'ok') continue;
      const listed = md.signed.meta.get(snapshotMetaName(r.role));
      if (!listed) fail(file, `does not list ${snapshotMetaName(r.role)}, which the bundle carries`);
      if (listed.version !== r.version)
        fail(r.file, `version ${r.version}, but ${file} lists version ${listed.version}`);
      checkListed(metadata.get(r.file)!, listed, r.file, r.role, file);
    }
  } else if (snapshotMeta) {
    fail(roleFileName('snapshot', snapshotMeta.version), 'the timestamp lists it but the bundle does not carry it');
  }

  return {
    trustedRootVersion: trustedVersion,
    rootVersion: newestRoot,
    verified: [...verified].map(([file, v]) => ({ file, ...v })).sort((a, b) => (a.file < b.file ? -1 : 1)),
  };
}
