/** The bundle commands on a ceremony repository, in both directions, through the command line. */
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExportLog } from '../../src/bundle/export-log.js';
import { readTranscript } from '../../src/ceremony/state/transcript.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { Metadata, MetaFile, Snapshot, Targets, Timestamp } from '../../src/tuf/model/metadata.js';
import { Delegations } from '../../src/tuf/model/roles.js';
import { fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';
import { runCli } from '../helpers/cli.js';
import { builtCli, removeBuiltCli } from '../helpers/pty.js';
import { bootstrap, softwareProvider, type Bootstrapped } from '../maintenance/fixture.js';
import { PEP480_DIR } from '../helpers/vectors.js';
import { makeBundle, tempDir } from './fixtures.js';

let b: Bootstrapped;
beforeAll(async () => {
  b = await bootstrap(softwareProvider(), { period: '365d' });
});
afterAll(() => b?.cleanup());

/** The first line of a digest's words as every command prints them. */
const numberedWords = (hex: string) =>
  fingerprintWords(hex)
    .slice(0, 8)
    .map((w, i) => `${i + 1}:${w}`)
    .join(' ');
describe('bundle export --repo', () => {
  it('writes bundle 1 into the medium folder, prints the digest as hex, words and QR, and logs it', async () => {
    const medium = join(b.dir, 'usb');
    mkdirSync(medium);
    const r = await runCli(['bundle', 'export', '--repo', b.repoDir, '--to', medium]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = join(medium, 'bundle-000001');
    expect(readdirSync(dir).sort()).toEqual([
      '1.claimed.json',
      '1.root.json',
      '1.targets.json',
      'bundle.json',
      'bundle.png',
      'transcript.jsonl',
    ]);
    const digest = sha256Hex(readFileSync(join(dir, 'bundle.json')));
    expect(r.stdout).toContain(`bundle 1 written to ${dir} and read back: 4 files`);
    expect(r.stdout).toContain('new since export (none): 1.root.json, 1.claimed.json, 1.targets.json');
    expect(r.stdout).toContain(digest.slice(0, 4));
    expect(r.stdout).toContain(numberedWords(digest));
    expect(r.stdout).toMatch(/[▀▄█]/);
    const log = readExportLog(join(b.repoDir, 'exports.json'));
    expect(log.map((e) => [e.sequence, e.manifestSha256, e.bundle])).toEqual([[1, digest, dir]]);
    const last = readTranscript(join(b.repoDir, 'transcript.jsonl')).at(-1)!;
    expect(last.step).toBe('bundle-export');
    expect(last.outputs).toEqual({ 'bundle.json': digest });
    expect(last.details).toMatchObject({ sequence: 1, bundle: dir });
  });

  it('numbers the next export 2, says nothing is new, and carries the export record in the transcript', async () => {
    const r = await runCli(['bundle', 'export', '--repo', b.repoDir, '--to', join(b.dir, 'usb'), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ sequence: 2, new_since_last_export: [] });
    expect(doc.manifest_words).toEqual(fingerprintWords(doc.manifest_sha256));
    const carried = readFileSync(join(doc.bundle, 'transcript.jsonl'), 'utf8');
    expect(carried).toContain('"step":"bundle-export"');
  });

  it('on the online side: verify shows the same words, import copies, a second import of it is refused', async () => {
    const bundle = join(b.dir, 'usb', 'bundle-000001');
    const target = join(b.dir, 'published');
    const root = join(b.repo.metadataDir, '1.root.json');
    const rootSha256 = sha256Hex(readFileSync(root));
    const v = await runCli(['bundle', 'verify', bundle, '--root', root, '--target', target]);
    expect(v.code).toBe(0);
    const digest = sha256Hex(readFileSync(join(bundle, 'bundle.json')));
    expect(v.stdout).toContain(numberedWords(digest));
    // The root the operator trusted, to compare with the SHA-256 the ceremony published.
    expect(v.stdout).toContain('trusted root v1 SHA-256 (compare it with the one the ceremony published):');
    expect(v.stdout).toContain(numberedWords(rootSha256));
    expect(v.stdout).toMatch(/✓ 1\.claimed\.json +claimed v1/);
    expect(v.stdout).toMatch(
      /✓ transcript\.jsonl +size and SHA-256 as listed, hash chain holds and ends at the manifest's head/,
    );
    const i = await runCli(['bundle', 'import', bundle, '--root', root, '--into', target]);
    expect(i.code).toBe(0);
    expect(i.stdout).toContain(numberedWords(rootSha256));
    expect(i.stdout).not.toContain('next:');
    // The published folder holds metadata only; the transcript and the state are beside it.
    expect(readdirSync(target).sort()).toEqual(['1.claimed.json', '1.root.json', '1.targets.json']);
    expect(readdirSync(`${target}.records`).sort()).toEqual(['import-state.json', 'transcript.jsonl']);
    expect(i.stdout).toContain(`OK: sequence 1 imported; transcript and state in ${target}.records`);
    const again = await runCli(['bundle', 'import', bundle, '--root', root, '--into', target, '--json']);
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toEqual({
      ok: false,
      error: {
        code: 'E_BUNDLE_SEQUENCE',
        message: expect.stringMatching(/^bundle\.json: sequence 1 is not newer than 1/),
        exit_code: again.code,
      },
    });
    expect(again.stderr).toMatch(
      /^tuf-ceremony bundle import: bundle\.json: sequence 1 is not newer than 1, the last one imported into .*published/,
    );
    const verifyOld = await runCli(['bundle', 'verify', bundle, '--root', root, '--target', target]);
    expect(verifyOld.code).toBe(3);
  });

  it('gives the trusted root and the newest root in --json', async () => {
    const bundle = join(b.dir, 'usb', 'bundle-000002');
    const root = join(b.repo.metadataDir, '1.root.json');
    const r = await runCli(['bundle', 'verify', bundle, '--root', root, '--json']);
    expect(r.code).toBe(0);
    const sha256 = sha256Hex(readFileSync(root));
    expect(JSON.parse(r.stdout)).toMatchObject({
      trusted_root_version: 1,
      trusted_root: { file: root, version: 1, sha256, words: fingerprintWords(sha256) },
      newest_root: { file: '1.root.json', version: 1, sha256, words: fingerprintWords(sha256) },
    });
  });

  it('refuses, in one line, a transcript cut together with its manifest entry, and a manifest without its head', async () => {
    const root = join(b.repo.metadataDir, '1.root.json');
    const copy = join(b.dir, 'cut-transcript');
    cpSync(join(b.dir, 'usb', 'bundle-000002'), copy, { recursive: true });
    const text = readFileSync(join(copy, 'transcript.jsonl'), 'utf8').split('\n').slice(0, -2).join('\n') + '\n';
    unlinkSync(join(copy, 'transcript.jsonl'));
    writeFileSync(join(copy, 'transcript.jsonl'), text);
    const m = JSON.parse(readFileSync(join(copy, 'bundle.json'), 'utf8'));
    m.files['transcript.jsonl'] = { length: Buffer.byteLength(text), sha256: sha256Hex(text) };
    const rewrite = () => {
      unlinkSync(join(copy, 'bundle.json'));
      writeFileSync(join(copy, 'bundle.json'), JSON.stringify(m));
    };
    rewrite();
    const cut = await runCli(['bundle', 'verify', copy, '--root', root]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toMatch(
      new RegExp(
        String.raw`^tuf-ceremony bundle verify: transcript\.jsonl: ends at [0-9a-f]{64}, ` +
          String.raw`not at the transcript_head [0-9a-f]{64} of bundle\.json \(records were removed or added\)\n$`,
      ),
    );
    // As a bundle of an earlier release would be: no head at all.
    delete m.transcript_head;
    rewrite();
    const target = join(b.dir, 'never-published');
    const headless = await runCli(['bundle', 'import', copy, '--root', root, '--into', target]);
    expect(headless.code).toBe(3);
    expect(headless.stderr).toMatch(
      new RegExp(
        String.raw`^tuf-ceremony bundle import: bundle\.json\.transcript_head: missing; .* ` +
          String.raw`export it again from the repository, ${'`'}tuf-ceremony bundle export${'`'}\)\n$`,
      ),
    );
    expect(readdirSync(b.dir)).not.toContain('never-published');
  });

  it('moves the transcript and the hidden state an earlier release left in the published folder, and says so', async () => {
    const root = join(b.repo.metadataDir, '1.root.json');
    const target = join(b.dir, 'published-before');
    mkdirSync(target);
    const first = join(b.dir, 'usb', 'bundle-000001');
    for (const name of ['1.claimed.json', '1.root.json', '1.targets.json', 'transcript.jsonl'])
      writeFileSync(join(target, name), readFileSync(join(first, name)));
    const entry = {
      imported: '2026-01-01T00:00:00Z',
      manifest_sha256: sha256Hex(readFileSync(join(first, 'bundle.json'))),
      sequence: 1,
    };
    const state = {
      directions: { 'offline-to-online': entry },
      format: 'tuf-ceremony-import-state',
      format_version: 1,
    };
    writeFileSync(join(target, '.tuf-ceremony-import.json'), JSON.stringify(state));
    const v = await runCli([
      'bundle',
      'verify',
      join(b.dir, 'usb', 'bundle-000002'),
      '--root',
      root,
      '--target',
      target,
    ]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('sequence 2 is newer than 1, the last one imported');
    expect(v.stderr).toBe(
      `${join(target, '.tuf-ceremony-import.json')}: an import state in the published folder; the next \`bundle import\` moves it beside\n`,
    );
    const i = await runCli(['bundle', 'import', join(b.dir, 'usb', 'bundle-000002'), '--root', root, '--into', target]);
    expect(i.code).toBe(0);
    const records = `${target}.records`;
    expect(i.stderr).toBe(
      `${join(target, '.tuf-ceremony-import.json')}: moved to ${join(records, 'import-state.json')}, beside the published folder, which holds metadata only\n` +
        `${join(target, 'transcript.jsonl')}: moved to ${join(records, 'transcript.jsonl')}, beside the published folder, which holds metadata only\n`,
    );
    expect(readdirSync(target).sort()).toEqual(['1.claimed.json', '1.root.json', '1.targets.json']);
    expect(
      readFileSync(join(records, 'transcript.jsonl')).equals(
        readFileSync(join(b.dir, 'usb', 'bundle-000002', 'transcript.jsonl')),
      ),
    ).toBe(true);
  });

  it('refuses a bundle whose transcript chain was broken before the manifest was made', async () => {
    const bundle = join(b.dir, 'usb', 'bundle-000002');
    const copy = join(b.dir, 'broken-transcript');
    cpSync(bundle, copy, { recursive: true });
    // Rewrite transcript and manifest consistently (the manifest is not signed): the chain check catches it.
    const lines = readFileSync(join(copy, 'transcript.jsonl'), 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"step":"init"', '"step":"inIt"');
    const text = lines.join('\n');
    unlinkSync(join(copy, 'transcript.jsonl'));
    writeFileSync(join(copy, 'transcript.jsonl'), text);
    const m = JSON.parse(readFileSync(join(copy, 'bundle.json'), 'utf8'));
    m.files['transcript.jsonl'] = { length: Buffer.byteLength(text), sha256: sha256Hex(text) };
    unlinkSync(join(copy, 'bundle.json'));
    writeFileSync(join(copy, 'bundle.json'), JSON.stringify(m));
    const r = await runCli(['bundle', 'verify', copy, '--root', join(b.repo.metadataDir, '1.root.json')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/transcript\.jsonl: the hash chain does not hold \(record 1: its contents were changed/);
  });

  it('refuses to export a repository whose transcript does not verify', async () => {
    const copy = join(b.dir, 'repo-copy');
    cpSync(b.repoDir, copy, { recursive: true });
    appendFileSync(join(copy, 'transcript.jsonl'), '{"seq":99}\n');
    const r = await runCli(['bundle', 'export', '--repo', copy, '--to', join(b.dir, 'never')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/the transcript does not verify .*; it is not exported/);
    expect(readdirSync(b.dir)).not.toContain('never');
  });
});

describe('bundle export-online and import --repo', () => {
  it('brings the online metadata into <repo>/online after the same checks, and records it', async () => {
    const online = join(b.dir, 'online-metadata');
    cpSync(PEP480_DIR, online, { recursive: true });
    const made = await runCli(['bundle', 'export-online', '--from', online, '--to', join(b.dir, 'from-online')]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(
      new RegExp(
        String.raw`online bundle 1 written to .*from-online and read back: 1\.root\.json, 2\.root\.json, ` +
          String.raw`1\.targets\.json, 1\.recently-claimed\.json, 1\.snapshot\.json, timestamp\.json`,
      ),
    );
    // That bundle belongs to another repository: the offline side refuses it from its own root.
    const foreign = await runCli([
      'bundle',
      'import',
      join(b.dir, 'from-online'),
      '--repo',
      b.repoDir,
      '--at',
      '2030-01-02',
    ]);
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toMatch(
      /^tuf-ceremony bundle import: root: 2\.root\.json: 0 of 2 required signatures by the root keys of version 1/,
    );
    expect(readdirSync(b.repoDir)).not.toContain('online');
  });

  it('takes an online bundle of its own repository into <repo>/online', async () => {
    // The online side publishes what the first bundle carried, plus its own recently-claimed.
    const published = join(b.dir, 'published');
    const expires = new Date('2031-01-01T00:00:00Z');
    const rc = new Metadata(
      new Targets({ version: 1, expires, delegations: new Delegations(new Map(), [], undefined) }),
    );
    await rc.sign(b.online['recently-claimed']!, 'append');
    writeFileSync(join(published, '1.recently-claimed.json'), rc.toBytes());
    const snap = new Metadata(
      new Snapshot({
        version: 1,
        expires,
        meta: new Map([
          ['targets.json', new MetaFile(1)],
          ['claimed.json', new MetaFile(1)],
          ['recently-claimed.json', new MetaFile(1)],
        ]),
      }),
    );
    await snap.sign(b.online['snapshot']!, 'append');
    writeFileSync(join(published, '1.snapshot.json'), snap.toBytes());
    const ts = new Metadata(new Timestamp({ version: 1, expires, snapshotMeta: new MetaFile(1) }));
    await ts.sign(b.online['timestamp']!, 'append');
    writeFileSync(join(published, 'timestamp.json'), ts.toBytes());

    const made = await runCli([
      'bundle',
      'export-online',
      '--from',
      published,
      '--to',
      join(b.dir, 'own-online'),
      '--json',
    ]);
    expect(made.code).toBe(0);
    const r = await runCli([
      'bundle',
      'import',
      JSON.parse(made.stdout).bundle,
      '--repo',
      b.repoDir,
      '--at',
      '2030-01-02',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(b.repoDir, 'online.records'))).toEqual(['import-state.json']);
    expect(readdirSync(join(b.repoDir, 'online')).sort()).toEqual([
      '1.recently-claimed.json',
      '1.root.json',
      '1.snapshot.json',
      '1.targets.json',
      'timestamp.json',
    ]);
    const last = readTranscript(join(b.repoDir, 'transcript.jsonl')).at(-1)!;
    expect(last.step).toBe('bundle-import');
    expect(last.outputs['online/1.recently-claimed.json']).toBe(sha256Hex(rc.toBytes()));
    // verify --repo now knows the last imported sequence.
    const v = await runCli([
      'bundle',
      'verify',
      JSON.parse(made.stdout).bundle,
      '--repo',
      b.repoDir,
      '--at',
      '2030-01-02',
    ]);
    expect(v.code).toBe(3);
    expect(v.stderr).toMatch(/sequence 1 is not newer than 1/);
  });
});

describe('bundle export-online and the published folder', () => {
  it('keeps its export log beside the folder it exports from, and moves one an earlier release left in it', async () => {
    const parent = tempDir();
    const published = join(parent, 'published');
    cpSync(PEP480_DIR, published, { recursive: true });
    const before = readdirSync(published).sort();
    const first = await runCli(['bundle', 'export-online', '--from', published, '--to', join(parent, 'b1'), '--json']);
    expect(first.code).toBe(0);
    expect(readdirSync(published).sort()).toEqual(before);
    const log = join(`${published}.records`, 'exports.json');
    expect(readExportLog(log).map((e) => e.sequence)).toEqual([1]);

    // An earlier release kept the log hidden in the published folder: it is moved, and counts on.
    const old = join(parent, 'old');
    cpSync(PEP480_DIR, old, { recursive: true });
    writeFileSync(join(old, '.tuf-ceremony-exports.json'), readFileSync(log));
    const next = await runCli(['bundle', 'export-online', '--from', old, '--to', join(parent, 'b2'), '--json']);
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout).sequence).toBe(2);
    expect(next.stderr).toBe(
      `${join(old, '.tuf-ceremony-exports.json')}: moved to ${join(`${old}.records`, 'exports.json')}, ` +
        'beside the published folder, which holds metadata only\n',
    );
    expect(readdirSync(old).sort()).toEqual(before);

    const inside = await runCli([
      'bundle',
      'export-online',
      '--from',
      old,
      '--to',
      join(parent, 'b3'),
      '--log',
      join(old, 'log.json'),
    ]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(
      /the export log .*log\.json is inside the published folder .*old; keep it beside the folder\n$/,
    );
  });
});

describe('bundle export-online and a records folder that is the published folder under another name', () => {
  it('refuses a <from>.records that is a symbolic link to the published folder (exit 2), writing nothing', async () => {
    const parent = tempDir();
    const published = join(parent, 'published');
    cpSync(PEP480_DIR, published, { recursive: true });
    symlinkSync(published, `${published}.records`);
    const before = readdirSync(published).sort();
    const r = await runCli(['bundle', 'export-online', '--from', published, '--to', join(parent, 'b1')]);
    expect(r.stderr).toMatch(
      /^tuf-ceremony bundle export-online: the records folder .*published\.records is inside the published folder .*published; keep it beside the folder\n$/,
    );
    expect(r.code).toBe(2);
    expect(readdirSync(published).sort()).toEqual(before);
  });
});

describe('bundle import and verify with --records', () => {
  it('keep the transcript and the state in the folder named, and verify reads the state there', async () => {
    const parent = tempDir();
    const bundle = (await makeBundle(parent, 1)).dir;
    const root = join(PEP480_DIR, '1.root.json');
    const [target, records] = [join(parent, 'www', 'metadata'), join(parent, 'private', 'tuf-records')];
    mkdirSync(join(parent, 'www'));
    mkdirSync(join(parent, 'private'));
    const at = ['--at', '2030-01-01'];
    const i = await runCli(['bundle', 'import', bundle, '--root', root, '--into', target, '--records', records, ...at]);
    expect(i.code).toBe(0);
    expect(readdirSync(records).sort()).toEqual(['import-state.json', 'transcript.jsonl']);
    expect(readdirSync(join(parent, 'www'))).toEqual(['metadata']);
    const v = await runCli([
      'bundle',
      'verify',
      bundle,
      '--root',
      root,
      '--target',
      target,
      '--records',
      records,
      ...at,
    ]);
    expect(v.code).toBe(3);
    expect(v.stderr).toMatch(/sequence 1 is not newer than 1, the last one imported into .*www\/metadata/);
  });
});

/** A fresh bundle and an empty published folder beside it, and the arguments that import one into the other. */
async function bundleAndPublished(): Promise<{
  parent: string;
  target: string;
  importArgs: (...extra: string[]) => string[];
}> {
  const parent = tempDir();
  const bundle = (await makeBundle(parent, 1)).dir;
  const target = join(parent, 'published');
  mkdirSync(target);
  const root = join(PEP480_DIR, '1.root.json');
  return {
    parent,
    target,
    importArgs: (...extra) => [
      'bundle',
      'import',
      bundle,
      '--root',
      root,
      '--into',
      target,
      ...extra,
      '--at',
      '2030-01-01',
    ],
  };
}

describe('bundle import and a records folder that is the published folder under another name', () => {
  // The published folder holds metadata only (docs/formats/bundle.md, "What is published"): a
  // path that only looks like it is beside the folder is still inside it.
  const attempts: Array<[string, (parent: string, target: string) => string[]]> = [
    [
      'the default <target>.records, a symbolic link to the published folder',
      (_parent, target) => {
        symlinkSync(target, `${target}.records`);
        return [];
      },
    ],
    [
      '--records through a symbolic link to the published folder',
      (parent, target) => {
        symlinkSync(target, join(parent, 'alias'));
        return ['--records', join(parent, 'alias', 'records')];
      },
    ],
    [
      '--state through a symbolic link to the published folder',
      (parent, target) => {
        symlinkSync(target, join(parent, 'alias'));
        return ['--state', join(parent, 'alias', 'import-state.json')];
      },
    ],
  ];
  for (const [what, arrange] of attempts) {
    it(`refuses ${what} (exit 2), writing nothing`, async () => {
      const { parent, target, importArgs } = await bundleAndPublished();
      const extra = arrange(parent, target);
      const before = readdirSync(target).sort();
      const r = await runCli(importArgs(...extra));
      expect(r.stderr).toMatch(
        /^tuf-ceremony bundle import: the (records folder|import state) .* is inside the published folder .*published; keep it beside the folder\n$/,
      );
      expect(r.code).toBe(2);
      expect(readdirSync(target).sort()).toEqual(before);
    });
  }
});

describe('bundle import and a records folder in a bind mount of the published folder', () => {
  afterAll(() => removeBuiltCli());
  it('refuses it (exit 2), writing nothing: the same device and inode is the same folder', async () => {
    const { parent, target, importArgs } = await bundleAndPublished();
    const mounted = join(parent, 'mounted');
    mkdirSync(mounted);
    // A private mount namespace (util-linux unshare, as an unprivileged user) shows the published
    // folder again at `mounted`, for this command only.
    const cli = [process.execPath, builtCli(), ...importArgs('--records', join(mounted, 'records'))];
    const r = spawnSync(
      'unshare',
      ['-rm', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', target, mounted, ...cli],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe(
      `tuf-ceremony bundle import: the records folder ${join(mounted, 'records')} is inside the published folder ${target}; keep it beside the folder\n`,
    );
    expect(r.status).toBe(2);
    expect(readdirSync(target)).toEqual([]);
  });
});

describe('bundle import and a state file planted in the published folder', () => {
  afterAll(() => removeBuiltCli());
  // Whoever can write the published folder can plant the hidden state file an earlier release kept
  // there; a pipe or a link to a device in its place must not stall or exhaust the import.
  for (const [what, plant] of [
    ['a named pipe', (path: string) => execFileSync('mkfifo', [path])],
    ['a symbolic link to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
  ] as const) {
    it(`refuses ${what} in place of the state, in one line naming it (exit 2), writing nothing`, async () => {
      const { target, importArgs } = await bundleAndPublished();
      const planted = join(target, '.tuf-ceremony-import.json');
      plant(planted);
      const r = spawnSync(process.execPath, [builtCli(), ...importArgs()], { encoding: 'utf8', timeout: 20_000 });
      expect(r.signal, 'the import ends by itself').toBeNull();
      expect(r.stderr).toBe(
        `tuf-ceremony bundle import: the import state ${planted} is unreadable: ${planted}: not a plain file (a link, pipe or device); it was left as it is\n`,
      );
      expect(r.status).toBe(2);
      expect(readdirSync(target)).toEqual(['.tuf-ceremony-import.json']);
    });
  }
});

describe('bundle import after a root rotation', () => {
  it('says which root to trust next, with its SHA-256 as hex and words, and records it in the state', async () => {
    const parent = tempDir();
    const bundle = (await makeBundle(parent, 1)).dir;
    const target = join(parent, 'published');
    const root1 = join(PEP480_DIR, '1.root.json');
    const root2 = sha256Hex(readFileSync(join(PEP480_DIR, '2.root.json')));
    const r = await runCli(['bundle', 'import', bundle, '--root', root1, '--into', target, '--at', '2030-01-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`trust 2.root.json next: sha256 ${root2}\n`);
    const doc = await runCli(['bundle', 'verify', bundle, '--root', root1, '--at', '2030-01-01', '--json']);
    expect(JSON.parse(doc.stdout).newest_root).toEqual({
      file: '2.root.json',
      version: 2,
      sha256: root2,
      words: fingerprintWords(root2),
    });
    expect(r.stdout).toContain(numberedWords(root2));
    expect(r.stdout).toContain(numberedWords(sha256Hex(readFileSync(root1))));
    const state = JSON.parse(readFileSync(join(`${target}.records`, 'import-state.json'), 'utf8'));
    expect(state.directions['offline-to-online']).toMatchObject({
      trusted_root: { version: 1, sha256: sha256Hex(readFileSync(root1)) },
      next_root: { version: 2, sha256: root2 },
    });
    // The next bundle, verified from the root it said to trust, names no newer one.
    const next = (await makeBundle(parent, 2)).dir;
    const j = await runCli([
      'bundle',
      'import',
      next,
      '--root',
      join(target, '2.root.json'),
      '--into',
      target,
      '--at',
      '2030-01-01',
      '--json',
    ]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      trusted_root: { file: join(target, '2.root.json'), version: 2, sha256: root2 },
      next_root: null,
    });
  });
});

describe('bundle export of a repository without a transcript', () => {
  it('is refused: the other side would refuse a bundle without the transcript and its head', async () => {
    const copy = join(b.dir, 'repo-without-transcript');
    cpSync(b.repoDir, copy, { recursive: true });
    unlinkSync(join(copy, 'transcript.jsonl'));
    const r = await runCli(['bundle', 'export', '--repo', copy, '--to', join(b.dir, 'never-exported')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      `tuf-ceremony bundle export: the transcript ${join(copy, 'transcript.jsonl')} holds no record; ` +
        'a bundle carries the ceremony transcript, so nothing is exported\n',
    );
    expect(readdirSync(b.dir)).not.toContain('never-exported');
  });
});
