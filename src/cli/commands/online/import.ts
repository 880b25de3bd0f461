/** `tuf-ceremony online import`: verify a bundle from the ceremony and take it into the online state. */
import { importIntoState, OnlineState } from '../../../online/index.js';
import { bundleJson, printDigest, renderBundle, renderImportActions } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import type { importBundle } from './declarations.js';

export const run: Run<typeof importBundle> = async ({ values, positionals }, io) => {
  const state = OnlineState.open(values.state);
  // The root the bundle is verified against (the bundle library also checks the transcript's chain ends at the manifest's head).
  const trustedRootFile = state.trustedRootPath();
  const done = importIntoState(state, positionals[0]!, atOption(values.at), { note: (line) => err(io, line) });
  const res = done.result;
  if (values.json) {
    printJson(io, {
      ok: true,
      ...bundleJson(res.bundle, trustedRootFile),
      imported: res.actions.map((a) => ({ name: a.name, action: a.action })),
      trusted_root_before: done.trustedBefore,
      trusted_root_now: done.trustedNow,
    });
    return 0;
  }
  out(io, renderBundle(res.bundle));
  out(
    io,
    renderImportActions(
      res.bundle,
      res.actions.map((a) => ({ name: a.name, action: a.action })),
    ),
  );
  await printDigest(io, 'manifest', res.bundle.manifestSha256, false);
  out(io, `OK: sequence ${res.bundle.manifest.sequence} taken into ${state.offlineDir}`);
  if (done.trustedNow !== done.trustedBefore)
    out(io, `root v${done.trustedNow} is now the root the online side trusts (it was v${done.trustedBefore})`);
  out(io, `Next: tuf-ceremony online publish --state ${values.state} --key <online key file> ...`);
  return 0;
};
