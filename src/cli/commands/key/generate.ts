/**
 * `tuf-ceremony key generate` and `key export`: keys on a holder's token, named by a token
 * profile. Generation prints the TUF public key, its keyid as hex, as words to read aloud and as a
 * QR code, for the holder and witnesses to compare with what later appears in metadata.
 */
import { writeFileSync } from 'node:fs';
import { keyLabel, loadProfile } from '../../keys/profile.js';
import { generateTokenKey, readTokenPublicKey, TOKEN_KEY_TYPES, type TokenKeyInfo, type TokenKeyType } from '../../keys/token-keys.js';
import { RefusedError, UsageError } from '../../tuf/errors.js';
import { parse, required } from '../args.js';
import { err, out, printJson, type CliIO } from '../io.js';
import { cliPinSource } from '../prompter.js';
import { renderFingerprint } from '../render-fingerprint.js';
import type { Command } from './index.js';

const generateUsage = `tuf-ceremony key generate --profile <token profile> --holder <name> --type ${TOKEN_KEY_TYPES.join('|')} --label <key label> [--purpose root|targets|claimed|developer] [--json]`;
const exportUsage = 'tuf-ceremony key export --profile <token profile> --holder <name> (--purpose <purpose> | --label <key label>) --out <new file> [--json]';

function summary(info: TokenKeyInfo, holder: string) {
  return { holder, label: info.label, id: info.id, token: { label: info.tokenLabel, serial: info.tokenSerial }, keyid: info.key.keyid, key: info.key.toJSON() };
}

async function renderKey(title: string, info: TokenKeyInfo, holder: string, io: CliIO): Promise<string> {
  return [
    title,
    `  holder: ${holder}`,
    `  token:  "${info.tokenLabel}" (serial ${info.tokenSerial})`,
    `  label:  ${info.label}   CKA_ID: ${info.id}`,
    `  TUF public key: ${JSON.stringify(info.key.toJSON())}`,
    await renderFingerprint('  keyid:', info.key.keyid, { qr: io.interactive }),
  ].join('\n');
}

export const keyGenerateCommand: Command = {
  name: ['key', 'generate'],
  summary: 'generate a non-extractable key pair on a holder\'s token and show its keyid as hex, words and QR',
  usage: generateUsage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { profile: { type: 'string' }, holder: { type: 'string' }, type: { type: 'string' }, label: { type: 'string' }, purpose: { type: 'string' }, json: { type: 'boolean' } }, generateUsage);
    const profile = loadProfile(required(values.profile, '--profile', generateUsage));
    const holder = required(values.holder, '--holder', generateUsage);
    const type = required(values.type, '--type', generateUsage);
    if (!(TOKEN_KEY_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${TOKEN_KEY_TYPES.join(', ')}, got "${type}"\nusage: ${generateUsage}`);
    const label = required(values.label, '--label', generateUsage);
    const purpose = values.purpose ?? '';
    const info = await generateTokenKey(profile, holder, purpose, type as TokenKeyType, label, cliPinSource(io));
    if (values.json) printJson(io, { ...summary(info, holder), purpose: purpose || undefined });
    else out(io, await renderKey(`generated ${type} key on the token of ${holder}`, info, holder, io));
    if (purpose && profile.holders[holder]?.keys[purpose] === undefined) {
      err(io, `note: ${profile.path} does not list this key yet; add "${purpose}": "${label}" to holders.${holder}.keys`);
    }
    return 0;
  },
};

export const keyExportCommand: Command = {
  name: ['key', 'export'],
  summary: 'write the TUF public key of a token key to a new file (never overwrites)',
  usage: exportUsage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { profile: { type: 'string' }, holder: { type: 'string' }, purpose: { type: 'string' }, label: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } }, exportUsage);
    const profile = loadProfile(required(values.profile, '--profile', exportUsage));
    const holder = required(values.holder, '--holder', exportUsage);
    const outPath = required(values.out, '--out', exportUsage);
    if ((values.purpose === undefined) === (values.label === undefined)) throw new UsageError(`give exactly one of --purpose and --label\nusage: ${exportUsage}`);
    const label = values.label ?? keyLabel(profile, holder, values.purpose!);
    const info = await readTokenPublicKey(profile, holder, label);
    try {
      writeFileSync(outPath, `${JSON.stringify(info.key.toJSON(), null, 2)}\n`, { flag: 'wx', mode: 0o644 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedError(`${outPath} already exists; an export never overwrites a file`, 'E_EXISTS');
      throw new UsageError(`cannot write ${outPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (values.json) printJson(io, { ...summary(info, holder), file: outPath });
    else out(io, await renderKey(`exported the public key to ${outPath}`, info, holder, io));
    return 0;
  },
};
