/**
 * What the bundle commands share: the manifest digest for people to compare, a verified bundle
 * for people and for `--json`, and where the receiving side's trust and import state come from.
 */
import { type Direction, locateImportState, readTrustedRoot, type VerifiedBundle } from '../bundle/index.js';
import { escapeLines, formatExpires, UsageError } from '../tuf/base/index.js';
import { Repository } from '../ceremony/state/index.js';
import { fingerprintLines, fingerprintWords } from '../tuf/model/index.js';
import { out, type CliIO } from './io.js';
import { renderFingerprint, trustedRootJson, trustedRootLines } from './render-fingerprint.js';

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
  for (const v of b.metadata.verified) lines.push(`  ✓ ${v.file.padEnd(28)} ${v.role} v${v.version}`);
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
