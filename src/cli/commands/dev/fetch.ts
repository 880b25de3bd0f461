/** `tuf-ceremony dev fetch`: the index's metadata for one project, fetched and verified into a folder. */
import { fetchIntoFolder } from '../../../bundle/index.js';
import { checkProjectName } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import { renderFingerprint, fingerprintView } from '../../render-fingerprint.js';
import type { fetchMetadata } from './declarations.js';

export const run: Run<typeof fetchMetadata> = async ({ values }, io) => {
  const project = checkProjectName(values.project, '--project');
  const at = atOption(values.at);
  const f = await fetchIntoFolder({
    url: values.url,
    cwd: io.cwd,
    trustedRootPath: values.root,
    project,
    at,
    out: values.out,
    state: values.state,
  });
  if (values.json) {
    const view = fingerprintView(f.rootSha256);
    printJson(io, {
      ok: true,
      url: values.url,
      out: values.out,
      project,
      trusted_root: { file: values.root, sha256: view.hex, words: view.words },
      root_versions: f.rootVersions,
      timestamp: f.timestamp,
      snapshot: f.snapshot,
      roles: f.roles.map((r) => ({ role: r.role, file: r.file, version: r.version, delegated_by: r.delegator })),
      project_delegated_by: f.projectDelegator ?? null,
      files: [...f.files.keys()].sort(),
      warnings: f.warnings,
    });
    return 0;
  }
  const lines = [
    `Fetched and verified from ${values.url} into ${values.out} (${f.files.size} files):`,
    `  root v${f.rootVersions.join(', v')}; timestamp v${f.timestamp.version} (expires ${f.timestamp.expires}); ` +
      `snapshot v${f.snapshot.version} (expires ${f.snapshot.expires})`,
    ...f.roles.map((r) => `  ${r.file} (${r.role} v${r.version}, through ${r.delegator})`),
    f.projectDelegator
      ? `  ${project} is delegated by ${f.projectDelegator}`
      : `  ${project} is delegated by neither claimed nor recently-claimed`,
    ...f.warnings.map((w) => `  warning: ${w}`),
    '',
    await renderFingerprint(
      `Trusted root ${values.root}: compare with the digest the index publishes (docs/developer-guide.md, "The root you trust")`,
      f.rootSha256,
      { qr: false },
    ),
    '',
    `Next: tuf-ceremony dev check --project ${project} --key <your key file> --root ${values.root} --metadata ${values.out}`,
  ];
  out(io, lines.join('\n'));
  return 0;
};
