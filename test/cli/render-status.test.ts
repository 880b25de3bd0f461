/**
 * `status` for people (src/cli/render-status.ts): it fits a terminal, so a role with more keys than
 * a plan's admins shows the first of them and says how many more `--all-keys` shows; names and
 * paths from files are escaped; the token deviations accepted at init are listed.
 */
import { describe, expect, it } from 'vitest';
import type { RepositoryStatus, StatusRole } from '../../src/ceremony/lifecycle/repository-status.js';
import { KEYS_SHOWN, renderStatus } from '../../src/cli/render-status.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';

const key = (i: number) => ({
  keyid: sha256Hex(`key ${i}`),
  holder: `admin-${i}`,
  keytype: 'ecdsa',
  scheme: 'ecdsa-sha2-nistp256',
  serials: [`serial-${i}`],
});

function status(roles: StatusRole[], extra: Partial<RepositoryStatus> = {}): RepositoryStatus {
  return {
    repository: 'example-index',
    dir: '/srv/index',
    at: '2026-05-01T09:00:00Z',
    roles,
    claimed: { layout: 'flat', projects: 3 },
    pending: [],
    deviations: [],
    transcript: { ok: true, records: 4, head: sha256Hex('head') },
    ...extra,
  };
}

describe('status for people', () => {
  const root: StatusRole = {
    role: 'root',
    online: false,
    version: 3,
    expires: '2027-05-01T09:00:00Z',
    daysLeft: 365,
    expired: false,
    delegatedBy: 'root',
    threshold: 5,
    keys: Array.from({ length: KEYS_SHOWN + 2 }, (_, i) => key(i)),
  };

  it('shows the first keys of a role with many, and every key with --all-keys', () => {
    const short = renderStatus(status([root]), false);
    for (let i = 0; i < KEYS_SHOWN; i++) expect(short).toContain(`${key(i).keyid}  token serial-${i}`);
    expect(short).not.toContain(key(KEYS_SHOWN).keyid);
    expect(short).toContain('… and 2 more keys (--all-keys)');
    const all = renderStatus(status([root]), true);
    expect(all).toContain(key(KEYS_SHOWN + 1).keyid);
    expect(all).not.toContain('more keys');
  });

  it('lists the token deviations accepted at init, and escapes what files hold', () => {
    const text = renderStatus(
      status([{ ...root, keys: [{ ...key(1), holder: 'admin\u001b[8m-x' }] }], {
        deviations: [
          {
            holder: 'admin-a',
            purpose: 'root',
            keyid: sha256Hex('k'),
            serial: '0f3c',
            module: 'hsm-x',
            library: '/usr/lib/x.so',
            accepted: ['CKA_LOCAL=false'],
          },
        ],
        lastExport: { seq: 9, time: '2026-05-01T10:00:00Z', sequence: 2, bundle: '/media/b\u202e/bundle-000002' },
      }),
      false,
    );
    expect(text).toContain(
      `Token deviations accepted at init: 1\n  admin-a root key ${sha256Hex('k')} on token 0f3c (hsm-x): CKA_LOCAL=false`,
    );
    expect(text).toContain('admin\\u001b[8m-x');
    expect(text).toContain('last export: bundle 2 at 2026-05-01T10:00:00Z (record #9), /media/b\\u202e/bundle-000002');
    expect(text).not.toMatch(/[\u001b\u202e]/);
  });
});
