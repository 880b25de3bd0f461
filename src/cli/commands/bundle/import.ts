/** `tuf-ceremony bundle import`: verify a bundle, then copy it atomically into a target folder. */
import { checkBundleTranscript, importIntoRepository } from '../../ceremony/repository-export.js';
import { Repository } from '../../ceremony/repository.js';
import { importBundle, type ImportResult } from '../../bundle/import.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { readTrustedRoot } from '../../bundle/verified-folder.js';
import { bundleJson, printDigest, renderBundle, withJsonRefusal } from './bundle-shared.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony bundle import <bundle folder> (--root <trusted N.root.json> --into <target folder> [--state <file>] | --repo <state folder>) [--at <time>] [--json]

  Does every check of \`bundle verify\`, then copies the files into the target folder: new
  versions never replace anything, timestamp.json only moves forward, the transcript only grows.
  Nothing is written when the bundle is refused. The last imported sequence is kept in
  <target>/.tuf-ceremony-import.json (or --state).
  --repo: the offline side takes an online bundle into <repo>/online, trusting the current root.`;

export const bundleImportCommand: Command = {
  name: ['bundle', 'import'],
  summary: 'verify a bundle and copy it atomically into a target folder (online side) or <repo>/online (offline side)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { root: { type: 'string' }, into: { type: 'string' }, state: { type: 'string' }, repo: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1) throw new UsageError(`give exactly one bundle folder\nusage: ${usage}`);
    const dir = positionals[0]!;
    return withJsonRefusal(io, values.json, 'bundle import', async () => {
      const at = atOption(values.at);
      let res: ImportResult;
      if (values.repo !== undefined) {
        if (values.root !== undefined || values.into !== undefined || values.state !== undefined) throw new UsageError(`--repo takes the trusted root, target and state from the repository\nusage: ${usage}`);
        res = importIntoRepository(Repository.open(values.repo), dir, at);
      } else {
        if (values.root === undefined || values.into === undefined) throw new UsageError(`give --root and --into, or --repo\nusage: ${usage}`);
        res = importBundle(dir, { target: values.into, trustedRoot: readTrustedRoot(values.root), statePath: values.state, at, check: checkBundleTranscript });
      }
      if (values.json) {
        printJson(io, { ...bundleJson(res.bundle), imported: res.actions.map((a) => ({ name: a.name, action: a.action })), state: res.statePath });
        return 0;
      }
      out(io, renderBundle(res.bundle));
      for (const a of res.actions) out(io, `  ${a.action === 'same' ? 'unchanged' : a.action === 'new' ? 'added    ' : 'replaced '} ${a.name}`);
      await printDigest(io, 'manifest', res.bundle.manifestSha256, false);
      out(io, `OK: sequence ${res.bundle.manifest.sequence} imported; state in ${res.statePath}`);
      return 0;
    });
  },
};
