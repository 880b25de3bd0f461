/**
 * `dev fetch` and `dev check --url` against repositories served on 127.0.0.1 (node:http), honest
 * and hostile: a tampered, oversized, rolled-back, frozen or slow server is refused with the
 * client's reason and nothing is written; tuf-js refuses the same repositories.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteFor } from '../../src/bundle/fetch-metadata.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { MetaFile } from '../../src/tuf/model/metadata.js';
import { runCli } from '../helpers/cli.js';
import { clientVerdict, RepoServer } from '../e2e/hostile/harness.js';
import {
  HONEST,
  HONEST_PATH,
  honestRepo,
  PAST,
  PROJECT,
  RepoKeys,
  writeRepo,
  type Layout,
  type RepoDraft,
  type WrittenRepo,
} from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'dev-fetch-'));
const server = new RepoServer();
const keys = new RepoKeys();
const developerKey = join(tmp, 'developer.pub.json');
let n = 0;

beforeAll(async () => {
  await server.start();
  writeFileSync(developerKey, serializeJson(keys.developer.key.toJSON()));
});
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function served(change?: (d: RepoDraft) => void, layout: Layout = 'flat') {
  const draft = honestRepo(layout, keys);
  change?.(draft);
  const id = `r${++n}`;
  const repo = await writeRepo(draft, join(tmp, id));
  const url = server.serve(id, repo);
  return { repo, url, metadataUrl: `${url}/metadata` };
}

const devCheck = (repo: WrittenRepo, ...source: string[]) =>
  runCli(['dev', 'check', '--project', PROJECT, '--key', developerKey, '--root', repo.trustedRoot, ...source]);

const fetchTo = (metadataUrl: string, repo: WrittenRepo, out: string, extra: string[] = []) =>
  runCli([
    'dev',
    'fetch',
    '--url',
    metadataUrl,
    '--root',
    repo.trustedRoot,
    '--project',
    PROJECT,
    '--out',
    out,
    ...extra,
  ]);

describe('dev fetch from an honest repository', () => {
  for (const layout of ['flat', 'succinct', 'hashed'] as const)
    it(`writes what dev check and verify-download need (${layout} claimed), and dev check --url agrees`, async () => {
      const { repo, metadataUrl } = await served(undefined, layout);
      const out = join(tmp, `fetched-${layout}`);
      const r = await fetchTo(metadataUrl, repo, out, ['--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.project_delegated_by).toMatch(layout === 'flat' ? /^claimed$/ : /^claimed-bins?-[0-9a-f]$/);
      expect(doc.trusted_root.sha256).toMatch(/^[0-9a-f]{64}$/);
      const files = readdirSync(out).sort();
      expect(files).toEqual(
        expect.arrayContaining(['1.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json']),
      );
      expect(files).toEqual(expect.arrayContaining(['1.claimed.json', '1.recently-claimed.json', `1.${PROJECT}.json`]));

      const check = await devCheck(repo, '--metadata', out);
      expect(check.stdout).toMatch(/^OK: example-project is delegated through targets → claimed/);
      const direct = await devCheck(repo, '--url', metadataUrl);
      expect(direct.code).toBe(0);
      expect(direct.stdout).toBe(check.stdout);
      const offered = join(tmp, `offered-${layout}`);
      writeFileSync(offered, HONEST);
      const download = await runCli([
        'verify-download',
        offered,
        `https://x.example/${HONEST_PATH}`,
        '--metadata',
        out,
        '--root',
        repo.trustedRoot,
      ]);
      expect(download.code).toBe(0);
    });

  it('reads a folder as well, by path or file:// URL', async () => {
    const { repo } = await served();
    for (const [i, url] of [repo.metadata, pathToFileURL(repo.metadata).href].entries()) {
      const r = await fetchTo(url, repo, join(tmp, `from-folder-${i}`));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`is delegated by claimed`);
      expect(r.stdout).toMatch(/Trusted root .*\n {2}hex: /);
    }
  });

  it('fetches a project role signed by other keys, and dev check raises the alarm on it', async () => {
    const { repo, metadataUrl } = await served((d) => (d.roles.get(PROJECT)!.signers = [keys.attacker]));
    const out = join(tmp, 'attacker-project');
    const r = await fetchTo(metadataUrl, repo, out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /warning: your project's published role does not verify through claimed: 1\.example-project\.json: 0 of 1/,
    );
    const check = await devCheck(repo, '--metadata', out);
    expect(check.code).toBe(3);
    expect(check.stderr).toMatch(/^ALARM/);
  });
});

describe('dev fetch refuses a hostile server with the client’s reason and writes nothing', () => {
  const refused = async (metadataUrl: string, repo: WrittenRepo, why: RegExp, extra: string[] = []) => {
    const out = join(tmp, `refused-${++n}`);
    const r = await fetchTo(metadataUrl, repo, out, extra);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith(`.refused-${n}`))).toEqual([]);
  };

  it('a timestamp larger than any a client reads (endless data)', async () => {
    const { repo, metadataUrl, url } = await served();
    repo.write('timestamp.json', Buffer.alloc(2 * 1024 * 1024, 0x20));
    await refused(metadataUrl, repo, /timestamp\.json: .*more than the 1048576 (bytes )?allowed/);
    expect((await clientVerdict(repo, url, HONEST_PATH, HONEST)).accepted).toBe(false);
  });

  it('a role whose hash differs from what snapshot lists (tampered)', async () => {
    const { repo, metadataUrl, url } = await served((d) => {
      d.snapshot.withHashes = true;
      d.snapshot.edit = (meta) => {
        const m = meta.get('claimed.json')!;
        meta.set('claimed.json', new MetaFile(m.version, m.length, { sha256: '00'.repeat(32) }));
      };
    });
    await refused(
      metadataUrl,
      repo,
      /1\.claimed\.json: sha256 [0-9a-f]{64} differs from 0{64} listed in 1\.snapshot\.json/,
    );
    expect((await clientVerdict(repo, url, HONEST_PATH, HONEST)).accepted).toBe(false);
  });

  it('an expired timestamp (a frozen server)', async () => {
    const { repo, metadataUrl, url } = await served((d) => (d.timestamp.expires = PAST));
    await refused(metadataUrl, repo, /timestamp\.json: expired at 2020-01-01T00:00:00Z/);
    expect((await clientVerdict(repo, url, HONEST_PATH, HONEST)).accepted).toBe(false);
  });

  it('claimed signed by one admin of two', async () => {
    const { repo, metadataUrl, url } = await served((d) => (d.roles.get('claimed')!.signers = [keys.claimed[0]!]));
    await refused(
      metadataUrl,
      repo,
      /1\.claimed\.json: 1 of 2 required signatures by the keys targets delegates claimed to/,
    );
    expect((await clientVerdict(repo, url, HONEST_PATH, HONEST)).accepted).toBe(false);
  });

  it('an older timestamp than the one kept in --state (rollback)', async () => {
    const state = join(tmp, 'state');
    const newer = await served((d) => {
      d.timestamp.version = 2;
      d.snapshot.version = 2;
    });
    expect((await fetchTo(newer.metadataUrl, newer.repo, join(tmp, 'newer'), ['--state', state])).code).toBe(0);
    const older = await served();
    await refused(older.metadataUrl, older.repo, /timestamp\.json: version 1 is older than the trusted version 2/, [
      '--state',
      state,
    ]);
  });

  it('no timestamp at all', async () => {
    const { repo, metadataUrl } = await served();
    repo.remove('timestamp.json');
    await refused(metadataUrl, repo, /timestamp\.json: not at .*without a timestamp there is no freshness/);
  });

  it('a server that never answers (slow retrieval), within the time allowed', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer(() => {
      /* never answers */
    });
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/metadata`;
    const started = Date.now();
    const remote = remoteFor(url, tmp, { timeoutMs: 300 });
    await expect(remote.get('2.root.json', 1024)).rejects.toThrow(/2\.root\.json: no complete answer within 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a server that sends data without end and without a length, cut at the limit', async () => {
    const endless: Server = createServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/metadata`;
    const remote = remoteFor(url, tmp, { timeoutMs: 10_000 });
    await expect(remote.get('timestamp.json', 1 << 20)).rejects.toThrow(
      /timestamp\.json: more than the 1048576 bytes allowed/,
    );
    endless.closeAllConnections();
    await new Promise<void>((resolve) => endless.close(() => resolve()));
  });

  it('refuses a URL it cannot use, and an existing output folder', async () => {
    const { repo, metadataUrl } = await served();
    const bad = await fetchTo('ftp://example.org/metadata', repo, join(tmp, 'ftp'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--url ftp://example.org/metadata: http://, https://, file:// or a folder');
    const out = join(tmp, 'exists');
    expect((await fetchTo(metadataUrl, repo, out)).code).toBe(0);
    const again = await fetchTo(metadataUrl, repo, out);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(`${out} already exists`);
  });
});
