/**
 * Three admins with fresh SoftHSM2 tokens in a temporary folder, the rehearsal plan's online keys
 * made fresh too, and a token profile pointing at them. Each test file makes its own.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenProvider } from '../../src/ceremony/signers/token-provider.js';
import { pinSource } from '../../src/keys/pin.js';
import { loadProfile } from '../../src/keys/profile.js';
import { createTestTokens } from '../../src/keys/softhsm.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';

export const SCRIPTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ceremony-scripts');
export const ADMINS = ['admin-a', 'admin-b', 'admin-c'] as const;
export const ONLINE = ['snapshot', 'timestamp', 'recently-claimed', 'unclaimed'] as const;

export interface Admins {
  dir: string;
  planPath: string;
  profilePath: string;
  provider: TokenProvider;
  online: Record<(typeof ONLINE)[number], Ed25519Signer>;
  serials: Record<string, string>;
}

/** A profile entry like the rehearsal profile's: token labelled as the holder, PIN in its file. */
export function holderEntry(holder: string, token = holder): Record<string, unknown> {
  return {
    token: { label: token },
    keys: { root: `root-${token}`, targets: `targets-${token}`, claimed: `claimed-${token}` },
    pin: { file: `softhsm/pins/${token}.pin` },
  };
}

/**
 * Tokens admin-a, admin-b, admin-c (PINs in files), the rehearsal plan and profile copied next to
 * them, with fresh online keys. `editPlan` may change the plan before it is written.
 */
export function makeAdmins(
  prefix: string,
  options: { editPlan?: (plan: Record<string, any>) => void; extraHolders?: string[] } = {},
): Admins {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const holders = [...ADMINS, ...(options.extraHolders ?? [])];
  const tokens = createTestTokens(
    join(dir, 'softhsm'),
    holders.map((label, i) => ({ label, soPin: `so-${label}-${i}`, userPin: `pin-${label}-${i}1` })),
  );
  process.env['SOFTHSM2_CONF'] = tokens.conf;
  mkdirSync(join(dir, 'online-keys'));
  const online = {} as Admins['online'];
  for (const role of ONLINE) {
    online[role] = Ed25519Signer.generate(`online ${role} key`);
    writeFileSync(join(dir, 'online-keys', `${role}.pub.json`), serializeJson(online[role].key.toJSON()));
  }
  const plan = JSON.parse(readFileSync(join(SCRIPTS, 'rehearsal-plan.json'), 'utf8'));
  options.editPlan?.(plan);
  const planPath = join(dir, 'plan.json');
  writeFileSync(planPath, `${JSON.stringify(plan, null, 2)}\n`);
  const profilePath = join(dir, 'profile.json');
  const profileJson = JSON.parse(readFileSync(join(SCRIPTS, 'rehearsal-profile.json'), 'utf8'));
  for (const h of options.extraHolders ?? []) profileJson.holders[h] = holderEntry(h);
  writeFileSync(profilePath, JSON.stringify(profileJson, null, 2));
  const profile = loadProfile(profilePath);
  return {
    dir,
    planPath,
    profilePath,
    provider: new TokenProvider(profile, pinSource({})),
    online,
    serials: Object.fromEntries(tokens.tokens.map((t) => [t.label, t.serial])),
  };
}
