/**
 * A bootstrapped repository for maintenance tests: a plan with three admins, online keys in files
 * (the online service's keys: software), `init` through a SignerProvider (the admins' SoftHSM
 * tokens, tokens.ts), the bootstrap event signed by a threshold and finalized. Time comes from the caller, never the clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepository } from '../../src/ceremony/lifecycle/bootstrap.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { signEvent } from '../../src/ceremony/events/event-sign.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import type { Repository } from '../../src/ceremony/state/repository.js';
import { SoftwareProvider, type SignerProvider } from '../../src/ceremony/signers/signer-provider.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import type { Key } from '../../src/tuf/model/key.js';

export const ADMINS = ['alice', 'bob', 'carol'];
export const T0 = new Date('2030-01-01T00:00:00Z');
export const DAY = 86_400_000;
export const day = (n: number): Date => new Date(T0.getTime() + n * DAY);
export const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface PlanOptions {
  /** Period of every offline role (so all expire together), default 90d. */
  period?: string;
  rootThreshold?: number;
  claimedBins?: number;
  /** Roles whose keys the plan requires to be sign-only (`roles.<role>.sign_only`). */
  signOnly?: Array<'root' | 'targets' | 'claimed'>;
}

export function tempDir(prefix = 'maint-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeKeyFile(path: string, key: Key): string {
  writeFileSync(path, serializeJson(key.toJSON()));
  return path;
}

/** plan.json and the online public key files in `dir`; returns the plan path and the online signers. */
export function writePlan(
  dir: string,
  o: PlanOptions = {},
): { planPath: string; online: Record<string, Ed25519Signer> } {
  const online: Record<string, Ed25519Signer> = {};
  const onlineJson: Record<string, { key: string }> = {};
  for (const role of ['snapshot', 'timestamp', 'recently-claimed', 'unclaimed']) {
    online[role] = Ed25519Signer.generate(`online ${role}`);
    onlineJson[role] = { key: `online-${role}.json` };
    writeKeyFile(join(dir, `online-${role}.json`), online[role].key);
  }
  const period = o.period ?? '90d';
  const signOnly = (role: 'root' | 'targets' | 'claimed') => (o.signOnly?.includes(role) ? { sign_only: true } : {});
  const plan = {
    plan_format: 1,
    repository: 'example-index',
    admins: ADMINS.map((name) => ({
      name,
      contact: `${name}@example.org`,
      keys: { root: { type: 'ed25519' }, targets: { type: 'ed25519' }, claimed: { type: 'ed25519' } },
    })),
    roles: {
      root: { threshold: o.rootThreshold ?? 2, expires: period, ...signOnly('root') },
      targets: { threshold: 1, expires: period, ...signOnly('targets') },
      claimed: {
        threshold: 2,
        expires: period,
        ...(o.claimedBins ? { bins: { bit_length: o.claimedBins } } : {}),
        ...signOnly('claimed'),
      },
    },
    online: onlineJson,
    project_paths: ['{project}/*'],
    expiry_warning: '14d',
  };
  const planPath = join(dir, 'plan.json');
  writeFileSync(planPath, JSON.stringify(plan, null, 2));
  return { planPath, online };
}

/** Sign every role of an event by `holders`, confirming the exact payload digests. */
export async function signAs(
  event: SigningEvent,
  holders: string[],
  provider: SignerProvider,
  repo?: Repository,
): Promise<void> {
  await signEvent({
    event,
    holders,
    provider,
    confirm: event.roles().map((r) => r.payloadSha256),
    log: () => {},
    repo,
  });
}

export interface Bootstrapped {
  dir: string;
  repoDir: string;
  repo: Repository;
  online: Record<string, Ed25519Signer>;
  cleanup(): void;
}

/** A repository bootstrapped at T0: root, targets and claimed v1 signed by alice and bob. */
export async function bootstrap(
  provider: SignerProvider,
  o: PlanOptions & { dir?: string } = {},
): Promise<Bootstrapped> {
  const dir = o.dir ?? tempDir();
  const { planPath, online } = writePlan(dir, o);
  const repoDir = join(dir, 'repo');
  const init = await initRepository({ planPath, repoDir, provider, now: T0, log: () => {} });
  await signAs(init.event, ['alice', 'bob'], provider);
  finalizeEvent(init.repo, SigningEvent.load(init.event.dir), { at: T0 });
  return { dir, repoDir, repo: init.repo, online, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A public key naming its holder, as data for checks that never sign with it. */
export function owned(holder: string): Ed25519Signer {
  return new Ed25519Signer(crypto.getRandomValues(new Uint8Array(32)), holder, { 'x-ceremony-owner': holder });
}

/** Software keys for every admin and purpose (for tests of file handling, not of keys). */
export function softwareProvider(): SoftwareProvider {
  return new SoftwareProvider((holder, purpose) => Ed25519Signer.generate(`${holder} ${purpose}`));
}
