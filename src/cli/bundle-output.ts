/** What the bundle commands share: the manifest digest for people to compare, the trusted root, JSON output. */
import type { VerifiedBundle } from '../../bundle/verify.js';
import { CeremonyError, EXIT_CODES } from '../../tuf/errors.js';
import { fingerprintWords } from '../../tuf/fingerprint-words.js';
import { formatExpires } from '../../tuf/time.js';
import { err, out, printJson, type CliIO } from '../io.js';
import { renderFingerprint } from '../render-fingerprint.js';

/** The manifest's SHA-256 as hex, as words to read aloud and (on request) as a QR code. */
export async function printDigest(io: CliIO, label: string, hex: string, qr: boolean): Promise<void> {
  out(io, await renderFingerprint(`${label} SHA-256:`, hex, { qr }));
}

export function bundleJson(b: VerifiedBundle): Record<string, unknown> {
  return {
    ok: true,
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
    root_version: b.metadata.rootVersion,
    files: [...b.manifest.files].map(([name, e]) => ({ name, length: e.length, sha256: e.sha256 })),
    verified: b.metadata.verified,
  };
}

export function renderBundle(b: VerifiedBundle): string {
  const lines = [
    `bundle ${b.dir}: ${b.manifest.direction}, sequence ${b.manifest.sequence}, made ${formatExpires(b.manifest.created)} by tuf-ceremony ${b.manifest.toolVersion}`,
    `verified from trusted root v${b.metadata.trustedRootVersion} to root v${b.metadata.rootVersion}:`,
  ];
  for (const v of b.metadata.verified) lines.push(`  ✓ ${v.file.padEnd(28)} ${v.role} v${v.version}`);
  for (const name of b.manifest.files.keys()) if (!name.endsWith('.json')) lines.push(`  ✓ ${name.padEnd(28)} size and SHA-256 as listed${b.manifest.transcriptHead ? `, hash chain holds, head ${b.manifest.transcriptHead.slice(0, 16)}…` : ''}`);
  return lines.join('\n');
}

/**
 * Run a check; with `--json`, a refusal is also one JSON document on stdout ({ ok: false, error })
 * besides the one line on stderr, so scripts always get a document.
 */
export async function withJsonRefusal(io: CliIO, json: boolean | undefined, command: string, run: () => Promise<number>): Promise<number> {
  if (!json) return run();
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof CeremonyError)) throw e;
    printJson(io, { ok: false, error: { code: e.code, message: e.message } });
    err(io, `tuf-ceremony ${command}: ${e.message}`);
    return EXIT_CODES[e.category];
  }
}
