/**
 * `dev check` on a claimed role sharded by hash prefix: the project's own bin (the one a client's
 * search for the project's name as a target path enters, TUF specification 5.6.7 and PEP 458)
 * decides. A delegation of the same name in another bin, which no client reaches for that path,
 * can neither hide a delegation to other keys in the project's bin nor raise a false alarm.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { runCli } from '../helpers/cli.js';
import { addDelegation, delegation, honestRepo, RepoKeys, writeRepo } from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'dev-check-bins-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const keys = new RepoKeys();
const developerKey = join(tmp, 'developer.pub.json');
writeFileSync(developerKey, serializeJson(keys.developer.key.toJSON()));

/** The hashed layout's bin i takes the paths whose SHA-256 starts with a hex digit of 4i..4i+3. */
const binIndex = (path: string) => Math.floor(parseInt(createHash('sha256').update(path).digest('hex')[0]!, 16) / 4);
// A name whose own bin is not the first: a search in listing order meets another bin first.
const name = Array.from({ length: 50 }, (_, i) => `sharded-project-${i}`).find((n) => binIndex(n) >= 2)!;

async function check(own: 'developer' | 'attacker'): Promise<{ code: number; stdout: string; stderr: string }> {
  const d = honestRepo('hashed', keys);
  const other = own === 'developer' ? keys.attacker : keys.developer;
  const entry = (signer: typeof other) => delegation(name, [signer], { terminating: true, paths: [name] });
  addDelegation(d.roles.get('claimed-bin-0')!, entry(other));
  addDelegation(
    d.roles.get(`claimed-bin-${binIndex(name)}`)!,
    entry(own === 'developer' ? keys.developer : keys.attacker),
  );
  const repo = await writeRepo(d, join(tmp, own));
  return runCli([
    'dev',
    'check',
    '--project',
    name,
    '--key',
    developerKey,
    '--root',
    repo.trustedRoot,
    '--metadata',
    repo.metadata,
  ]);
}

describe('dev check reads the project’s own bin first', () => {
  it('alarms when the project’s bin names other keys, though an earlier bin names the developer’s', async () => {
    const r = await check('attacker');
    expect(r.stderr).toMatch(
      new RegExp(
        `^ALARM: ${name} is delegated through targets → claimed → claimed-bin-${binIndex(name)} → ${name} to keys or a threshold`,
      ),
    );
    expect(r.stderr).toContain(`key not yours: ${keys.attacker.key.keyid}`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
  });

  it('confirms the delegation in the project’s bin, whatever another bin names', async () => {
    const r = await check('developer');
    expect(r.stdout).toMatch(
      new RegExp(`^OK: ${name} is delegated through targets → claimed → claimed-bin-${binIndex(name)} → ${name}`),
    );
    expect(r.code).toBe(0);
  });
});
