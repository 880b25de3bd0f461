/**
 * Root rotation on SoftHSM tokens: a rotation signed only by the new keys, or only by the old ones,
 * is refused at finalize; a 2-of-3 root rotated to a 3-of-5 root verifies from the old root here
 * and with @tufjs/models; an admin moving to a new key on their token signs with both keys.
 */
import { groupedHex } from '../../src/tuf/model/fingerprint-words.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tufjs from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { finalizeEvent } from '../../src/ceremony/events/event-finalize.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { pinSource } from '../../src/keys/pin.js';
import { generateTokenKey } from '../../src/keys/token-keys.js';
import type { Root } from '../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { runCli } from '../helpers/cli.js';
import { bootstrap, day, iso, signAs, writeKeyFile, type Bootstrapped } from './fixture.js';
import { holderTokens, type HolderTokens } from './tokens.js';

let t: HolderTokens;
let b: Bootstrapped;
const keyFiles: Record<string, string> = {};

beforeAll(async () => {
  t = holderTokens(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
  b = await bootstrap(t.provider, { dir: t.fx.dir, period: '365d' });
  // New root keys, made on the new admins' tokens and exported as public key files.
  for (const h of ['dave', 'erin', 'frank']) {
    const info = await generateTokenKey(t.profile, h, 'root', 'ed25519', `root-${h}`, pinSource({}));
    keyFiles[h] = writeKeyFile(join(b.dir, `${h}-root.json`), info.key);
  }
});
afterAll(() => t?.fx.cleanup());

const rootKeyids = () => b.repo.current<Root>('root').signed.roles.root.keyids;
const rootMd = (n: number) => {
  const json = JSON.parse(readFileSync(join(b.repo.metadataDir, `${n}.root.json`), 'utf8'));
  return tufjs.Metadata.fromJSON(tufjs.MetadataKind.Root, json);
};

describe('root rotation on tokens', () => {
  it('a root replacing every key is refused when signed only by the new keys, and when signed only by the old', async () => {
    const args = (event: string) => [
      'rotate',
      '--repo',
      b.repoDir,
      '--role',
      'root',
      '--at',
      iso(day(1)),
      '--event',
      join(b.dir, event),
      ...rootKeyids().flatMap((k) => ['--remove', k]),
      ...['dave', 'erin', 'frank'].flatMap((h) => ['--add', keyFiles[h]!]),
      '--threshold',
      '2',
    ];
    for (const event of ['only-new', 'only-old']) {
      const r = await runCli(args(event));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const onlyNew = SigningEvent.load(join(b.dir, 'only-new'));
    await signAs(onlyNew, ['dave', 'erin', 'frank'], t.provider);
    const status = SigningEvent.load(onlyNew.dir).status();
    // event status shows both thresholds: the previous root's (0 of 2) and the new root's (3 of 2)
    expect(status.roles[0]!.thresholds.map((x) => [x.label, x.have, x.threshold, x.met])).toEqual([
      ['root v1 (the previous root keys)', 0, 2, false],
      ['root v2 (its own root keys)', 3, 2, true],
    ]);
    expect(() => finalizeEvent(b.repo, SigningEvent.load(onlyNew.dir), { at: day(1) })).toThrow(
      /root v2 needs 2 more of root v1 \(the previous root keys\)/,
    );

    const onlyOld = SigningEvent.load(join(b.dir, 'only-old'));
    await signAs(onlyOld, ['alice', 'bob', 'carol'], t.provider);
    expect(() => finalizeEvent(b.repo, SigningEvent.load(onlyOld.dir), { at: day(1) })).toThrow(
      /root v2 needs 2 more of root v2 \(its own root keys\)/,
    );
    expect(b.repo.rootVersions()).toEqual([1]);
  });

  it('a 2-of-3 root rotated to 3-of-5 verifies from the old root, here and with @tufjs/models', async () => {
    const eventDir = join(b.dir, 'three-of-five');
    const r = await runCli([
      'rotate',
      '--repo',
      b.repoDir,
      '--role',
      'root',
      '--add',
      keyFiles['dave']!,
      '--add-token',
      'erin',
      '--profile',
      t.profilePath,
      '--threshold',
      '3',
      '--at',
      iso(day(2)),
      '--event',
      eventDir,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/root keys \(in root\): threshold 2 of 3 → 3 of 5/);
    expect(r.stdout).toMatch(
      /root v2 needs 2 of root v1 \(the previous root keys\)\nroot v2 needs 3 of root v2 \(its own root keys\)/,
    );
    await signAs(SigningEvent.load(eventDir), ['alice', 'bob'], t.provider);
    // two old keys meet the old threshold, but only 2 of the 3 the new root asks for
    expect(() => finalizeEvent(b.repo, SigningEvent.load(eventDir), { at: day(2) })).toThrow(/needs 1 more of root v2/);
    await signAs(SigningEvent.load(eventDir), ['erin'], t.provider);
    finalizeEvent(b.repo, SigningEvent.load(eventDir), { at: day(2) });

    const root2 = b.repo.current<Root>('root').signed;
    expect([root2.roles.root.threshold, root2.roles.root.keyids.length]).toEqual([3, 5]);
    const report = verifyRepository(b.repo.readBytes('root', 1), new FolderSource(b.repo.metadataDir), {
      trustedRootName: '1.root.json',
      at: day(3),
    });
    expect(report.ok).toBe(true);
    expect(
      report.roles
        .filter((x) => x.role === 'root')
        .map((x) => [x.file, x.previousRootSignatures?.signed.length, x.signatures?.signed.length]),
    ).toEqual([
      ['1.root.json', undefined, 2],
      ['2.root.json', 2, 3],
    ]);
    // @tufjs/models: the new root verifies by the old root's keys and by its own
    const [v1, v2] = [rootMd(1), rootMd(2)];
    expect(() => v1.verifyDelegate('root', v2)).not.toThrow();
    expect(() => v2.verifyDelegate('root', v2)).not.toThrow();
    // and refuses it with one of the three new-root signatures taken away
    const cut = JSON.parse(readFileSync(join(b.repo.metadataDir, '2.root.json'), 'utf8'));
    cut.signatures = cut.signatures.slice(0, 2);
    expect(() => v2.verifyDelegate('root', tufjs.Metadata.fromJSON(tufjs.MetadataKind.Root, cut))).toThrow();
  });

  it('an admin moving to a new key on their token signs the new root with both keys', async () => {
    const next = await generateTokenKey(t.profile, 'alice', 'root-next', 'ed25519', 'root-alice-next', pinSource({}));
    const aliceOld = rootKeyids().find(
      (id) => b.repo.current<Root>('root').signed.keys.get(id)!.unrecognized['x-ceremony-owner'] === 'alice',
    )!;
    const eventDir = join(b.dir, 'alice-next');
    const r = await runCli([
      'rotate',
      '--repo',
      b.repoDir,
      '--role',
      'root',
      '--add-token',
      'alice:root-alice-next',
      '--profile',
      t.profilePath,
      '--remove',
      aliceOld,
      '--at',
      iso(day(3)),
      '--event',
      eventDir,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/alice moves from key .* signs the new root with both/);
    expect(r.stdout).toContain(
      `↻ alice replaces ${groupedHex(aliceOld)} with ${groupedHex(next.key.keyid)} (signs with both)`,
    );

    await signAs(SigningEvent.load(eventDir), ['alice', 'bob', 'carol'], t.provider); // alice's token profile: her old root key
    const mid = SigningEvent.load(eventDir).status().roles[0]!.thresholds;
    expect(mid.map((x) => [x.have, x.threshold, x.met])).toEqual([
      [3, 3, true],
      [2, 3, false],
    ]);
    expect(mid[1]!.missing.map((m) => m.holder)).toEqual(expect.arrayContaining(['alice']));
    // the same person, now with the profile that names her new key
    const nextProfile = t.variant('profile-next.json', { alice: { root: 'root-alice-next' } });
    await signAs(SigningEvent.load(eventDir), ['alice'], nextProfile.provider);
    const done = SigningEvent.load(eventDir);
    const signedBy = [...done.role('root').metadata.signatures.keys()];
    expect(signedBy).toEqual(expect.arrayContaining([aliceOld, next.key.keyid]));
    finalizeEvent(b.repo, done, { at: day(3) });
    expect(
      verifyRepository(b.repo.readBytes('root', 1), new FolderSource(b.repo.metadataDir), {
        trustedRootName: '1.root.json',
        at: day(4),
      }).rootVersion,
    ).toBe(3);
    expect(() => rootMd(2).verifyDelegate('root', rootMd(3))).not.toThrow();
    // every root version is kept, and exported
    expect(b.repo.rootVersions()).toEqual([1, 2, 3]);
    const exported = await runCli(['bundle', 'export', '--repo', b.repoDir, '--to', join(b.dir, 'medium'), '--json']);
    expect(exported.code).toBe(0);
    const files = JSON.stringify(JSON.parse(exported.stdout));
    for (const n of [1, 2, 3]) expect(files).toContain(`"${n}.root.json"`);
  });
});
