/**
 * End to end from the command line with one admin's keys on two PKCS#11 modules (issue 21's "done
 * when"): admin-a's root key on a SoftHSM2 token, their targets and claimed keys (P-256) on an NSS
 * softokn database whose module the profile accepts CKA_LOCAL=false for. `init` generates them all
 * and records the accepted deviation with its module; one `event sign` run signs root, targets and
 * claimed for admin-a, PINs from the profile's PIN file (SoftHSM) and environment variable (NSS);
 * `event status` counts admin-a's signatures; `transcript show` names the accepted deviations.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { createNssDatabase, NSS_DB_TOKEN_LABEL, nssAvailable, type NssDatabase } from '../../src/keys/nss-softokn.js';
import { runCli } from '../helpers/cli.js';
import { makeAdmins, type Admins } from '../helpers/softhsm-admins.js';

const NSS_PIN = 'nss-admin-a-pin-1';
const ENV = { TEST_NSS_PIN_ADMIN_A: NSS_PIN };

let a: Admins;
let nss: NssDatabase;
let repo: string;
let eventDir: string;
let initJson: { keys: Array<{ holder: string; role: string; keyid: string; keytype: string }> };

interface SignerJson {
  keyid: string;
  holder: string | null;
}

beforeAll(async () => {
  // scripts/setup.sh installs libnss3 and libnss3-tools; without them this fails loudly, never skips.
  if (!nssAvailable()) throw new Error('libnss3 and libnss3-tools (certutil) are missing: run scripts/setup.sh');
  a = makeAdmins('tuf-mixed-tokens');
  nss = createNssDatabase(join(a.dir, 'nssdb'), NSS_PIN);
  const profile = JSON.parse(readFileSync(a.profilePath, 'utf8'));
  profile.modules = {
    nss: { path: nss.module, libraryParameters: nss.libraryParameters, accept: ['CKA_LOCAL=false'] },
  };
  profile.holders['admin-a'] = {
    tokens: [
      { token: { label: 'admin-a' }, keys: { root: 'root-admin-a' }, pin: { file: 'softhsm/pins/admin-a.pin' } },
      {
        module: 'nss',
        token: { label: NSS_DB_TOKEN_LABEL },
        keys: { targets: 'targets-admin-a', claimed: 'claimed-admin-a' },
        pin: { env: 'TEST_NSS_PIN_ADMIN_A' },
      },
    ],
  };
  writeFileSync(a.profilePath, JSON.stringify(profile, null, 2));
  repo = join(a.dir, 'repo');
  const init = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repo, '--json'], {
    env: ENV,
  });
  if (init.code !== 0) throw new Error(`init failed (${init.code}): ${init.stderr}`);
  initJson = JSON.parse(init.stdout);
  eventDir = JSON.parse(init.stdout).event.dir;
});

afterAll(() => {
  if (a) rmSync(a.dir, { recursive: true, force: true });
});

describe("init and event sign with an admin's keys on SoftHSM and NSS softokn", () => {
  it('init generates every key, the NSS ones as P-256, and records the accepted deviation with its module; transcript show names it', async () => {
    const mine = initJson.keys.filter((k) => k.holder === 'admin-a');
    expect(mine.map((k) => [k.role, k.keytype])).toEqual([
      ['root', 'ecdsa'],
      ['targets', 'ecdsa'],
      ['claimed', 'ecdsa'],
    ]);
    const records = readFileSync(join(repo, 'transcript.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const init = records.find((r) => r.step === 'init');
    const keyid = (role: string) => mine.find((k) => k.role === role)!.keyid;
    expect(init.details.accepted_deviations).toEqual([
      {
        holder: 'admin-a',
        purpose: 'targets',
        keyid: keyid('targets'),
        serial: '0000000000000000',
        module: 'nss',
        library: nss.module,
        accepted: ['CKA_LOCAL=false'],
      },
      {
        holder: 'admin-a',
        purpose: 'claimed',
        keyid: keyid('claimed'),
        serial: '0000000000000000',
        module: 'nss',
        library: nss.module,
        accepted: ['CKA_LOCAL=false'],
      },
    ]);
    // transcript show names each accepted deviation on a line of its own, for witnesses to read.
    const shown = await runCli(['transcript', 'show', '--repo', repo]);
    expect(shown.code).toBe(0);
    const deviationLines = shown.stdout.split('\n').filter((l) => l.includes('accepted deviation'));
    expect(deviationLines).toEqual(
      ['targets', 'claimed'].map(
        (role) =>
          `    accepted deviation: admin-a's ${role} key ${keyid(role).slice(0, 16)} (token serial ` +
          `0000000000000000, module "nss", ${nss.module}): CKA_LOCAL=false`,
      ),
    );
    // One token entry per token: admin-a's SoftHSM token and the NSS database.
    expect(init.tokens.filter((t: { holder: string }) => t.holder === 'admin-a')).toEqual([
      { holder: 'admin-a', serial: a.serials['admin-a'], keyids: [keyid('root')] },
      { holder: 'admin-a', serial: '0000000000000000', keyids: [keyid('targets'), keyid('claimed')] },
    ]);
  });

  it('one event sign run signs root (SoftHSM) and targets and claimed (NSS); event status counts them', async () => {
    const digest = SigningEvent.load(eventDir).digest;
    const signed = await runCli(
      [
        'event',
        'sign',
        eventDir,
        '--profile',
        a.profilePath,
        '--repo',
        repo,
        '--holder',
        'admin-a',
        '--confirm',
        digest,
        '--json',
      ],
      { env: ENV },
    );
    expect(signed.stderr).not.toContain('warning:');
    expect(signed.code).toBe(0);
    const doc = JSON.parse(signed.stdout);
    expect(doc.signed.map((s: { role: string; serial: string }) => [s.role, s.serial])).toEqual([
      ['root', a.serials['admin-a']],
      ['targets', '0000000000000000'],
      ['claimed', '0000000000000000'],
    ]);

    const status = await runCli(['event', 'status', eventDir, '--json']);
    // 2-of-3 thresholds: incomplete with one admin's signatures (exit 6).
    expect(status.code).toBe(6);
    const st = JSON.parse(status.stdout);
    for (const role of ['root', 'targets', 'claimed']) {
      const r = st.roles.find((x: { role: string }) => x.role === role);
      for (const t of r.thresholds) {
        expect(t.have, `${role} ${t.label}`).toBe(1);
        expect(t.signed.map((s: SignerJson) => s.holder)).toEqual(['admin-a']);
        expect(t.missing.map((s: SignerJson) => s.holder)).not.toContain('admin-a');
      }
    }
    expect(st.missing_holders).not.toContain('admin-a');
    const records = readFileSync(join(repo, 'transcript.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const sign = records.find((r) => r.step === 'event-sign');
    expect(sign.tokens.map((t: { serial: string; keyids: string[] }) => [t.serial, t.keyids.length])).toEqual([
      [a.serials['admin-a'], 1],
      ['0000000000000000', 2],
    ]);
  });
});
