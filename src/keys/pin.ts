/**
 * Where a token PIN comes from: the environment variable the profile names, then the file it
 * names, then a hidden prompt. A PIN is never printed, logged or stored (docs/threat-model.md section 2).
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../tuf/model/errors.js';
import type { HolderToken } from './profile.js';

export type AskSecret = (question: string) => Promise<string>;

export interface PinSource {
  pinFor(holder: Pick<HolderToken, 'name' | 'pin'>, tokenLabel: string): Promise<string>;
}

/** Read a PIN file: one line, only the owner may read it (like ssh with private keys). */
export function readPinFile(path: string, holder: string): string {
  return readSecretFile(path, `the PIN file ${path} of holder "${holder}"`);
}

/**
 * A secret kept in a file (a PIN, a passphrase): exactly one non-empty line, in a file only its
 * owner may read. `name` says which file in every error.
 */
export function readSecretFile(path: string, name: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new UsageError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code}`, 'E_USAGE', { cause: e });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new UsageError(`${name} can be read by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  if (text === '' || /[\r\n]/.test(text)) throw new UsageError(`${name} must hold exactly one non-empty line`);
  return text;
}

export function pinSource(env: NodeJS.ProcessEnv, ask?: AskSecret): PinSource {
  return {
    async pinFor(holder: Pick<HolderToken, 'name' | 'pin'>, tokenLabel: string): Promise<string> {
      const name = holder.pin?.env;
      if (name !== undefined && env[name] !== undefined && env[name] !== '') return env[name];
      if (holder.pin?.file !== undefined) return readPinFile(holder.pin.file, holder.name);
      if (ask) {
        const pin = await ask(`PIN of token "${tokenLabel}" (holder ${holder.name}):`);
        if (pin === '') throw new UsageError(`no PIN given for token "${tokenLabel}" of holder "${holder.name}"`);
        return pin;
      }
      const where = name !== undefined ? `the environment variable ${name} is not set and ` : '';
      throw new UsageError(
        `no PIN for holder "${holder.name}" (token "${tokenLabel}"): ${where}there is no terminal to ask on; name a PIN env variable or file in the profile for scripted runs`,
      );
    },
  };
}
