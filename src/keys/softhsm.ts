/**
 * Throwaway SoftHSM2 tokens for tests and rehearsals, through softhsm-config/make-tokens.sh (the
 * one implementation, usable from a shell too). Everything is written inside the given folder;
 * set SOFTHSM2_CONF to the returned `conf` before loading the module.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../tuf/base/index.js';

export interface TestTokenSpec {
  label: string;
  soPin: string;
  userPin: string;
}

export interface TestTokens {
  /** The softhsm2.conf to put in SOFTHSM2_CONF. */
  conf: string;
  /** The SoftHSM2 module path. */
  module: string;
  /** In the order given; `pinFile` holds the user PIN (mode 0600) for scripted runs. */
  tokens: Array<{ label: string; serial: string; pinFile: string }>;
}

/** softhsm-config/make-tokens.sh, found from this module in src/keys or dist/src/keys. */
export function makeTokensScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'softhsm-config', 'make-tokens.sh');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new UsageError('softhsm-config/make-tokens.sh not found next to the installed tool');
    dir = up;
  }
}

/**
 * Make tokens in `dir` (created when missing; calling again adds tokens). `disableMechanisms`
 * (e.g. ['CKM_EDDSA', 'CKM_EC_EDWARDS_KEY_PAIR_GEN'] to rehearse with a token that lacks Ed25519)
 * applies when the folder's configuration is first written.
 */
export function createTestTokens(
  dir: string,
  tokens: TestTokenSpec[],
  options: { disableMechanisms?: string[] } = {},
): TestTokens {
  const args = [makeTokensScript()];
  if (options.disableMechanisms?.length) args.push('--disable', options.disableMechanisms.join(','));
  args.push(dir, ...tokens.map((t) => `${t.label}:${t.soPin}:${t.userPin}`));
  let out: string;
  try {
    out = execFileSync('bash', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer | string }).stderr ?? '').trim();
    throw new UsageError(stderr || `make-tokens.sh failed: ${(e as Error).message}`, 'E_USAGE', { cause: e });
  }
  return JSON.parse(out) as TestTokens;
}

/**
 * The folder SoftHSM keeps a token in (its name is a UUID ending in the serial). Moving it away
 * makes the token vanish, as if unplugged.
 */
export function softhsmTokenFolder(conf: string, serial: string): string {
  const tokenDir = join(dirname(conf), 'tokens');
  const found = readdirSync(tokenDir).filter((d) => d.replace(/-/g, '').endsWith(serial));
  if (found.length !== 1)
    throw new UsageError(`${found.length} SoftHSM token folders in ${tokenDir} end with serial ${serial}`);
  return join(tokenDir, found[0]!);
}
