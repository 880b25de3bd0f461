/** `tuf-ceremony dev request`: a signed key-delegation request for one project (docs/formats/request.md). */
import { writeNewFile } from '../../ceremony/files.js';
import { createRequest, encodeRequest } from '../../ceremony/requests-format.js';
import { openEncryptedKeyFile } from '../../keys/key-file.js';
import { loadProfile } from '../../keys/profile.js';
import { openHolderSession, type HolderSession } from '../../keys/token-keys.js';
import { sha256Hex } from '../../tuf/digest.js';
import { UsageError } from '../../tuf/errors.js';
import type { Signer } from '../../tuf/signer.js';
import { addSeconds, formatExpires, parseDuration } from '../../tuf/time.js';
import { parse, required } from '../args.js';
import { cliPinSource } from '../prompter.js';
import { out, printJson, type CliIO } from '../io.js';
import { passphrase } from './dev-keygen.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';
import { parseThreshold } from './rotate.js';

const usage = `tuf-ceremony dev request --project <name> --key <key file | token:<holder>>... --contact <e-mail> --out <new request file>
                         [--threshold N] [--valid-for 60d] [--profile <token profile>] [--passphrase-file <file>]... [--at <time>] [--json]

  Writes a request that the index admins take in at their next claim ceremony: the project name
  (normalized as PEP 503 does), the public keys, the threshold (default 1), your contact, when it
  was made and when it expires, signed by every key listed (proof that you hold each one).
  --key token:<holder> uses your key on a PKCS#11 token (the "developer" key of --profile).
  Key file passphrases are asked without echo, or read from --passphrase-file (one per key file, in order).`;

export const DEFAULT_REQUEST_VALIDITY = '60d';
const TOKEN_PREFIX = 'token:';

export const devRequestCommand: Command = {
  name: ['dev', 'request'],
  summary: 'developer: make a signed request that the index delegates your project to your keys (PEP 480)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      {
        project: { type: 'string' },
        key: { type: 'string', multiple: true },
        contact: { type: 'string' },
        out: { type: 'string' },
        threshold: { type: 'string' },
        'valid-for': { type: 'string' },
        profile: { type: 'string' },
        'passphrase-file': { type: 'string', multiple: true },
        at: { type: 'string' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const project = required(values.project, '--project', usage);
    const contact = required(values.contact, '--contact', usage);
    const outPath = required(values.out, '--out', usage);
    const keyArgs = values.key ?? [];
    if (keyArgs.length === 0) throw new UsageError(`give at least one --key\nusage: ${usage}`);
    const threshold = parseThreshold(values.threshold, '--threshold') ?? 1;
    const created = atOption(values.at);
    const expires = addSeconds(created, parseDuration(values['valid-for'] ?? DEFAULT_REQUEST_VALIDITY, '--valid-for'));
    const passFiles = [...(values['passphrase-file'] ?? [])];

    const sessions: HolderSession[] = [];
    try {
      const signers: Signer[] = [];
      for (const k of keyArgs) {
        if (k.startsWith(TOKEN_PREFIX)) {
          if (values.profile === undefined) throw new UsageError(`--key ${k} needs --profile (the token profile that names ${k.slice(TOKEN_PREFIX.length)}'s token)`);
          const session = await openHolderSession(loadProfile(values.profile), k.slice(TOKEN_PREFIX.length), cliPinSource(io));
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
        printJson(io, { out: outPath, sha256: sha256Hex(bytes), project: signed.project, keys, threshold, created: formatExpires(created), expires: formatExpires(expires) });
        return 0;
      }
      const lines = [`Request for project ${signed.project}${signed.project !== project ? ` (normalized from "${project}")` : ''} written to ${outPath}`];
      for (const k of keys) lines.push(`  key ${k.keyid} (${k.keytype})`);
      lines.push(`  threshold ${threshold} of ${keys.length}; expires ${formatExpires(expires)}`, `  SHA-256 of the file: ${sha256Hex(bytes)}`);
      lines.push('', 'Send the file to the index administrators, and tell them its SHA-256 by another channel.', 'After their claim ceremony, `tuf-ceremony dev check` shows whether claimed delegates your project to these keys.');
      out(io, lines.join('\n'));
      return 0;
    } finally {
      for (const s of sessions) await s.close();
    }
  },
};
