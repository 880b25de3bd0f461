/**
 * A plan may import an admin's existing public key instead of generating one at init; the
 * admin's token must then hold it when they sign (SoftHSM2 tokens).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from '../../../src/ceremony/lifecycle/bootstrap.js';
import { finalizeEvent } from '../../../src/ceremony/events/event-finalize.js';
import { signEvent } from '../../../src/ceremony/events/event-sign.js';
import { loadPlan } from '../../../src/ceremony/state/plan.js';
import { serializeJson } from '../../../src/tuf/json/canonical-json.js';
import type { Key } from '../../../src/tuf/model/key.js';
import { makeAdmins, type Admins } from '../../helpers/softhsm-admins.js';

let a: Admins;
let existing: Key;

beforeAll(async () => {
  a = makeAdmins('ceremony-import', {
    editPlan: (p) => (p.admins[1].keys.claimed = { import: 'admin-b-claimed.pub.json' }),
  });
  // admin-b made this key on their token before the ceremony and sent its public half.
  existing = (await a.provider.generate('admin-b', 'claimed', 'ecdsa-p256')).key;
  writeFileSync(join(a.dir, 'admin-b-claimed.pub.json'), serializeJson(existing.toJSON()));
});

describe('imported admin keys', () => {
  it('init uses the imported key, generates the others, and the admin signs with it', async () => {
    const init = await initRepository({
      planPath: a.planPath,
      repoDir: join(a.dir, 'repo'),
      provider: a.provider,
      log: () => {},
    });
    expect(init.adminKeys.get('admin-b/claimed')!.keyid).toBe(existing.keyid);
    expect(init.adminKeys.size).toBe(9);
    const confirm = init.event.roles().map((r) => r.payloadSha256);
    const res = await signEvent({
      event: init.event,
      holders: ['admin-b', 'admin-c'],
      provider: a.provider,
      confirm,
      log: () => {},
    });
    expect(res.signed.filter((s) => s.role === 'claimed').map((s) => s.keyid)).toContain(existing.keyid);
    expect(res.status.complete).toBe(true);
    expect(finalizeEvent(init.repo, init.event).report.ok).toBe(true);
  });

  it('a key file that names another owner is refused', () => {
    writeFileSync(
      join(a.dir, 'admin-b-claimed.pub.json'),
      serializeJson(existing.withCustomFields({ 'x-ceremony-owner': 'admin-c' }).toJSON()),
    );
    expect(() => loadPlan(a.planPath)).toThrow(
      /admins\[1\]\.keys\.claimed\.import: the key file says it belongs to "admin-c", not "admin-b"/,
    );
  });
});
