/**
 * One loaded PKCS#11 module per path and port, shared by everything open on it in this process.
 * C_Initialize is process-wide and C_Finalize ends every session of the module, so a second
 * holder's session must not finalize the first's: the module is finalized when the last lease is
 * released.
 */
import { graphenePort } from './graphene-port.js';
import type { Pkcs11Port, PortModule } from './pkcs11-port.js';
import { tokenError } from './token-errors.js';

export interface ModuleLease {
  readonly module: PortModule;
  readonly path: string;
  /** Give the lease back; safe to call twice. */
  release(): void;
}

interface Entry {
  module: PortModule;
  refs: number;
}

const pools = new WeakMap<Pkcs11Port, Map<string, Entry>>();

export function acquireModule(path: string, port: Pkcs11Port = graphenePort): ModuleLease {
  let pool = pools.get(port);
  if (!pool) pools.set(port, (pool = new Map()));
  let entry = pool.get(path);
  if (!entry) {
    let module: PortModule;
    try {
      module = port.load(path);
    } catch (e) {
      throw tokenError(e, { module: path });
    }
    entry = { module, refs: 0 };
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
