/**
 * A claimed-like targets role (PEP 480): one terminating delegation per project, each to its own
 * Ed25519 key with threshold 1 and the project's name as its only path.
 */
import { Key } from '../src/tuf/model/key.js';
import { Metadata, Targets } from '../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../src/tuf/model/roles.js';

/** Names of the same length as a typical PyPI project name (15 characters). */
export function projectName(i: number): string {
  return `project-${String(i).padStart(7, '0')}`;
}

/**
 * The role delegating project i to the i-th 32-byte key of `publicKeys`. `checkpoint` is called
 * every few thousand delegations (the benchmark samples memory there). Read-only (Metadata#freeze);
 * change a copy made by Metadata#edit.
 */
export function buildClaimedRole(
  publicKeys: Buffer,
  expires: Date,
  checkpoint: () => void = () => {},
): Metadata<Targets> {
  const count = publicKeys.length / 32;
  const keys = new Map<string, Key>();
  const roles: DelegatedRole[] = [];
  for (let i = 0; i < count; i++) {
    const key = new Key('ed25519', 'ed25519', { public: publicKeys.toString('hex', i * 32, i * 32 + 32) });
    const keyid = key.keyid;
    const name = projectName(i);
    keys.set(keyid, key);
    roles.push(new DelegatedRole(name, [keyid], 1, true, [name], undefined));
    if (i % 8192 === 0) checkpoint();
  }
  const targets = new Targets({ version: 1, expires, delegations: new Delegations(keys, roles, undefined) });
  // Frozen: it is canonicalized, signed and written as it is, so its payload is made once.
  return new Metadata(targets).freeze();
}
