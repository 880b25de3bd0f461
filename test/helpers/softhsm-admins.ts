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
import { runCli } from '../helpers/cli.js';

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
  /** Make a token left out at first (`notYet`), as if its admin plugged it in now. */
  insert(label: string): void;
  /** A copy of the profile in which no holder has a PIN file: PINs are typed at the prompt. */
  typedPinsProfile(): string;
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
  options: { editPlan?: (plan: Record<string, any>) => void; extraHolders?: string[]; notYet?: string[] } = {},
): Admins {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const holders = [...ADMINS, ...(options.extraHolders ?? [])];
  const spec = (label: string) => {
    const i = holders.indexOf(label);
    return { label, soPin: `so-${label}-${i}`, userPin: `pin-${label}-${i}1` };
  };
  const tokens = createTestTokens(join(dir, 'softhsm'), holders.filter((h) => !options.notYet?.includes(h)).map(spec));
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
  const serials = Object.fromEntries(tokens.tokens.map((t) => [t.label, t.serial]));
  return {
    dir,
    planPath,
    profilePath,
    provider: new TokenProvider(profile, pinSource({})),
    online,
    serials,
    insert(label) {
      for (const t of createTestTokens(join(dir, 'softhsm'), [spec(label)]).tokens) serials[t.label] = t.serial;
    },
    typedPinsProfile() {
      const typed = JSON.parse(readFileSync(profilePath, 'utf8'));
      for (const h of Object.values<Record<string, unknown>>(typed.holders)) delete h['pin'];
      const path = join(dir, 'profile-typed-pins.json');
      writeFileSync(path, JSON.stringify(typed, null, 2));
      return path;
    },
  };
}

/** The PIN an admin types (the one make-tokens.sh set). */
export function pinOf(a: Admins, label: string): string {
  return readFileSync(join(a.dir, 'softhsm', 'pins', `${label}.pin`), 'utf8').trim();
}

/** Admins whose init has run (PINs from files): the repository folder and the bootstrap event. */
export async function bootstrapped(prefix: string): Promise<{ a: Admins; repoDir: string; eventDir: string }> {
  const a = makeAdmins(prefix);
  const repoDir = join(a.dir, 'repo');
  const init = await runCli(['init', '--plan', a.planPath, '--profile', a.profilePath, '--repo', repoDir, '--json']);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  return { a, repoDir, eventDir: JSON.parse(init.stdout).event.dir };
}
