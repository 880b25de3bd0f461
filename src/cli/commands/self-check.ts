/** `tuf-ceremony self-check`: the installed release against its MANIFEST (docs/release.md). */
import { checkRelease, installRoot, type ReleaseCheck, releaseCheckError } from '../../ceremony/state/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { errorJson } from '../json-output.js';
import { renderFingerprint } from '../render-fingerprint.js';
import type { selfCheck } from './declarations.js';

function checkJson(check: ReleaseCheck) {
  return {
    root: check.root,
    manifest_sha256: check.manifestSha256,
    files: check.files,
    differences: check.differences.map((d) => ({
      path: d.path,
      reason: d.reason,
      ...(d.expected !== undefined ? { expected: d.expected } : {}),
      ...(d.actual !== undefined ? { actual: d.actual } : {}),
    })),
    runtime: check.runtime,
    addon: {
      name: check.addon.name,
      version: check.addon.version,
      file: check.addon.file,
      loads: check.addon.loads,
      error: check.addon.error ?? null,
    },
    tool: { version: check.tool.version },
  };
}

export const run: Run<typeof selfCheck> = async ({ values }, io) => {
  const check = checkRelease(values.root ?? installRoot());
  const failure = releaseCheckError(check);
  if (values.json) printJson(io, { ...(failure ? errorJson(failure) : { ok: true }), ...checkJson(check) });
  else {
    const lines = [
      `tuf-ceremony ${check.tool.version} installed in ${check.root}`,
      await renderFingerprint('release digest (SHA-256 of MANIFEST; compare with SHA256SUMS):', check.manifestSha256, {
        qr: false,
      }),
      `Node.js ${check.runtime.node} (N-API ${check.runtime.napi}, ${check.runtime.platform}-${check.runtime.arch}), OpenSSL ${check.runtime.openssl}`,
      `addon ${check.addon.name} ${check.addon.version}: ${check.addon.loads ? 'loads' : `does not load (${check.addon.error})`}`,
      `${check.files} file(s) in the MANIFEST; ` +
        (check.differences.length === 0
          ? 'every one matches, and no other file is present'
          : `${check.differences.length} difference(s)`),
    ];
    out(io, lines.join('\n'));
  }
  // The document above already says why; the error gives the line on stderr and the exit code.
  if (failure) throw failure;
  return 0;
};
