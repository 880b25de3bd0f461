/** `tuf-ceremony dev sign`: a developer signs their project's role for a release and writes the upload. */
import { readFileSync } from 'node:fs';
import {
  checkUpload,
  CLAIMED,
  nextProjectRole,
  readReleaseFiles,
  RECENTLY_CLAIMED,
  UPLOAD_METADATA,
  UPLOAD_TARGETS,
  type UploadVerdict,
  VerifiedFolder,
  writeUpload,
} from '../../../bundle/index.js';
import { checkProjectName, Metadata, sha256Hex, type Targets } from '../../../tuf/model/index.js';
import { addSeconds, formatExpires, parseDuration, UsageError, VerificationError } from '../../../tuf/base/index.js';
import { roleFileName } from '../../../tuf/verify/index.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { atOption, parseThreshold } from '../../options.js';
import { renderFingerprint, fingerprintView } from '../../render-fingerprint.js';
import { DEFAULT_ROLE_VALIDITY, type sign as declaration } from './declarations.js';
import { checkKeyArguments, openKeySigners } from '../../key-signers.js';

/** Where the delegation and the previous role come from: the verified index metadata, or flags. */
function delegationSource(values: Parameters<Run<typeof declaration>>[0]['values'], project: string, at: Date) {
  if ((values.metadata === undefined) !== (values.root === undefined))
    throw new UsageError('--metadata and --root go together');
  if (values.metadata === undefined) {
    let previous: Targets | undefined;
    if (values.previous !== undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(values.previous);
      } catch (e) {
        throw new UsageError(`cannot read --previous ${values.previous}: ${(e as NodeJS.ErrnoException).code}`);
      }
      previous = Metadata.fromBytes<Targets>(bytes, values.previous, 'targets').signed;
    }
    return { folder: undefined, paths: values.paths ?? [`${project}/*`], previous };
  }
  if (values.paths !== undefined || values.previous !== undefined)
    throw new UsageError('--paths and --previous come from --metadata when it is given');
  const folder = VerifiedFolder.open(values.metadata, values.root!, at);
  const d = folder.findProject(CLAIMED, project) ?? folder.findProject(RECENTLY_CLAIMED, project);
  if (!d)
    throw new VerificationError(
      `${project}: delegated by neither claimed nor recently-claimed in ${values.metadata}; make a request first (dev request)`,
    );
  if (!d.role.paths)
    throw new VerificationError(`${project}: ${d.delegator} delegates it by hash prefix, not by path patterns`);
  const published = folder.publishedRole(project, d.delegator);
  if (!published.ok && !published.absent)
    throw new VerificationError(`your published role does not verify: ${published.problem}`);
  return { folder, paths: [...d.role.paths], previous: published.ok ? published.signed : undefined };
}

function renderVerdictProblems(v: UploadVerdict): string {
  return v.problems.map((p) => `  refused: ${p}`).join('\n');
}

export const run: Run<typeof declaration> = async ({ values }, io) => {
  const project = checkProjectName(values.project, '--project');
  const at = atOption(values.at);
  const expires = addSeconds(at, parseDuration(values['valid-for'] ?? DEFAULT_ROLE_VALIDITY, '--valid-for'));
  const version = parseThreshold(values.version, '--version');
  if (version === 0) throw new UsageError('--version 0: versions start at 1');
  checkKeyArguments(values.key, values.profile);
  // Everything is read and checked before a passphrase or PIN is asked.
  const source = delegationSource(values, project, at);
  const files = readReleaseFiles(values.files, source.paths);
  const role = nextProjectRole({ files, previous: source.previous, version, expires });
  const md = new Metadata(role);
  const digest = sha256Hex(md.payload());
  const summary = [
    `${project} v${role.version}, expires ${formatExpires(role.expires)}${source.previous ? ` (previous v${source.previous.version})` : ''}`,
    ...[...role.targets].map(([path, t]) => {
      const mark = files.some((f) => f.targetPath === path) ? 'new ' : 'kept';
      return `  ${mark} ${path}  ${t.length} bytes\n         sha256 ${t.hashes['sha256'] ?? '-'}\n         blake2b-256 ${t.hashes['blake2b-256'] ?? '-'}`;
    }),
  ];
  err(
    io,
    [
      'To sign:',
      ...summary,
      await renderFingerprint('Payload SHA-256 (what every key signs):', digest, { qr: false }),
    ].join('\n'),
  );

  const { signers, close } = await openKeySigners(
    values.key,
    { profile: values.profile, passphraseFiles: values['passphrase-file'] },
    io,
  );
  try {
    // Each signature is verified in software as it is made (Metadata.sign).
    for (const s of signers) await md.sign(s, 'append');
  } finally {
    await close();
  }
  const roleFile = `${UPLOAD_METADATA}/${roleFileName(project, role.version)}`;
  const entries: Array<[string, Buffer]> = [
    [roleFile, md.toBytes()],
    ...files.map((f): [string, Buffer] => [`${UPLOAD_TARGETS}/${f.targetPath}`, f.bytes]),
  ];
  let verdict: UploadVerdict | undefined;
  if (source.folder) {
    // The index's check, before anything is written (PEP 480, "Snapshot Process").
    verdict = checkUpload(
      source.folder,
      { source: values.out, files: new Map(entries) },
      {
        at,
        project,
        allowDelegations: true,
      },
    );
    if (!verdict.ok) {
      if (values.json)
        printJson(io, {
          ok: false,
          error: { code: 'E_UPLOAD_REFUSED', message: verdict.problems[0]!, exit_code: 3 },
          problems: verdict.problems,
        });
      err(
        io,
        `tuf-ceremony dev sign: the index would refuse this upload; nothing was written\n${renderVerdictProblems(verdict)}`,
      );
      return 3;
    }
  }
  const { zip, zipBytes } = writeUpload(values.out, entries);
  const view = fingerprintView(digest);
  if (values.json) {
    printJson(io, {
      ok: true,
      project,
      version: role.version,
      expires: formatExpires(role.expires),
      out: values.out,
      zip,
      zip_sha256: sha256Hex(zipBytes),
      role_file: roleFile,
      payload_sha256: view.hex,
      payload_words: view.words,
      keyids: [...md.signatures.keys()],
      targets: [...role.targets].map(([path, t]) => ({
        path,
        length: t.length,
        hashes: { ...t.hashes },
        new: files.some((f) => f.targetPath === path),
      })),
      checked_against: verdict?.delegation ? verdict.delegation.delegator : null,
    });
    return 0;
  }
  out(
    io,
    [
      `Signed ${project} v${role.version} with ${md.signatures.size} key(s): ${[...md.signatures.keys()].join(', ')}`,
      `  upload folder ${values.out} (${roleFile}, ${files.length} file(s) under ${UPLOAD_TARGETS}/)`,
      `  and ${zip}, SHA-256 ${sha256Hex(zipBytes)}`,
      verdict
        ? `  checked as the index checks it against ${verdict.delegation!.chain.join(' → ')}: accepted`
        : '  not checked against the index metadata (give --metadata and --root to check before upload)',
      '',
      `Next: upload ${zip} to the index; after it is published, tuf-ceremony dev fetch and dev check.`,
    ].join('\n'),
  );
  return 0;
};
