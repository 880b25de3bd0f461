/** `tuf-ceremony dev request`: a signed key-delegation request for one project (docs/formats/request.md). */
import { writeNewFile } from '../../../ceremony/state/files.js';
import { checkRequestedProject, createRequest, encodeRequest } from '../../../ceremony/claims/requests-format.js';
import { openEncryptedKeyFile } from '../../../keys/key-file.js';
import { loadProfile } from '../../../keys/profile.js';
import { openHolderSession, type HolderSession } from '../../../keys/token-keys.js';
import { sha256Hex } from '../../../tuf/model/digest.js';
import { UsageError } from '../../../tuf/model/errors.js';
import type { Signer } from '../../../tuf/model/signer.js';
import { addSeconds, formatExpires, parseDuration } from '../../../tuf/model/time.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption, parseThreshold } from '../../options.js';
import { cliPinSource, passphrase } from '../../prompter.js';
import { DEFAULT_REQUEST_VALIDITY, type request as declaration } from './declarations.js';

const TOKEN_PREFIX = 'token:';

export const run: Run<typeof declaration> = async ({ values }, io) => {
  const { project, contact, out: outPath, key: keyArgs } = values;
  checkRequestedProject(project);
  const threshold = parseThreshold(values.threshold, '--threshold') ?? 1;
  const created = atOption(values.at);
  const expires = addSeconds(created, parseDuration(values['valid-for'] ?? DEFAULT_REQUEST_VALIDITY, '--valid-for'));
  const passFiles = [...(values['passphrase-file'] ?? [])];

  const sessions: HolderSession[] = [];
  try {
    const signers: Signer[] = [];
    for (const k of keyArgs) {
      if (k.startsWith(TOKEN_PREFIX)) {
        if (values.profile === undefined)
          throw new UsageError(
            `--key ${k} needs --profile (the token profile that names ${k.slice(TOKEN_PREFIX.length)}'s token)`,
          );
        const session = await openHolderSession(
          loadProfile(values.profile),
          k.slice(TOKEN_PREFIX.length),
          cliPinSource(io),
        );
        sessions.push(session);
        signers.push(await session.signerFor('developer', await session.publicKey('developer')));
      } else {
        const pass = await passphrase(io, passFiles.shift(), `Passphrase for key file ${k}:`, false);
        signers.push(openEncryptedKeyFile(k, pass));
      }
    }
    if (passFiles.length > 0) throw new UsageError(`${passFiles.length} --passphrase-file more than key files`);
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
    for (const s of sessions) await s.close();
  }
};
