/** `tuf-ceremony bundle verify`: check a bundle on removable media before using it; nothing is written. */
import { checkBundleTranscript } from '../../ceremony/repository-export.js';
import { Repository } from '../../ceremony/repository.js';
import { defaultStatePath, readImportState } from '../../bundle/import-state.js';
import type { Direction } from '../../bundle/manifest.js';
import { checkSequence, verifyBundle } from '../../bundle/verify.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { readTrustedRoot } from '../../bundle/verified-folder.js';
import { bundleJson, printDigest, renderBundle, withJsonRefusal } from './bundle-shared.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony bundle verify <bundle folder> (--root <trusted N.root.json> | --repo <state folder>) [--target <folder> | --state <file>] [--at <time>] [--json]

  Refuses (exit 3, naming the file and the reason) files not in the manifest, missing files,
  symbolic links, names that are not plain file names, a size or SHA-256 mismatch, a sequence not
  newer than the last import (read from --state, or the import state in --target), and metadata
  that does not verify from the trusted root. --repo: the offline side (its current root, and the
  import state of <repo>/online).`;

/** Trusted root and last imported sequence from --root/--target/--state or --repo. */
export function receiverOptions(values: { root?: string; repo?: string; target?: string; state?: string }, usage: string): { trustedRoot: Buffer; statePath?: string; direction?: Direction; target?: string } {
  if ((values.root === undefined) === (values.repo === undefined)) throw new UsageError(`give exactly one of --root and --repo\nusage: ${usage}`);
  if (values.repo !== undefined) {
    const repo = Repository.open(values.repo);
    const current = repo.currentVersion('root');
    if (current === undefined) throw new UsageError(`the repository in ${repo.dir} has no root metadata yet`);
    return { trustedRoot: repo.readBytes('root', current), statePath: values.state ?? defaultStatePath(repo.onlineDir), direction: 'online-to-offline', target: repo.onlineDir };
  }
  const statePath = values.state ?? (values.target !== undefined ? defaultStatePath(values.target) : undefined);
  return { trustedRoot: readTrustedRoot(values.root!), statePath, target: values.target };
}

export const bundleVerifyCommand: Command = {
  name: ['bundle', 'verify'],
  summary: 'verify a bundle from removable media against its manifest and from a trusted root (writes nothing)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { root: { type: 'string' }, repo: { type: 'string' }, target: { type: 'string' }, state: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1) throw new UsageError(`give exactly one bundle folder\nusage: ${usage}`);
    return withJsonRefusal(io, values.json, 'bundle verify', async () => {
      const r = receiverOptions(values, usage);
      const state = r.statePath ? readImportState(r.statePath) : {};
      const bundle = verifyBundle(positionals[0]!, { trustedRoot: r.trustedRoot, direction: r.direction, at: atOption(values.at) });
      // The state is kept per direction, which the manifest names.
      const last = state[bundle.manifest.direction]?.sequence;
      checkSequence(bundle.manifest, last, r.target);
      checkBundleTranscript(bundle);
      if (values.json) {
        printJson(io, { ...bundleJson(bundle), last_imported_sequence: last ?? null });
        return 0;
      }
      out(io, renderBundle(bundle));
      out(io, last === undefined ? `sequence ${bundle.manifest.sequence}: no earlier import known${r.statePath ? ` (${r.statePath})` : ' (give --target or --state to check it)'}` : `sequence ${bundle.manifest.sequence} is newer than ${last}, the last one imported`);
      await printDigest(io, 'manifest', bundle.manifestSha256, false);
      out(io, 'OK: compare these words with the ones shown when the bundle was exported.');
      return 0;
    });
  },
};
