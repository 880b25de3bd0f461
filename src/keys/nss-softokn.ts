/**
 * Throwaway NSS softokn databases for tests and rehearsals on a second software token: NSS's
 * own PKCS#11 module (libsoftokn3.so) over a fresh database made by certutil, with a user PIN.
 * softokn is loaded directly, with its configuration in C_Initialize's library parameters
 * (docs/tokens.md, "NSS softokn"). Everything is written inside the given folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../tuf/base/index.js';

/** Where Debian and other distributions install softokn (the libnss3 package). */
const SOFTOKN_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libsoftokn3.so',
  '/usr/lib/aarch64-linux-gnu/libsoftokn3.so',
  '/usr/lib64/libsoftokn3.so',
  '/usr/lib/libsoftokn3.so',
];

/** The label softokn gives its key and certificate database token (slot 2). */
export const NSS_DB_TOKEN_LABEL = 'NSS Certificate DB';

/** The softokn library, or undefined when libnss3 is not installed. */
export function nssSoftoknModule(): string | undefined {
  return SOFTOKN_CANDIDATES.find((p) => existsSync(p));
}

/** Whether a database can be made here: softokn and certutil (Debian's libnss3-tools). */
export function nssAvailable(): boolean {
  if (!nssSoftoknModule()) return false;
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // certutil -H prints its help and exits 1; only a missing program is ENOENT.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The library parameters softokn needs to open a database in `dir` (NSS's sftkdb parameters:
 * configdir with the sql: prefix for the cert9/key4 format, empty name prefixes, and no secmod).
 */
export function nssLibraryParameters(dir: string): string {
  const abs = resolve(dir);
  if (/['\s]/.test(abs))
    throw new UsageError(`an NSS database folder for softokn must not contain quotes or spaces: ${abs}`);
  return `configdir='sql:${abs}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
}

export interface NssDatabase {
  /** The database folder (cert9.db, key4.db). */
  dir: string;
  module: string;
  libraryParameters: string;
  tokenLabel: string;
  /** Holds the user PIN (mode 0600) for scripted runs. */
  pinFile: string;
}

/** A fresh database in `dir` (created; must not hold one yet) whose token has the user PIN `pin`. */
export function createNssDatabase(dir: string, pin: string): NssDatabase {
  const module = nssSoftoknModule();
  if (!module) throw new UsageError('NSS softokn (libsoftokn3.so) is not installed: apt-get install libnss3');
  if (existsSync(join(dir, 'key4.db'))) throw new UsageError(`${dir} already holds an NSS database`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pinFile = join(dir, 'user.pin');
  writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  try {
    execFileSync('certutil', ['-N', '-d', `sql:${resolve(dir)}`, '-f', pinFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer | string }).stderr ?? '').trim();
    throw new UsageError(
      `certutil -N failed${stderr ? `: ${stderr}` : ` (${(e as Error).message}); is libnss3-tools installed?`}`,
      'E_USAGE',
      { cause: e },
    );
  }
  return {
    dir: resolve(dir),
    module,
    libraryParameters: nssLibraryParameters(dir),
    tokenLabel: NSS_DB_TOKEN_LABEL,
    pinFile,
  };
}
