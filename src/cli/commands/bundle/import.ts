/** `tuf-ceremony bundle import`: verify a bundle, then copy it atomically into a target folder. */
import { importBundle, type ImportResult, readTrustedRoot } from '../../../bundle/index.js';
import { importIntoRepository, recordingFailure, Repository } from '../../../ceremony/state/index.js';
import { UsageError } from '../../../tuf/base/index.js';
import { fingerprintLines, fingerprintWords } from '../../../tuf/model/index.js';
import { bundleJson, printDigest, renderBundle, renderImportActions } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import type { importBundle as declaration } from './declarations.js';

export const run: Run<typeof declaration> = async ({ values, positionals }, io) => {
  const dir = positionals[0]!;
  const at = atOption(values.at);
  const note = (line: string) => io.stderr.write(`${line}\n`);
  let res: ImportResult;
  let trustedRootFile: string;
  if (values.repo !== undefined) {
    if (
      values.root !== undefined ||
      values.into !== undefined ||
      values.state !== undefined ||
      values.records !== undefined
    )
      throw new UsageError('--repo takes the trusted root, target, records and state from the repository');
    const repo = Repository.open(values.repo);
    trustedRootFile = repo.path('root', repo.currentVersion('root') ?? 1);
    // A refused bundle is recorded too (docs/formats/transcript.md, "Refusals and failures").
    res = await recordingFailure(repo.dir, { step: 'bundle-import', details: { bundle: dir } }, () =>
      importIntoRepository(repo, dir, at, note),
    );
  } else {
    if (values.root === undefined || values.into === undefined)
      throw new UsageError('give --root and --into, or --repo');
    trustedRootFile = values.root;
    res = importBundle(dir, {
      target: values.into,
      trustedRoot: readTrustedRoot(values.root),
      recordsDir: values.records,
      statePath: values.state,
      at,
      note,
    });
  }
  const next = res.nextRoot;
  if (values.json) {
    printJson(io, {
      ok: true,
      ...bundleJson(res.bundle, trustedRootFile),
      imported: res.actions.map((a) => ({ name: a.name, action: a.action, path: a.path })),
      records: res.recordsDir,
      moved: res.moved,
      next_root: next ? { ...next, words: fingerprintWords(next.sha256) } : null,
      state: res.statePath,
    });
    return 0;
  }
  out(io, renderBundle(res.bundle));
  out(io, renderImportActions(res.bundle, res.actions));
  await printDigest(io, 'manifest', res.bundle.manifestSha256, false);
  // After a root rotation (TUF spec 5.3), the next import and every client start from the new root.
  if (next) out(io, [`trust ${next.file} next: sha256 ${next.sha256}`, ...fingerprintLines(next.sha256)].join('\n'));
  out(io, `OK: sequence ${res.bundle.manifest.sequence} imported; transcript and state in ${res.recordsDir}`);
  return 0;
};
