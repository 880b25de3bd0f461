/**
 * One loaded PKCS#11 module per path and port, shared by everything open on it in this process.
 * C_Initialize is process-wide and C_Finalize ends every session of the module, so a second
 * holder's session must not finalize the first's: the module is finalized when the last lease is
 * released.
 */
import { graphenePort } from './graphene-port.js';
import { PortError, type Pkcs11Port, type PortModule } from './pkcs11-port.js';
import type { ModuleProfile } from './profile.js';
import { tokenError } from './token-errors.js';
import { TokenError } from '../tuf/base/index.js';

export interface ModuleLease {
  readonly module: PortModule;
  readonly path: string;
  /** Give the lease back; safe to call twice. */
  release(): void;
}

interface Entry {
  module: PortModule;
  refs: number;
  libraryParameters: string | undefined;
}

const pools = new WeakMap<Pkcs11Port, Map<string, Entry>>();

/** A module by path, or as a profile names it (with its C_Initialize parameters). */
export type ModuleRef = string | (Pick<ModuleProfile, 'path' | 'libraryParameters'> & { name?: string });

/**
 * A library that loaded but refused C_Initialize: most often a module that needs its
 * configuration there (NSS softokn answers CKR_ARGUMENTS_BAD without one, and fails when its
 * database folder holds no database), so the message says where that configuration goes.
 */
function initializeError(e: PortError, ref: ModuleRef): TokenError {
  const path = typeof ref === 'string' ? ref : ref.path;
  const name = typeof ref === 'string' ? undefined : ref.name;
  const params = typeof ref === 'string' ? undefined : ref.libraryParameters;
  const field = `modules.${name ?? '<name>'}.libraryParameters`;
  const hint =
    params === undefined
      ? '; if the module needs C_Initialize parameters (NSS softokn: its database folder), give ' +
        `them in a token profile's ${field} and use --profile (docs/tokens.md)`
      : `; check the token profile's ${field} (NSS softokn: a configdir holding a database that certutil -N made; docs/tokens.md)`;
  return new TokenError(
    'E_MODULE_LOAD',
    `cannot initialize the PKCS#11 module ${path}: C_Initialize failed with ${e.ckr}${hint}`,
    { cause: e },
  );
}

export function acquireModule(ref: ModuleRef, port: Pkcs11Port = graphenePort): ModuleLease {
  const path = typeof ref === 'string' ? ref : ref.path;
  const libraryParameters = typeof ref === 'string' ? undefined : ref.libraryParameters;
  let pool = pools.get(port);
  if (!pool) pools.set(port, (pool = new Map<string, Entry>()));
  let entry = pool.get(path);
  if (entry && entry.libraryParameters !== libraryParameters) {
    // C_Initialize runs once per library and process (PKCS#11 v2.40 section 5.4).
    throw new TokenError(
      'E_MODULE_LOAD',
      `the PKCS#11 module ${path} is already initialized with other library parameters in this process`,
    );
  }
  if (!entry) {
    let module: PortModule;
    try {
      module = port.load(path, libraryParameters === undefined ? undefined : { libraryParameters });
    } catch (e) {
      if (e instanceof PortError && e.operation === 'C_Initialize') throw initializeError(e, ref);
      throw tokenError(e, { module: path });
    }
    entry = { module, refs: 0, libraryParameters };
    pool.set(path, entry);
  }
  entry.refs++;
  const held = entry;
  const owner = pool;
  let released = false;
  return {
    module: held.module,
    path,
    release() {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      owner.delete(path);
      try {
        held.module.finalize();
      } catch {
        // Finalizing a module whose token was pulled may fail; nothing is left to clean up.
      }
    },
  };
}
