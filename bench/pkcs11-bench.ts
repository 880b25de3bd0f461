/**
 * Signing speed per key type on SoftHSM2, through the same path a ceremony uses (holder session,
 * PKCS#11 signer, software verification of every signature). Tokens are made in a temporary
 * folder and removed afterwards; SOFTHSM2_CONF is restored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinSource } from '../src/keys/pin.js';
import { parseProfile } from '../src/keys/profile.js';
import { createTestTokens } from '../src/keys/softhsm.js';
import { generateTokenKey, openHolderSession, TOKEN_KEY_TYPES } from '../src/keys/token-keys.js';

const PIN = 'bench-pin-1234';
/** A payload the size of a small signed role (canonical JSON of a root is a few KB). */
const PAYLOAD = Buffer.alloc(4096, 0x61);
const SECONDS_PER_TYPE = 1;

export async function benchPkcs11(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tuf-ceremony-bench-hsm-'));
  const previousConf = process.env['SOFTHSM2_CONF'];
  try {
    const made = createTestTokens(dir, [{ label: 'bench', soPin: 'bench-so-1234', userPin: PIN }]);
    process.env['SOFTHSM2_CONF'] = made.conf;
    const keys = Object.fromEntries(TOKEN_KEY_TYPES.map((t) => [t, `bench-${t}`]));
    const profile = parseProfile(
      { module: made.module, holders: { bench: { token: { label: 'bench' }, keys } } },
      join(dir, 'profile.json'),
    );
    const pins = pinSource({}, async () => PIN);
    console.log(`SoftHSM2 (${made.module}), ${PAYLOAD.length}-byte payload, each signature verified in software`);
    console.log('key type     generate (s)  signatures  seconds  signatures/s');
    for (const type of TOKEN_KEY_TYPES) {
      const started = performance.now();
      const info = await generateTokenKey(profile, 'bench', type, type, keys[type]!, pins);
      const generateSeconds = (performance.now() - started) / 1000;
      const session = await openHolderSession(profile, 'bench', pins);
      try {
        const signer = await session.signerFor(type, info.key);
        let count = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < SECONDS_PER_TYPE * 1000 || count < 10) {
          await signer.sign(PAYLOAD);
          count++;
        }
        const seconds = (performance.now() - t0) / 1000;
        console.log(
          `${type.padEnd(11)}  ${generateSeconds.toFixed(3).padStart(12)}  ` +
            `${String(count).padStart(10)}  ${seconds.toFixed(2).padStart(7)}  ` +
            `${(count / seconds).toFixed(1).padStart(12)}`,
        );
      } finally {
        await session.close();
      }
    }
  } finally {
    if (previousConf === undefined) delete process.env['SOFTHSM2_CONF'];
    else process.env['SOFTHSM2_CONF'] = previousConf;
    rmSync(dir, { recursive: true, force: true });
  }
}
