/** Fresh SoftHSM2 tokens in a temporary folder per test file, and a profile naming them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTokens, type TestTokenSpec, type TestTokens } from '../../src/keys/softhsm.js';
import { loadProfile, type TokenProfile } from '../../src/keys/profile.js';
import { pinSource, type PinSource } from '../../src/keys/pin.js';

export interface Fixture extends TestTokens {
  dir: string;
  serialOf(label: string): string;
  pinFileOf(label: string): string;
  /** Write a profile file in the fixture folder and load it. */
  profile(name: string, json: unknown): TokenProfile;
  cleanup(): void;
}

/** Make tokens and point SOFTHSM2_CONF of this process at them (never the system configuration). */
export function freshTokens(specs: TestTokenSpec[], options: { disableMechanisms?: string[] } = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-hsm-'));
  const made = createTestTokens(join(dir, 'hsm'), specs, options);
  process.env['SOFTHSM2_CONF'] = made.conf;
  const byLabel = (label: string) => {
    const t = made.tokens.find((x) => x.label === label);
    if (!t) throw new Error(`no test token ${label}`);
    return t;
  };
  return {
    ...made,
    dir,
    serialOf: (label) => byLabel(label).serial,
    pinFileOf: (label) => byLabel(label).pinFile,
    profile(name, json) {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(json, null, 2));
      return loadProfile(path);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** PINs from a fixed map by token label, as a person would type them. */
export function fixedPins(byToken: Record<string, string>): PinSource {
  return pinSource({}, async (question) => {
    const label = /token "([^"]+)"/.exec(question)?.[1] ?? '';
    return byToken[label] ?? '';
  });
}
