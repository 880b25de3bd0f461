/**
 * What the bundle commands share: the manifest digest for people to compare, a verified bundle
 * for people and for `--json`, and where the receiving side's trust and import state come from.
 */
import {
  type Direction,
  type FileAction,
  locateImportState,
  readTrustedRoot,
  type VerifiedBundle,
} from '../bundle/index.js';
import { countOf, escapeLines, formatExpires, someOf, UsageError } from '../tuf/base/index.js';
import { Repository } from '../ceremony/state/index.js';
import { fingerprintLines, fingerprintWords } from '../tuf/model/index.js';
import { out, type CliIO } from './io.js';
import { renderFingerprint, trustedRootJson, trustedRootLines } from './render-fingerprint.js';
import { boundedRows } from './render-report.js';

/** The manifest's SHA-256 as hex, as words to read aloud and (on request) as a QR code. */
export async function printDigest(io: CliIO, label: string, hex: string, qr: boolean): Promise<void> {
  out(io, await renderFingerprint(`${label} SHA-256:`, hex, { qr }));
}

/** `trustedRootFile`: the file the trusted root was read from, as the operator named it. */
export function bundleJson(b: VerifiedBundle, trustedRootFile: string) {
  return {
    bundle: b.dir,
    direction: b.manifest.direction,
    sequence: b.manifest.sequence,
    base_root_version: b.manifest.baseRootVersion,
    tool_version: b.manifest.toolVersion,
    created: formatExpires(b.manifest.created),
    manifest_sha256: b.manifestSha256,
    manifest_words: fingerprintWords(b.manifestSha256),
    transcript_head: b.manifest.transcriptHead ?? null,
    trusted_root_version: b.metadata.trustedRootVersion,
    ...trustedRootJson(trustedRootFile, b.metadata.trustedRootVersion, b.trustedRootSha256),
    root_version: b.metadata.rootVersion,
    newest_root: { ...b.newestRoot, words: fingerprintWords(b.newestRoot.sha256) },
    files: [...b.manifest.files].map(([name, e]) => ({ name, length: e.length, sha256: e.sha256 })),
    verified: b.metadata.verified.map((v) => ({ file: v.file, role: v.role, version: v.version })),
  };
}

export function renderBundle(b: VerifiedBundle): string {
  const lines = [
    `bundle ${b.dir}: ${b.manifest.direction}, sequence ${b.manifest.sequence}, made ` +
      `${formatExpires(b.manifest.created)} by tuf-ceremony ${b.manifest.toolVersion}`,
    ...trustedRootLines(b.metadata.trustedRootVersion, b.trustedRootSha256),
    `verified from trusted root v${b.metadata.trustedRootVersion} to root v${b.metadata.rootVersion}:`,
  ];
  // A bundle refused by any check never gets here; of the files it verified, the top-level roles
  // and those targets delegates are always listed, the others (the bins) up to OK_ROWS_SHOWN.
  const { shown, hidden } = boundedRows(b.metadata.verified, (v) => topLevel(v.delegatedBy));
  for (const v of shown) lines.push(`  ✓ ${v.file.padEnd(28)} ${v.role} v${v.version}`);
  if (hidden.length)
    lines.push(`  ✓ … and ${countOf(hidden.length)} more ${delegatedLine(hidden)} (--json lists every file)`);
  for (const name of b.manifest.files.keys())
    if (!name.endsWith('.json'))
      lines.push(
        `  ✓ ${name.padEnd(28)} size and SHA-256 as listed, hash chain holds and ends at the manifest's head:`,
      );
  // The transcript's head, as the people who initialled the printout compare it.
  if (b.manifest.transcriptHead && /^[0-9a-f]{64}$/.test(b.manifest.transcriptHead))
    for (const l of fingerprintLines(b.manifest.transcriptHead, '      ')) lines.push(l);
  // Manifest fields are not covered by any signature (docs/formats/bundle.md).
  return escapeLines(lines);
}

/** The top-level roles (root, and those root delegates) and the roles targets delegates. */
const topLevel = (delegatedBy: string | undefined) =>
  delegatedBy === undefined || delegatedBy === 'root' || delegatedBy === 'targets';

/** "metadata files, each delegated by claimed", or the delegators when there are several. */
function delegatedLine(files: ReadonlyArray<{ delegatedBy?: string }>): string {
  const by = new Set(files.map((f) => f.delegatedBy ?? '(none)'));
  return `metadata files verified, ${by.size === 1 ? 'each' : 'among them'} delegated by ${someOf([...by], 5)}`;
}

const ACTION_WORD: Record<FileAction, string> = { same: 'unchanged', new: 'added', replace: 'replaced' };

/**
 * What an import did with each file: the top-level roles and any file not metadata always, the
 * others up to OK_ROWS_SHOWN, then a count of each action (--json lists every file).
 */
export function renderImportActions(
  b: VerifiedBundle,
  actions: ReadonlyArray<{ name: string; action: FileAction; path?: string }>,
): string {
  const delegator = new Map(b.metadata.verified.map((v) => [v.file, v.delegatedBy]));
  const { shown, hidden } = boundedRows(actions, (a) => !delegator.has(a.name) || topLevel(delegator.get(a.name)));
  const lines = shown.map((a) => `  ${ACTION_WORD[a.action].padEnd(9)} ${a.path ?? a.name}`);
  if (hidden.length) {
    const n: Record<FileAction, number> = { new: 0, replace: 0, same: 0 };
    for (const a of hidden) n[a.action]++;
    lines.push(
      `  … and ${countOf(hidden.length)} more files: ${countOf(n.new)} added, ${countOf(n.replace)} replaced, ` +
        `${countOf(n.same)} unchanged (--json lists every file)`,
    );
  }
  return escapeLines(lines);
}

/** Trusted root and last imported sequence from --root/--target/--records/--state or --repo. */
export function receiverOptions(values: {
  root?: string | undefined;
  repo?: string | undefined;
  target?: string | undefined;
  records?: string | undefined;
  state?: string | undefined;
}): {
  trustedRoot: Buffer;
  trustedRootFile: string;
  /** The import state read from (undefined: no import known). */
  statePath?: string | undefined;
  /** The import state an earlier release left in the target folder, which the next import moves. */
  legacyState?: string | undefined;
  direction?: Direction;
  target?: string | undefined;
} {
  if ((values.root === undefined) === (values.repo === undefined))
    throw new UsageError('give exactly one of --root and --repo');
  const locate = (target: string) => {
    const l = locateImportState(target, { recordsDir: values.records, statePath: values.state });
    return { statePath: l.readFrom, legacyState: l.legacy, target };
  };
  if (values.repo !== undefined) {
    const repo = Repository.open(values.repo);
    const current = repo.currentVersion('root');
    if (current === undefined) throw new UsageError(`the repository in ${repo.dir} has no root metadata yet`);
    return {
      trustedRoot: repo.readBytes('root', current),
      trustedRootFile: repo.path('root', current),
      direction: 'online-to-offline',
      ...locate(repo.onlineDir),
    };
  }
  const where =
    values.target !== undefined
      ? locate(values.target)
      : { statePath: values.state, legacyState: undefined, target: undefined };
  return { trustedRoot: readTrustedRoot(values.root!), trustedRootFile: values.root!, ...where };
}
