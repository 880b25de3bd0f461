/** `tuf-ceremony upload check`: the index's check of a claimed project's upload (PEP 480). */
import { checkUpload, readUpload, type UploadVerdict, VerifiedFolder } from '../../../bundle/index.js';
import { checkProjectName } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { outcome } from '../../json-output.js';
import { atOption } from '../../options.js';
import type { check } from './declarations.js';

function render(upload: string, v: UploadVerdict): string {
  const head = v.ok
    ? `ACCEPT: ${upload} for ${v.project} (${v.delegation!.chain.join(' → ')})`
    : `REFUSE: ${upload}${v.project ? ` for ${v.project}` : ''}: ${v.problems.length} problem(s)`;
  const lines = [head];
  for (const r of v.roles)
    lines.push(
      `  ${r.file}: ${r.role} v${r.version}, expires ${r.expires}, ` +
        `${r.signatures ? `${r.signatures.signed.length} of ${r.signatures.threshold} signatures` : 'not verified'}`,
    );
  if (v.publishedVersion !== undefined) lines.push(`  published version: ${v.publishedVersion}`);
  const fresh = v.targets.filter((t) => t.uploaded).length;
  if (v.targets.length) lines.push(`  targets: ${fresh} uploaded, ${v.targets.length - fresh} kept from before`);
  for (const p of v.problems) lines.push(`  refused: ${p}`);
  return lines.join('\n');
}

export const run: Run<typeof check> = async ({ values, positionals }, io) => {
  const at = atOption(values.at);
  const project = values.project === undefined ? undefined : checkProjectName(values.project, '--project');
  const upload = readUpload(positionals[0]!);
  const folder = VerifiedFolder.open(values.metadata, values.root, at);
  const v = checkUpload(folder, upload, { at, project, allowDelegations: values['allow-delegations'] === true });
  const code = v.ok ? 0 : 3;
  if (values.json) {
    printJson(io, {
      ...outcome(code, 'E_UPLOAD_REFUSED', v.problems[0] ?? ''),
      upload: upload.source,
      project: v.project ?? null,
      delegated_by: v.delegation?.delegator ?? null,
      chain: v.delegation?.chain ?? [],
      keyids: v.delegation?.keyids ?? [],
      threshold: v.delegation?.threshold ?? null,
      paths: v.delegation?.paths ?? [],
      published_version: v.publishedVersion ?? null,
      roles: v.roles.map((r) => ({
        role: r.role,
        file: r.file,
        version: r.version,
        expires: r.expires,
        delegated_by: r.delegatedBy,
        signed_by: r.signatures?.signed ?? [],
        threshold: r.signatures?.threshold ?? null,
      })),
      targets: v.targets.map((t) => ({
        path: t.path,
        role: t.role,
        length: t.length,
        hashes: t.hashes,
        uploaded: t.uploaded,
      })),
      problems: v.problems,
    });
    return code;
  }
  (v.ok ? out : err)(io, render(upload.source, v));
  return code;
};
