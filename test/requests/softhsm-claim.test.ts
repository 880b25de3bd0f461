/**
 * End to end on SoftHSM2 tokens, through the command line: a developer makes a key on their own
 * token and another in a key file, both make requests; the admins take them in with `claim`,
 * sign the claimed event with their tokens (`event sign`), finalize; the new claimed verifies, and a
 * project role signed on the developer's token verifies through it (here and with @tufjs/models).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata as TufjsMetadata, MetadataKind } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { readKeyFilePublicKey } from '../../src/keys/key-file.js';
import { pinSource } from '../../src/keys/pin.js';
import { loadProfile } from '../../src/keys/profile.js';
import { openHolderSession } from '../../src/keys/token-keys.js';
import { Key } from '../../src/tuf/model/key.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, iso, type Bootstrapped } from '../maintenance/fixture.js';
import { holderTokens, type HolderTokens } from '../maintenance/tokens.js';

let t: HolderTokens;
let b: Bootstrapped;
let devProfile: string;

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol', 'dave']);
  b = await bootstrap(t.provider, { dir: t.fx.dir });
  devProfile = t.variant('dave-profile.json', { dave: { developer: 'developer-dave' } }).path;
});
afterAll(() => t?.fx.cleanup());

describe('requests → claim → event sign on tokens → finalize → verify', () => {
  it('runs the whole path on SoftHSM', async () => {
    const dir = join(b.dir, 'dev');
    mkdirSync(join(dir, 'inbox'), { recursive: true });
    // A developer key on the developer's own token, and one in an encrypted key file.
    const tokenKey = await runCli([
      'dev',
      'keygen',
      '--profile',
      devProfile,
      '--holder',
      'dave',
      '--out',
      join(dir, 'dave.pub.json'),
      '--json',
    ]);
    expect(tokenKey.stderr).toBe('');
    expect(tokenKey.code).toBe(0);
    const daveKey = Key.fromJSON(JSON.parse(readFileSync(join(dir, 'dave.pub.json'), 'utf8')));
    expect(JSON.parse(tokenKey.stdout).keyid).toBe(daveKey.keyid);
    writeFileSync(join(dir, 'pass'), 'a long developer passphrase\n', { mode: 0o600 });
    expect(
      (await runCli(['dev', 'keygen', '--out', join(dir, 'erin.key.json'), '--passphrase-file', join(dir, 'pass')]))
        .code,
    ).toBe(0);
    const r1 = await runCli([
      'dev',
      'request',
      '--project',
      'Dave.Tools',
      '--key',
      'token:dave',
      '--profile',
      devProfile,
      '--contact',
      'dave@example.org',
      '--out',
      join(dir, 'inbox', 'dave.json'),
      '--at',
      iso(day(1)),
    ]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const r2 = await runCli([
      'dev',
      'request',
      '--project',
      'erin-lib',
      '--key',
      join(dir, 'erin.key.json'),
      '--passphrase-file',
      join(dir, 'pass'),
      '--contact',
      'erin@example.org',
      '--out',
      join(dir, 'inbox', 'erin.json'),
      '--at',
      iso(day(1)),
    ]);
    expect(r2.code).toBe(0);

    const eventDir = join(dir, 'claim-event');
    const claim = await runCli([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      b.repoDir,
      '--requests',
      join(dir, 'inbox'),
      '--event',
      eventDir,
      '--at',
      iso(day(1)),
    ]);
    expect(claim.code).toBe(0);
    expect(claim.stdout).toMatch(/add 2 +re-key 0 +unchanged 0 +rejected 0/);
    const digests = SigningEvent.load(eventDir)
      .roles()
      .map((r) => r.payloadSha256);

    // One admin is not enough for claimed's threshold of 2.
    const alice = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      t.profilePath,
      '--holder',
      'alice',
      '--confirm',
      digests.join(','),
      '--repo',
      b.repoDir,
      '--no-qr',
    ]);
    expect(alice.code).toBe(0);
    const early = await runCli(['event', 'finalize', eventDir, '--repo', b.repoDir, '--at', iso(day(1))]);
    expect(early.code).not.toBe(0);
    const bob = await runCli([
      'event',
      'sign',
      eventDir,
      '--profile',
      t.profilePath,
      '--holder',
      'bob',
      '--confirm',
      digests.join(','),
      '--repo',
      b.repoDir,
      '--no-qr',
    ]);
    expect(bob.code).toBe(0);
    const fin = await runCli(['event', 'finalize', eventDir, '--repo', b.repoDir, '--at', iso(day(1))]);
    expect(fin.stderr).toBe('');
    expect(fin.code).toBe(0);

    const claimed = b.repo.current<Targets>('claimed');
    expect(claimed.signed.version).toBe(2);
    expect(claimed.signed.delegations!.roles!.map((r) => [r.name, r.keyids, r.paths])).toEqual([
      ['dave-tools', [daveKey.keyid], ['dave-tools/*']],
      ['erin-lib', [readKeyFilePublicKey(join(dir, 'erin.key.json')).keyid], ['erin-lib/*']],
    ]);

    // dave signs his project role on his token; it verifies through claimed.
    const session = await openHolderSession(loadProfile(devProfile), 'dave', pinSource({}));
    const project = new Metadata(new Targets({ version: 1, expires: day(30) }));
    try {
      await project.sign(await session.signerFor('developer', daveKey), 'append');
    } finally {
      await session.close();
    }
    const folder = join(dir, 'published');
    mkdirSync(folder);
    for (const role of ['root', 'targets'])
      writeFileSync(join(folder, `1.${role}.json`), b.repo.current(role).toBytes());
    writeFileSync(join(folder, '2.claimed.json'), claimed.toBytes());
    writeFileSync(join(folder, '1.dave-tools.json'), project.toBytes());
    const report = verifyRepository(b.repo.readBytes('root', 1), new FolderSource(folder), {
      trustedRootName: '1.root.json',
      at: day(2),
    });
    expect(report.ok).toBe(true);
    expect(report.roles.find((r) => r.role === 'dave-tools')).toMatchObject({ status: 'ok', delegatedBy: 'claimed' });
    const tuf = (md: Metadata) => TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(md.toBytes().toString()));
    expect(() => tuf(b.repo.current('targets')).verifyDelegate('claimed', tuf(claimed))).not.toThrow();
    expect(() => tuf(claimed).verifyDelegate('dave-tools', tuf(project))).not.toThrow();
    expect((await runCli(['transcript', 'verify', '--repo', b.repoDir])).code).toBe(0);
  });
});
