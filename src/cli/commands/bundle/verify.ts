/** `tuf-ceremony bundle verify`: check a bundle on removable media before using it; nothing is written. */
import { checkSequence, readImportState, verifyBundle } from '../../../bundle/index.js';
import { bundleJson, printDigest, receiverOptions, renderBundle } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import type { verify } from './declarations.js';

export const run: Run<typeof verify> = async ({ values, positionals }, io) => {
  const r = receiverOptions(values);
  const state = r.statePath ? readImportState(r.statePath) : {};
  // The bundle's own checks include its transcript: whole, ending at the manifest's head.
  const bundle = verifyBundle(positionals[0]!, {
    trustedRoot: r.trustedRoot,
    direction: r.direction,
    at: atOption(values.at),
  });
  // The state is kept per direction, which the manifest names.
  const last = state[bundle.manifest.direction]?.sequence;
  checkSequence(bundle.manifest, last, r.target);
  // Said once, on stderr: the next import moves it (docs/formats/bundle.md, "Import state").
  if (r.legacyState !== undefined)
    io.stderr.write(
      `${r.legacyState}: an import state in the published folder; the next \`bundle import\` moves it beside\n`,
    );
  if (values.json) {
    printJson(io, { ok: true, ...bundleJson(bundle, r.trustedRootFile), last_imported_sequence: last ?? null });
    return 0;
  }
  out(io, renderBundle(bundle));
  out(
    io,
    last === undefined
      ? `sequence ${bundle.manifest.sequence}: no earlier import known${r.statePath ? ` (${r.statePath})` : ' (give --target or --state to check it)'}`
      : `sequence ${bundle.manifest.sequence} is newer than ${last}, the last one imported`,
  );
  await printDigest(io, 'manifest', bundle.manifestSha256, false);
  out(io, 'OK: compare these words with the ones shown when the bundle was exported.');
  return 0;
};
