/**
 * The online commands on bad input: one line naming the file or the flag, the exit code of the
 * table, and nothing written (src/online, docs/online-side.md). A repository signed with software
 * keys (test/requests/fixtures.ts), one bundle, the online key as a key file.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRepository } from '../../src/ceremony/state/repository-export.js';
import { appendTranscript } from '../../src/ceremony/state/transcript.js';
import { writeEncryptedKeyFile } from '../../src/keys/key-file.js';
import type { Ed25519Signer } from '../../src/keys/software-signer.js';
import { runCli } from '../helpers/cli.js';
import { makeRepository, signer } from '../requests/fixtures.js';

const AT = ['--at', '2030-01-02T00:00:00Z'];
const PASSPHRASE = 'online commands passphrase: juniper basalt 88 tidal';
let dir: string;
let bundle: string;
let root: string;
const keyArgs = (file: string) => ['--key', file, '--passphrase-file', join(dir, 'passphrase')];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'online-cmd-'));
  const f = await makeRepository(join(dir, 'repo'), new Date('2030-01-01T00:00:00Z'));
  // A bundle carries the ceremony's transcript, ending at its head (docs/formats/bundle.md).
  appendTranscript(f.repo.dir, { step: 'init', time: '2030-01-01T00:00:00Z', inputs: {}, outputs: {} });
  bundle = (await exportRepository(f.repo, { to: join(dir, 'medium'), toolVersion: 'test', now: new Date(AT[1]!) }))
    .dir;
  root = join(f.repo.metadataDir, '1.root.json');
  writeFileSync(join(dir, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
  const fast = { scrypt: { n: 2 ** 14, r: 8, p: 1 } };
  writeEncryptedKeyFile(join(dir, 'online.key.json'), f.online as Ed25519Signer, PASSPHRASE, fast);
  writeEncryptedKeyFile(join(dir, 'other.key.json'), signer(30), PASSPHRASE, fast);
  writeFileSync(join(dir, 'newcomer.pub.json'), JSON.stringify(signer(31).key.toJSON()));
});

async function state(name: string, imported = true): Promise<string> {
  const s = join(dir, name);
  expect((await runCli(['online', 'init', '--state', s, '--root', root])).code).toBe(0);
  if (imported) expect((await runCli(['online', 'import', bundle, '--state', s, ...AT])).code).toBe(0);
  return s;
}

describe('online commands refuse bad input with one line and write nothing', () => {
  it('init never makes its state in a folder that holds something', async () => {
    const s = await state('init-twice', false);
    const r = await runCli(['online', 'init', '--state', s, '--root', root]);
    expect([r.code, r.stderr]).toEqual([
      5,
      `tuf-ceremony online init: ${s} exists already; the online state is made in a new folder\n`,
    ]);
  });

  it('publish before any bundle, and publish without the key root names for snapshot', async () => {
    const empty = await state('no-bundle', false);
    const before = await runCli([
      'online',
      'publish',
      '--state',
      empty,
      ...keyArgs(join(dir, 'online.key.json')),
      ...AT,
    ]);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/offline holds no targets yet: import a bundle first \(online import\)\n$/);

    const s = await state('wrong-key');
    const r = await runCli(['online', 'publish', '--state', s, ...keyArgs(join(dir, 'other.key.json')), ...AT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tuf-ceremony online publish: no key given for recently-claimed: it needs 1 of keyid\(s\) [0-9a-f]{64} \(give the online key file with --key\)\n$/,
    );
    expect(readdirSync(join(s, 'repository', 'metadata'))).toEqual([]);

    // Online keys are key files; a token key is refused before any passphrase, nothing written.
    const token = await runCli(['online', 'publish', '--state', s, '--key', 'token:admin-a', ...AT]);
    expect(token.code).toBe(2);
    expect(token.stderr).toBe(
      'tuf-ceremony online publish: --key token:admin-a: online publish signs with encrypted key files only\n',
    );
    expect(readdirSync(join(s, 'repository', 'metadata'))).toEqual([]);
  });

  it('a damaged online.json is named with its field', async () => {
    const s = await state('damaged');
    const config = JSON.parse(readFileSync(join(s, 'online.json'), 'utf8'));
    config.expires.timestamp = '1d';
    writeFileSync(join(s, 'online.json'), JSON.stringify(config));
    const r = await runCli(['online', 'publish', '--state', s, ...keyArgs(join(dir, 'online.key.json')), ...AT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tuf-ceremony online publish: .*online\.json.*expires\.timestamp.*integer.*\n$/);
    expect(readdirSync(join(s, 'repository', 'metadata'))).toEqual([]);
  });

  it('an upload before anything was published, and an upload whose file is not the one its role lists', async () => {
    const s = await state('uploads');
    const early = await runCli(['online', 'upload', join(dir, 'nothing.zip'), '--state', s, ...AT]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/was never published: run online publish first\n$/);

    expect(
      (await runCli(['online', 'publish', '--state', s, ...keyArgs(join(dir, 'online.key.json')), ...AT])).code,
    ).toBe(0);
    writeFileSync(join(dir, 'newcomer.pub.json'), JSON.stringify(signer(31).key.toJSON()));
    expect(
      (
        await runCli([
          'online',
          'register',
          '--state',
          s,
          '--project',
          'newcomer',
          '--key',
          join(dir, 'newcomer.pub.json'),
          ...AT,
        ])
      ).code,
    ).toBe(0);
    expect(
      (await runCli(['online', 'publish', '--state', s, ...keyArgs(join(dir, 'online.key.json')), ...AT])).code,
    ).toBe(0);
    writeEncryptedKeyFile(join(dir, 'newcomer.key.json'), signer(31), PASSPHRASE, {
      scrypt: { n: 2 ** 14, r: 8, p: 1 },
    });
    writeFileSync(join(dir, 'newcomer-1.0.tar.gz'), 'newcomer 1.0\n');
    const signed = await runCli([
      'dev',
      'sign',
      '--project',
      'newcomer',
      '--files',
      join(dir, 'newcomer-1.0.tar.gz'),
      ...keyArgs(join(dir, 'newcomer.key.json')),
      '--out',
      join(dir, 'upload'),
      '--metadata',
      join(s, 'repository', 'metadata'),
      '--root',
      root,
      ...AT,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    // The file swapped after signing: the role no longer vouches for it (PEP 480, TUF spec 5.7.3).
    const swapped = join(dir, 'upload-swapped');
    cpSync(join(dir, 'upload'), swapped, { recursive: true });
    const [file] = readdirSync(join(swapped, 'targets', 'newcomer'));
    rmSync(join(swapped, 'targets', 'newcomer', file!));
    writeFileSync(join(swapped, 'targets', 'newcomer', file!), 'newcomer 1.0 with a backdoor\n');
    const listing = () => [
      readdirSync(join(s, 'repository', 'metadata')).sort(),
      readdirSync(join(s, 'repository', 'targets')),
    ];
    const before = listing();
    const r = await runCli(['online', 'upload', swapped, '--state', s, ...AT]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^REFUSE: .*upload-swapped; nothing was taken in\n {2}refused: targets\/newcomer\/newcomer-1\.0\.tar\.gz: /,
    );
    expect(listing()).toEqual(before);
    // The upload as signed goes through recently-claimed.
    const ok = await runCli(['online', 'upload', join(dir, 'upload.zip'), '--state', s, ...AT, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).chain).toEqual(['targets', 'recently-claimed', 'newcomer']);
  });

  it('register refuses a name that is not a project name', async () => {
    const s = await state('names', false);
    const r = await runCli([
      'online',
      'register',
      '--state',
      s,
      '--project',
      '../etc',
      '--key',
      join(dir, 'newcomer.pub.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tuf-ceremony online register: --project/);
  });
});
