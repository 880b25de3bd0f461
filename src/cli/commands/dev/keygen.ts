/** `tuf-ceremony dev keygen`: a developer's key for their project, in an encrypted file or on their token. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeNewFile } from '../../../bundle/index.js';
import {
  createEncryptedKeyFile,
  generateTokenKey,
  keyLabel,
  loadProfile,
  TOKEN_KEY_TYPES,
  type TokenKeyType,
} from '../../../keys/index.js';
import { serializeJson } from '../../../tuf/json/index.js';
import { UsageError } from '../../../tuf/base/index.js';
import { type Key, OWNER_FIELD } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { cliPinSource, passphrase } from '../../prompter.js';
import type { keygen } from './declarations.js';

/**
 * The folder of a new file: made (readable by its owner only) when missing, before any passphrase
 * or PIN is asked, so that a key is never made and then lost for want of a folder. Returns the
 * folder made, or undefined when it was there.
 */
function folderFor(path: string): string | undefined {
  const dir = dirname(resolve(path));
  if (existsSync(dir)) return undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new UsageError(`cannot make the folder ${dir} for ${path}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', {
      cause: e,
    });
  }
  return dir;
}

export const run: Run<typeof keygen> = async ({ values }, io) => {
  const outPath = values.out;
  let madeFolders: string[] = [];
  // After the flags are checked, before the token or the passphrase.
  const makeFolders = () =>
    (madeFolders = [outPath, values['public-out']].flatMap((p) =>
      p === undefined ? [] : [folderFor(p) ?? []].flat(),
    ));
  let key: Key;
  let where: string;
  if (values.profile !== undefined) {
    if (values.owner !== undefined || values['passphrase-file'] !== undefined || values['public-out'] !== undefined) {
      throw new UsageError(
        '--owner, --passphrase-file and --public-out are for key files, not tokens (--out is the public key there)',
      );
    }
    if (values.holder === undefined) throw new UsageError('missing --holder (with --profile)');
    const holder = values.holder;
    const type = (values.type ?? 'ed25519') as TokenKeyType;
    if (!TOKEN_KEY_TYPES.includes(type))
      throw new UsageError(`--type ${values.type}: one of ${TOKEN_KEY_TYPES.join(', ')}`);
    const profile = loadProfile(values.profile);
    makeFolders();
    const label = values.label ?? keyLabel(profile, holder, 'developer');
    const made = await generateTokenKey(
      profile,
      holder,
      values.label === undefined ? 'developer' : '',
      type,
      label,
      cliPinSource(io),
    );
    writeNewFile(outPath, serializeJson(made.key.toJSON()));
    key = made.key;
    where = `token "${made.tokenLabel}" (serial ${made.tokenSerial}), key label "${label}"; public key in ${outPath}`;
  } else {
    if (values.holder !== undefined || values.type !== undefined || values.label !== undefined)
      throw new UsageError('--holder, --type and --label need --profile');
    makeFolders();
    const pass = await passphrase(io, values['passphrase-file'], `Passphrase for the new key file ${outPath}:`, true);
    key = createEncryptedKeyFile(outPath, pass, values.owner !== undefined ? { [OWNER_FIELD]: values.owner } : {}).key;
    where = `encrypted key file ${outPath}`;
    if (values['public-out'] !== undefined) {
      writeNewFile(values['public-out'], serializeJson(key.toJSON()));
      where += `; public key in ${values['public-out']}`;
    }
  }
  if (values.json) {
    printJson(io, {
      ok: true,
      keyid: key.keyid,
      key: key.toJSON(),
      out: outPath,
      public_out: values['public-out'] ?? null,
      token: values.profile !== undefined,
    });
    return 0;
  }
  const keyArgument = values.profile !== undefined ? `token:${values.holder} --profile ${values.profile}` : outPath;
  const next = `Next: tuf-ceremony dev request --project <name> --key ${keyArgument} --contact <e-mail> --out <request file>`;
  const folders = madeFolders.map((d) => `  made the folder ${d} (mode 0700)`);
  out(io, [`New ${key.keytype} key ${key.keyid}`, `  in ${where}`, ...folders, '', next].join('\n'));
  return 0;
};
