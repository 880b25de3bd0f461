/**
 * Reading the delegations of a targets role as the bytes go by. A claimed role delegates to up to
 * a million projects (PEP 480): every key and every role is still checked as strictly as
 * Delegations.fromJSON checks them (TUF specification 1.0.x section 4.5: unique role names,
 * thresholds >= 1, every keyid a role lists present in "keys"), but each entry is dropped once
 * checked. When the bytes are the object's canonical JSON they are kept instead, and become
 * objects only when first used (CompactDelegations; docs/performance.md).
 */
import { FormatError } from './errors.js';
import { FieldReader, join, asArray, asObject } from './fields.js';
import { Key } from './key.js';
import { DelegatedRole, Delegations, SuccinctRoles } from './roles.js';
import { parseStrictJson, StreamedContainer, type ReadPlan } from './strict-json.js';

export class DelegationsReading {
  private readonly keyids = new Set<string>();
  private readonly names = new Set<string>();
  /** Roles read before any key (keys after roles: not canonical order, but valid JSON). */
  private readonly deferred: Array<{ at: string; keyids: readonly string[] }> = [];
  private keysBegun = false;
  /** Whether the plan met a delegations value (whose keys and roles may then be streamed). */
  met = false;
  /** Where the delegations object lies in the input, and whether it is canonical there. */
  range: { start: number; end: number; canonical: boolean } | undefined;
  readonly plan: ReadPlan;

  constructor(private readonly path: string) {
    const keysAt = join(path, 'keys');
    const rolesAt = join(path, 'roles');
    this.plan = {
      range: (start, end, canonical) => {
        this.met = true;
        this.range = { start, end, canonical };
      },
      members: {
        keys: { each: (keyid, value) => this.key(keysAt, keyid, value) },
        roles: { each: (index, value) => this.role(rolesAt, index, value) },
      },
    };
  }

  private key(keysAt: string, keyid: string | number, value: unknown): void {
    if (typeof keyid !== 'string') throw new FormatError(keysAt, 'expected an object, got an array');
    this.keysBegun = true;
    Key.fromJSON(value, join(keysAt, keyid));
    this.keyids.add(keyid);
  }

  private role(rolesAt: string, index: string | number, value: unknown): void {
    if (typeof index !== 'number') throw new FormatError(rolesAt, 'expected an array, got an object');
    const at = join(rolesAt, index);
    const role = DelegatedRole.fromJSON(value, at);
    if (this.names.has(role.name)) throw new FormatError(at, `role "${role.name}" is delegated twice`);
    this.names.add(role.name);
    if (this.keysBegun) this.checkKeyids(at, role.keyids);
    else this.deferred.push({ at, keyids: role.keyids });
  }

  private checkKeyids(at: string, keyids: readonly string[]): void {
    for (const keyid of keyids) {
      if (!this.keyids.has(keyid)) throw new FormatError(`${at}.keyids`, `keyid ${keyid} is not in delegations.keys`);
    }
  }

  /**
   * The Delegations for the object the plan read (`value`, with StreamedContainers for keys and
   * roles). `bytes` holds the object's bytes from `offset` on: the input, or a copy of part of it.
   */
  delegations(value: unknown, bytes: Buffer, offset: number): Delegations {
    const r = FieldReader.of(value, this.path);
    const keys = r.raw('keys');
    if (!(keys instanceof StreamedContainer)) asObject(keys, r.at('keys'));
    else if (keys.kind !== 'object') throw new FormatError(r.at('keys'), 'expected an object, got an array');
    let hasRoles = false;
    if (r.has('roles')) {
      const roles = r.raw('roles');
      if (!(roles instanceof StreamedContainer)) asArray(roles, r.at('roles'));
      else if (roles.kind !== 'array') throw new FormatError(r.at('roles'), 'expected an array, got an object');
      hasRoles = true;
    }
    const succinct = r.has('succinct_roles') ? SuccinctRoles.fromJSON(r.raw('succinct_roles'), r.at('succinct_roles')) : undefined;
    if (hasRoles === (succinct !== undefined)) throw new FormatError(this.path, 'exactly one of "roles" and "succinct_roles" must be set');
    for (const d of this.deferred) this.checkKeyids(d.at, d.keyids);
    if (succinct) this.checkKeyids(r.at('succinct_roles'), succinct.keyids);
    const unrecognized = r.rest();
    const { start, end, canonical } = this.range!;
    const own = bytes.subarray(start - offset, end - offset);
    if (canonical) return Delegations.compact({ canonical: own, path: this.path }, hasRoles, succinct, unrecognized);
    // Checked, but not in canonical form (whitespace, say): read again, keeping everything.
    return Delegations.fromJSON(parseStrictJson(own, this.path), this.path);
  }
}
