/** `tuf-ceremony dev request`: a signed key-delegation request for one project (docs/formats/request.md). */
import { writeNewFile } from '../../../bundle/index.js';
import { checkRequestedProject, createRequest, encodeRequest } from '../../../ceremony/claims/index.js';
import { sha256Hex } from '../../../tuf/model/index.js';
import { addSeconds, formatExpires, parseDuration } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption, parseThreshold } from '../../options.js';
import { openKeySigners } from '../../key-signers.js';
import { DEFAULT_REQUEST_VALIDITY, type request as declaration } from './declarations.js';

export const run: Run<typeof declaration> = async ({ values }, io) => {
  const { project, contact, out: outPath, key: keyArgs } = values;
  checkRequestedProject(project);
  const threshold = parseThreshold(values.threshold, '--threshold') ?? 1;
  const created = atOption(values.at);
  const expires = addSeconds(created, parseDuration(values['valid-for'] ?? DEFAULT_REQUEST_VALIDITY, '--valid-for'));
  const { signers, close } = await openKeySigners(
    keyArgs,
    { profile: values.profile, passphraseFiles: values['passphrase-file'] },
    io,
  );
  try {
    const request = await createRequest({ project, signers, threshold, contact, created, expires });
    const bytes = encodeRequest(request);
    writeNewFile(outPath, bytes);
    const signed = request['signed'] as { project: string };
    const keys = signers.map((s) => ({ keyid: s.key.keyid, keytype: s.key.keytype }));
    if (values.json) {
      printJson(io, {
        ok: true,
        out: outPath,
        sha256: sha256Hex(bytes),
        project: signed.project,
        keys,
        threshold,
        created: formatExpires(created),
        expires: formatExpires(expires),
      });
      return 0;
    }
    const lines = [
      `Request for project ${signed.project}${signed.project !== project ? ` (normalized from "${project}")` : ''} written to ${outPath}`,
    ];
    for (const k of keys) lines.push(`  key ${k.keyid} (${k.keytype})`);
    lines.push(
      `  threshold ${threshold} of ${keys.length}; expires ${formatExpires(expires)}`,
      `  SHA-256 of the file: ${sha256Hex(bytes)}`,
    );
    lines.push(
      '',
      'Send the file to the index administrators, and tell them its SHA-256 by another channel.',
      'After their claim ceremony, `tuf-ceremony dev check` shows whether claimed delegates your project to these keys.',
    );
    out(io, lines.join('\n'));
    return 0;
  } finally {
    await close();
  }
};
