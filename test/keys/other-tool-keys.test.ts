/**
 * Keys made by other tools (docs/tokens.md, "Keys made by other tools"): a P-256 key pair made on a
 * SoftHSM token through the PKCS#11 port with CKA_DECRYPT and CKA_DERIVE true, as OpenSC's
 * pkcs11-tool or a vendor tool might. token list shows its capabilities (the private key's only
 * after a login) and warns; event sign warns right after the login, and refuses it (exit 5)
 * when the plan requires sign-only keys for the role; init refuses a new key that is not sign-only.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from '../../src/ceremony/lifecycle/bootstrap.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import type { SignerProvider } from '../../src/ceremony/signers/signer-provider.js';
import { pinSource } from '../../src/keys/pin.js';
import { loadProfile } from '../../src/keys/profile.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { listProfileTokens } from '../../src/keys/token-keys.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/failure.js';
import { makeAdmins, type Admins } from '../helpers/softhsm-admins.js';
import { generateAsOtherTool, withTokenSession } from './token-backends.js';

let a: Admins;
const LABEL = 'claimed-admin-a';

/** What another tool would do: C_GenerateKeyPair with decrypt and derive allowed (PKCS#11 v2.40 section 4.9). */
function makeKeyWithOtherTool(pin: string): void {
  const module = loadProfile(a.profilePath).modules['default']!;
  withTokenSession(module, 'admin-a', pin, (session) =>
    generateAsOtherTool(session, LABEL, { decrypt: true, derive: true }),
  );
}

beforeAll(async () => {
  a = makeAdmins('tuf-other-tool', {
    editPlan: (plan) => {
      plan.admins[0].keys.claimed = { import: 'claimed-a.pub.json' };
    },
  });
  const profile = loadProfile(a.profilePath);
  makeKeyWithOtherTool(await pinSource({}).pinFor(profile.holders['admin-a']!.tokens[0]!, 'admin-a'));
  const exported = await runCli([
    'key',
    'export',
    '--profile',
    a.profilePath,
    '--holder',
    'admin-a',
    '--purpose',
    'claimed',
    '--out',
    join(a.dir, 'claimed-a.pub.json'),
  ]);
  expect(exported.code).toBe(0);
});

afterAll(() => {
  if (a) rmSync(a.dir, { recursive: true, force: true });
});

describe('a key made by another tool that can also decrypt and derive', () => {
  it('token list shows the public key capabilities and asks for a login to see the private key', async () => {
    const listing = await listProfileTokens(loadProfile(a.profilePath));
    const key = listing[0]!.tokens.find((t) => t.label === 'admin-a')!.keys.find((k) => k.label === LABEL)!;
    expect(key.publicCapabilities).toContain('verify');
    expect(key.privateCapabilities).toBeUndefined();
    const r = await runCli(['token', 'list', '--profile', a.profilePath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('log in to see private-key attributes');
    expect(r.stdout).not.toContain('warning:');
  });

  it('token list --login reads the private key in the same session: capabilities, a warning, and --json', async () => {
    const r = await runCli(['token', 'list', '--profile', a.profilePath, '--login']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `${LABEL} +ecdsa-p256 +[0-9a-f]{16} +private: sign,decrypt,derive; public: verify[^\n]*\n +TUF keyid:`,
      ),
    );
    expect(r.stdout).toContain(`warning: key "${LABEL}" can also decrypt, derive, not only sign`);
    // Keys made by key generate are sign-only: no warning for them.
    expect(r.stdout.match(/warning:/g)).toHaveLength(1);
    const json = JSON.parse((await runCli(['token', 'list', '--profile', a.profilePath, '--login', '--json'])).stdout);
    const token = json.modules[0].tokens.find((t: { label: string }) => t.label === 'admin-a');
    expect(token.logged_in).toBe(true);
    const key = token.keys.find((k: { label: string }) => k.label === LABEL);
    expect(key.capabilities.private).toEqual(['sign', 'decrypt', 'derive']);
    expect(key.beyond_signing).toEqual(['decrypt', 'derive']);
  });

  it('event sign warns, and refuses it (exit 5) when the plan requires sign-only claimed keys', async () => {
    const repo = join(a.dir, 'repo');
    const init = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repo, '--json']);
    expect(init.code).toBe(0);
    const eventDir = JSON.parse(init.stdout).event.dir as string;
    const digest = SigningEvent.load(eventDir).digest;
    const strictPlan = join(a.dir, 'strict-plan.json');
    const plan = JSON.parse(readFileSync(a.planPath, 'utf8'));
    plan.roles.claimed.sign_only = true;
    writeFileSync(strictPlan, JSON.stringify(plan));
    const refused = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      a.profilePath,
      '--repo',
      repo,
      '--plan',
      strictPlan,
      '--holder',
      'admin-a',
      '--confirm',
      digest,
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`admin-a's claimed key "${LABEL}"`);
    expect(refused.stderr).toContain(
      'can also decrypt, derive, not only sign; the plan requires sign-only claimed keys (roles.claimed.sign_only)',
    );
    expect(
      SigningEvent.load(eventDir)
        .roles()
        .every((r) => r.metadata.signatures.size === 0),
    ).toBe(true);

    const signed = await runCli([
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
    ]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain(
      `warning: admin-a's claimed key "${LABEL}" (token serial ${a.serials['admin-a']}) can also decrypt, derive, not only sign`,
    );
    // The warning comes before any signature.
    const warnedAt = signed.stderr.indexOf('warning: admin-a');
    expect(warnedAt).toBeGreaterThan(0);
    expect(signed.stderr.indexOf('  signed root v1 as')).toBeGreaterThan(warnedAt);
    expect(signed.stdout).toContain('signed claimed v1 as admin-a');
  });

  it('init refuses a new key that is not sign-only for a role that requires it', async () => {
    const plan = JSON.parse(readFileSync(a.planPath, 'utf8'));
    plan.admins[0].keys.claimed = { type: 'ed25519' };
    plan.roles.root.sign_only = true;
    const planPath = join(a.dir, 'plan-sign-only.json');
    writeFileSync(planPath, JSON.stringify(plan));
    // A provider whose token reports the new root key of admin-b as able to unwrap too.
    const provider: SignerProvider = {
      open: () => Promise.reject(new Error('not used')),
      async generate(holder, purpose) {
        const s = Ed25519Signer.generate(`${holder} ${purpose}`);
        return {
          key: s.key,
          serial: 'S1',
          label: `${purpose}-${holder}`,
          capabilities: holder === 'admin-b' && purpose === 'root' ? ['sign', 'unwrap'] : ['sign'],
        };
      },
    };
    const e = await rejection(
      initRepository({ planPath, repoDir: join(a.dir, 'repo-strict'), provider, log: () => {} }),
    );
    expect(e.code).toBe('E_KEY_NOT_SIGN_ONLY');
    expect(e.message).toContain(`admin-b's new root key "root-admin-b" (token serial S1) can also unwrap`);
  });
});
