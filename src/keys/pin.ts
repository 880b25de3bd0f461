/**
 * Where a token PIN comes from: the environment variable the profile names, then the file it
 * names, then a hidden prompt. A PIN is never printed, logged or stored (docs/threat-model.md section 2).
 * Only a typed PIN is asked again after a wrong one: a PIN from the environment or a file would be
 * wrong again, and each wrong try counts against the token's lock.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../tuf/base/index.js';
import type { HolderToken } from './profile.js';

export type AskSecret = (question: string) => Promise<string>;

export interface PinSource {
  /** `note` is said first when the PIN is asked again ("wrong PIN; 2 tries left"). */
  pinFor(holder: Pick<HolderToken, 'name' | 'pin'>, tokenLabel: string, note?: string): Promise<string>;
  /** Whether a wrong PIN may be asked again: only when a person types it. */
  asks?(holder: Pick<HolderToken, 'name' | 'pin'>): boolean;
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

/** Empty answers to a PIN prompt before the tool stops asking. */
const EMPTY_ANSWERS = 3;

export function pinSource(env: NodeJS.ProcessEnv, ask?: AskSecret): PinSource {
  const fromEnv = (holder: Pick<HolderToken, 'pin'>): string | undefined => {
    const name = holder.pin?.env;
    return name !== undefined && env[name] !== undefined && env[name] !== '' ? env[name] : undefined;
  };
  return {
    asks: (holder) => ask !== undefined && fromEnv(holder) === undefined && holder.pin?.file === undefined,
    async pinFor(holder: Pick<HolderToken, 'name' | 'pin'>, tokenLabel: string, note?: string): Promise<string> {
      const name = holder.pin?.env;
      const given = fromEnv(holder);
      if (given !== undefined) return given;
      if (holder.pin?.file !== undefined) return readPinFile(holder.pin.file, holder.name);
      if (ask) {
        // Enter pressed by itself is asked again: it never reached the token, so it costs no try.
        let said = note;
        for (let i = 0; i < EMPTY_ANSWERS; i++) {
          const pin = await ask(`${said ? `${said}. ` : ''}PIN of token "${tokenLabel}" (holder ${holder.name}):`);
          if (pin !== '') return pin;
          said = 'No PIN was typed';
        }
        throw new UsageError(`no PIN given for token "${tokenLabel}" of holder "${holder.name}"`);
      }
      const where = name !== undefined ? `the environment variable ${name} is not set and ` : '';
      throw new UsageError(
        `no PIN for holder "${holder.name}" (token "${tokenLabel}"): ${where}there is no ` +
          'terminal to ask on; name a PIN env variable or file in the profile for scripted runs',
      );
    },
  };
}
