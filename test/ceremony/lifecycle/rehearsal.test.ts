/**
 * The README's first command: `tuf-ceremony rehearsal --out <new folder>` as installed (a child
 * process of the built tool), on fresh SoftHSM2 tokens it makes itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tufjs from '@tufjs/models';
import { Updater } from 'tuf-js';
import { readTranscript, verifyTranscript } from '../../../src/ceremony/state/transcript.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
let out: string;
let run: ReturnType<typeof spawnSync>;

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

function tool(args: string[]) {
  const env = { ...process.env };
  delete env['SOFTHSM2_CONF'];
  return spawnSync(process.execPath, [join(root, 'bin', 'tuf-ceremony.js'), ...args], { env, encoding: 'utf8' });
}

beforeAll(() => {
  // Build when the compiled CLI is missing or older than the sources (`npm test` builds first).
  const built = join(root, 'dist', 'src', 'ceremony', 'lifecycle', 'rehearsal.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource(join(root, 'src'))) {
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'ignore',
      });
    } catch {
      // tsc emits even when other parts of the tree have type errors.
    }
  }
  out = join(mkdtempSync(join(tmpdir(), 'rehearsal-')), 'run');
  run = tool(['rehearsal', '--out', out]);
});

describe('tuf-ceremony rehearsal', () => {
  it('runs the whole ceremony and ends with the verify result', () => {
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Rehearsal finished.');
    expect(run.stdout).toMatch(/OK: verified from trusted root v1 to root v2/);
    expect(run.stdout).toContain(`repository state   ${join(out, 'repo')}`);
    // The narrative on stderr tells each step.
    for (const step of [
      '== Bootstrap: signing at one machine',
      'Insert the token of admin-b',
      '== Developer requests and intake',
      'forged-project.json: rejected',
      "[admin-c's machine]",
      '== Bundle',
      '== Step 1 of 10: Check the transcript before anything else',
      '== Step 10 of 10: Write the ceremony record to print and sign',
      '== Re-sign ceremony, guided by a runbook',
    ])
      expect(run.stderr).toContain(step);
  });

  it('leaves a repository with claimed v2 signed by two admins at separate machines', () => {
    const md = join(out, 'repo', 'metadata');
    expect(readdirSync(md).sort()).toEqual([
      '1.claimed.json',
      '1.root.json',
      '1.targets.json',
      '2.claimed.json',
      '2.root.json',
      '2.targets.json',
      '3.claimed.json',
    ]);
    const claimed = JSON.parse(readFileSync(join(md, '2.claimed.json'), 'utf8'));
    expect(claimed.signed.delegations.roles.map((r: any) => r.name).sort()).toEqual([
      'another-project',
      'example-project',
    ]);
    expect(readdirSync(join(out, 'machines')).sort()).toEqual(['admin-b', 'admin-c']);
    const targets = tufjs.Metadata.fromJSON(
      tufjs.MetadataKind.Targets,
      JSON.parse(readFileSync(join(md, '1.targets.json'), 'utf8')),
    );
    expect(() =>
      targets.verifyDelegate('claimed', tufjs.Metadata.fromJSON(tufjs.MetadataKind.Targets, claimed)),
    ).not.toThrow();
    const verify = tool(['verify', '--root', join(md, '1.root.json'), md]);
    expect(verify.status).toBe(0);
  });

  it('exported bundles that verify, and a transcript that verifies', () => {
    const bundles = readdirSync(join(out, 'medium'));
    expect(bundles).toEqual(['bundle-000001', 'bundle-000002']);
    expect(verifyTranscript(join(out, 'repo', 'transcript.jsonl'))).toMatchObject({ ok: true });
    for (const b of bundles) {
      const verified = tool([
        'bundle',
        'verify',
        join(out, 'medium', b),
        '--root',
        join(out, 'repo', 'metadata', '1.root.json'),
      ]);
      expect(verified.status).toBe(0);
    }
  });

  it("walked the re-sign runbook: each step confirmed by the plan's people, recorded, and a printable record", () => {
    const records = readTranscript(join(out, 'repo', 'transcript.jsonl'));
    const steps = records.filter((r) => r.step === 'ceremony-step');
    expect(steps.map((r) => r.details?.['number'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const r of steps)
      expect(r.details?.['confirmed_by']).toEqual({ ceremony_administrator: 'Dana Park', witness: 'Sam Lee' });
    expect(records.map((r) => r.step)).toEqual(
      expect.arrayContaining(['ceremony-run-start', 'resign', 'ceremony-run-end']),
    );
    const record = readdirSync(join(out, 'repo')).filter((f) => /^ceremony-record-resign-\d{8}T\d{6}Z\.html$/.test(f));
    expect(record).toHaveLength(1);
    expect(readFileSync(join(out, 'repo', record[0]!), 'utf8')).toContain('Sign: admin-b');
  });

  it('keeps its tokens and PIN files inside the output folder, PINs readable by the owner only', () => {
    expect(readdirSync(join(out, 'softhsm', 'pins')).sort()).toEqual(['admin-a.pin', 'admin-b.pin', 'admin-c.pin']);
    for (const f of readdirSync(join(out, 'softhsm', 'pins')))
      expect(statSync(join(out, 'softhsm', 'pins', f)).mode & 0o077).toBe(0);
  });

  it('goes to the end of the chain: a release the online side published, downloaded by tuf-js from 127.0.0.1', async () => {
    for (const step of [
      '== The online side, a release and a download',
      '$ tuf-ceremony online import',
      '$ tuf-ceremony dev sign --project example-project',
      'ACCEPT: ',
      '$ tuf-ceremony dev fetch --url http://127.0.0.1:',
      '-- verify-download accepts the file',
      '-- verify-download refuses a tampered copy (exit 3)',
      'tuf-ceremony verify-download: rejected ',
    ])
      expect(run.stderr).toContain(step);
    expect(run.stdout).toMatch(
      /✓ Online side, release and download: 9 steps: example-project\/example_project-1\.0\.tar\.gz/,
    );
    const repository = join(out, 'online-side', 'repository');
    const release = readFileSync(join(out, 'release', 'example_project-1.0.tar.gz'));
    expect(readFileSync(join(out, 'client', 'example_project-1.0.tar.gz')).equals(release)).toBe(true);

    // A second TUF implementation reads what the rehearsal's online side published.
    const server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      try {
        if (!/^\/(metadata|targets)\//.test(path) || path.includes('..')) throw new Error('not served');
        res.end(readFileSync(join(repository, path)));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = join(out, 'tuf-js-client');
      mkdirSync(join(client, 'targets'), { recursive: true });
      copyFileSync(join(out, 'repo', 'metadata', '1.root.json'), join(client, 'root.json'));
      const updater = new Updater({
        metadataDir: client,
        metadataBaseUrl: `${base}/metadata`,
        targetBaseUrl: `${base}/targets`,
        targetDir: join(client, 'targets'),
      });
      await updater.refresh();
      const info = await updater.getTargetInfo('example-project/example_project-1.0.tar.gz');
      expect(info?.hashes['sha256']).toBeDefined();
      // tuf-js 4 knows no blake2b-256 (which dev sign lists too): its download checks the sha256.
      const sha256Only = new tufjs.TargetFile({
        path: info!.path,
        length: info!.length,
        hashes: { sha256: info!.hashes['sha256']! },
      });
      const got = await updater.downloadTarget(sha256Only, join(client, 'targets', 'example_project-1.0.tar.gz'));
      expect(readFileSync(got).equals(release)).toBe(true);
      expect(
        JSON.parse(readFileSync(join(client, 'claimed.json'), 'utf8')).signed.delegations.roles.map(
          (r: { name: string }) => r.name,
        ),
      ).toContain('example-project');
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('never reuses an output folder', () => {
    const again = tool(['rehearsal', '--out', out]);
    expect(again.status).toBe(5);
    expect(again.stderr).toMatch(/exists already; the rehearsal always writes a new folder/);
  });
});
