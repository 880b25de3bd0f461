import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/tuf/json/canonical-json.js';
import { Metadata, type Targets } from '../../../src/tuf/model/metadata.js';
import { DelegatedRole } from '../../../src/tuf/model/roles.js';
import { contentSha256, sameContent } from '../../../src/tuf/model/role-content.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';

const vectors = resolve(import.meta.dirname, '..', '..', 'vectors', 'pep480-repo');
const claimed = () => Metadata.fromBytes<Targets>(readFileSync(join(vectors, '1.claimed.json')), '1.claimed.json');

describe('the content of a role: everything but version and expires', () => {
  it('is the same after a re-sign whose version changes length (9 → 10) and whose expiry moves', () => {
    const v9 = claimed().edit((s) => (s.version = 9));
    const v10 = claimed().edit((s) => {
      s.version = 10;
      s.expires = new Date(Date.UTC(2040, 5, 1));
    });
    expect(sameContent(v9, v10)).toBe(true);
    expect(contentSha256(v9)).toBe(contentSha256(v10));
  });

  it('hashes the canonical JSON of signed without version and expires (what a re-sign event records)', () => {
    const md = claimed();
    const json = md.signed.toJSON();
    delete json['version'];
    delete json['expires'];
    expect(contentSha256(md)).toBe(sha256Hex(canonicalize(json)));
  });

  it('is compared through the tree when a custom top-level field has a name that is not plain ASCII', () => {
    const base = claimed().edit((s) => (s.unrecognized['x-café'] = 'note'));
    const resigned = base.edit((s) => (s.version += 1));
    const changed = base.edit((s) => (s.unrecognized['x-café'] = 'other'));
    expect(sameContent(base, resigned)).toBe(true);
    expect(sameContent(base, changed)).toBe(false);
    expect(contentSha256(changed)).not.toBe(contentSha256(base));
  });

  it('differs when one delegation changes by one byte, the payload length unchanged', () => {
    const before = claimed();
    const after = before.edit((s) => {
      const roles = s.delegations!.roles!;
      const r = roles[0]!;
      roles[0] = new DelegatedRole(r.name, r.keyids, r.threshold, !r.terminating, r.paths, r.pathHashPrefixes);
    });
    expect(after.payload().length).not.toBe(before.payload().length); // true ↔ false
    const flipped = before.edit((s) => {
      const roles = s.delegations!.roles!;
      const r = roles[0]!;
      const name = r.name.slice(0, -1) + (r.name.endsWith('a') ? 'b' : 'a');
      roles[0] = new DelegatedRole(name, r.keyids, r.threshold, r.terminating, r.paths, r.pathHashPrefixes);
    });
    expect(flipped.payload().length).toBe(before.payload().length);
    expect(sameContent(before, flipped)).toBe(false);
    expect(sameContent(before, after)).toBe(false);
    expect(contentSha256(flipped)).not.toBe(contentSha256(before));
  });
});
