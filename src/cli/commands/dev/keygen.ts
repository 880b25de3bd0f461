/** `tuf-ceremony dev keygen`: a developer's key for their project, in an encrypted file or on their token. */
import { writeNewFile } from '../../ceremony/files.js';
import { createEncryptedKeyFile } from '../../keys/key-file.js';
import { readSecretFile } from '../../keys/pin.js';
import { loadProfile, keyLabel } from '../../keys/profile.js';
import { TOKEN_KEY_TYPES, generateTokenKey, type TokenKeyType } from '../../keys/token-keys.js';
import { serializeJson } from '../../tuf/canonical-json.js';
import { UsageError } from '../../tuf/errors.js';
import { OWNER_FIELD, type Key } from '../../tuf/key.js';
import { parse, required } from '../args.js';
import { cliPinSource, terminalPrompter } from '../prompter.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony dev keygen --out <new key file> [--public-out <new public key file>] [--owner <name or e-mail>] [--passphrase-file <file>] [--json]
       tuf-ceremony dev keygen --profile <token profile> --holder <name> --out <new public key file> [--type ed25519|ecdsa-p256|rsa-3072] [--label <key label>] [--json]

  Without --profile: a new Ed25519 key in an encrypted key file (mode 0600, never overwritten).
  The passphrase is asked twice without echo, or read from --passphrase-file (one line, a file
  only you can read) for scripted runs. --owner goes into the public key as "x-ceremony-owner".
  --public-out also writes the public key alone (for \`dev check\` and for people to compare).
  With --profile: a new non-extractable key on your own PKCS#11 token (the profile's "developer"
  key label unless --label); --out gets its public key.
  Next: tuf-ceremony dev request --project <name> --key <key file or token:<holder>> ...`;

/** A passphrase from a file, or asked without echo (twice when `confirm`). */
export async function passphrase(io: CliIO, file: string | undefined, question: string, confirm: boolean): Promise<string> {
  // One line, readable by its owner only (like ssh private keys).
  if (file !== undefined) return readSecretFile(file, `passphrase file ${file}`);
  if (!io.interactive) throw new UsageError('no terminal to ask the passphrase on: give --passphrase-file');
  const prompter = terminalPrompter(io);
  const first = await prompter.askSecret(question);
  if (confirm && (await prompter.askSecret('The same passphrase again:')) !== first) throw new UsageError('the two passphrases differ; nothing was written');
  return first;
}

export const devKeygenCommand: Command = {
  name: ['dev', 'keygen'],
  summary: "developer: make a key for your project's delegation (encrypted key file, or on your own token)",
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      {
        out: { type: 'string' },
        'public-out': { type: 'string' },
        owner: { type: 'string' },
        'passphrase-file': { type: 'string' },
        profile: { type: 'string' },
        holder: { type: 'string' },
        type: { type: 'string' },
        label: { type: 'string' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const outPath = required(values.out, '--out', usage);
    let key: Key;
    let where: string;
    if (values.profile !== undefined) {
      if (values.owner !== undefined || values['passphrase-file'] !== undefined || values['public-out'] !== undefined) {
        throw new UsageError(`--owner, --passphrase-file and --public-out are for key files, not tokens (--out is the public key there)\nusage: ${usage}`);
      }
      const holder = required(values.holder, '--holder', usage);
      const type = (values.type ?? 'ed25519') as TokenKeyType;
      if (!TOKEN_KEY_TYPES.includes(type)) throw new UsageError(`--type ${values.type}: one of ${TOKEN_KEY_TYPES.join(', ')}`);
      const profile = loadProfile(values.profile);
      const label = values.label ?? keyLabel(profile, holder, 'developer');
      const made = await generateTokenKey(profile, holder, values.label === undefined ? 'developer' : '', type, label, cliPinSource(io));
      writeNewFile(outPath, serializeJson(made.key.toJSON()));
      key = made.key;
      where = `token "${made.tokenLabel}" (serial ${made.tokenSerial}), key label "${label}"; public key in ${outPath}`;
    } else {
      if (values.holder !== undefined || values.type !== undefined || values.label !== undefined) throw new UsageError(`--holder, --type and --label need --profile\nusage: ${usage}`);
      const pass = await passphrase(io, values['passphrase-file'], `Passphrase for the new key file ${outPath}:`, true);
      key = createEncryptedKeyFile(outPath, pass, values.owner !== undefined ? { [OWNER_FIELD]: values.owner } : {}).key;
      where = `encrypted key file ${outPath}`;
      if (values['public-out'] !== undefined) {
        writeNewFile(values['public-out'], serializeJson(key.toJSON()));
        where += `; public key in ${values['public-out']}`;
      }
    }
    if (values.json) {
      printJson(io, { keyid: key.keyid, key: key.toJSON(), out: outPath, token: values.profile !== undefined });
      return 0;
    }
    out(io, [`New ${key.keytype} key ${key.keyid}`, `  in ${where}`, '', `Next: tuf-ceremony dev request --project <name> --key ${values.profile !== undefined ? `token:${values.holder} --profile ${values.profile}` : outPath} --contact <e-mail> --out <request file>`].join('\n'));
    return 0;
  },
};
