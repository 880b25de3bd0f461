/**
 * `dev fetch` and `dev check` against a hostile server and the holder of an online key: each case
 * serves an honest repository's files with one lie (a redirect, a compressed or truncated body, a
 * trickle, a file served under another file's name), or signs online metadata that hides the
 * offline claimed role. Every case is refused with the client's reason and nothing is written;
 * tuf-js refuses the same server where it is asked.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteFor } from '../../src/bundle/fetch-metadata.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { MetaFile } from '../../src/tuf/model/metadata.js';
import { runCli } from '../helpers/cli.js';
import { clientVerdict } from '../e2e/hostile/harness.js';
import {
  delegation,
  delegations,
  HONEST,
  HONEST_PATH,
  honestRepo,
  PROJECT,
  RepoKeys,
  SUCCINCT_PREFIX,
  writeRepo,
  type WrittenRepo,
} from '../e2e/hostile/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'fetch-attacks-'));
const keys = new RepoKeys();
const developerKey = join(tmp, 'developer.pub.json');
let repo: WrittenRepo;
const servers: Server[] = [];
let n = 0;

beforeAll(async () => {
  writeFileSync(developerKey, serializeJson(keys.developer.key.toJSON()));
  const draft = honestRepo('flat', keys);
  // claimed v2 is published; 1.claimed.json, the version before, is still on the server.
  draft.roles.get('claimed')!.version = 2;
  repo = await writeRepo(draft, join(tmp, 'repo'));
  const old = await writeRepo(honestRepo('flat', keys), join(tmp, 'old'));
  writeFileSync(join(repo.metadata, '1.claimed.json'), readFileSync(join(old.metadata, '1.claimed.json')));
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** A server of the repository's metadata under /metadata/, each answer made by `answer`. */
async function serve(answer: Answer): Promise<string> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/metadata\//, ''));
    let body: Buffer | undefined;
    try {
      if (!name.includes('/')) body = readFileSync(join(repo.metadata, name));
    } catch {
      body = undefined;
    }
    answer(name, body, req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Answer = (name: string, body: Buffer | undefined, req: IncomingMessage, res: ServerResponse) => void;

const honest: Answer = (_name, body, _req, res) => {
  if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
  else res.writeHead(404).end();
};

/** The same answers for metadata, and the target files under /targets/ as tuf-js asks for them. */
const withTargets =
  (answer: Answer): Answer =>
  (name, body, req, res) => {
    if (!req.url?.startsWith('/targets/')) return answer(name, body, req, res);
    try {
      const t = readFileSync(join(repo.targets, decodeURIComponent(req.url.slice('/targets/'.length))));
      res.writeHead(200, { 'content-length': t.length }).end(t);
    } catch {
      res.writeHead(404).end();
    }
  };

const devFetch = (url: string, out: string) =>
  runCli(['dev', 'fetch', '--url', `${url}/metadata`, '--root', repo.trustedRoot, '--project', PROJECT, '--out', out]);

async function refused(url: string, why: RegExp) {
  const out = join(tmp, `out-${++n}`);
  const r = await devFetch(url, out);
  expect(r.stderr).toMatch(why);
  expect(r.code).toBe(3);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(out)).toBe(false);
}

describe('the honest server', () => {
  it('is fetched from, and tuf-js installs the target', async () => {
    const url = await serve(honest);
    const out = join(tmp, 'honest');
    const r = await devFetch(url, out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, '2.claimed.json'))).toEqual(readFileSync(join(repo.metadata, '2.claimed.json')));
    expect(await clientVerdict(repo, await serve(withTargets(honest)), HONEST_PATH, HONEST)).toEqual({
      accepted: true,
      why: '',
    });
  });
});

describe('a hostile server', () => {
  it('redirects the timestamp elsewhere: not followed', async () => {
    const url = await serve((name, body, req, res) =>
      name === 'timestamp.json'
        ? res.writeHead(302, { location: `http://127.0.0.1:1/metadata/timestamp.json` }).end()
        : honest(name, body, req, res),
    );
    await refused(url, /timestamp\.json: the server answered HTTP 302/);
  });

  it('sends claimed gzip-compressed though the client asked for identity', async () => {
    const url = await serve((name, body, req, res) => {
      if (name !== '2.claimed.json' || !body) return honest(name, body, req, res);
      expect(req.headers['accept-encoding']).toBe('identity');
      const gz = gzipSync(body);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length }).end(gz);
    });
    await refused(url, /2\.claimed\.json: .*(content-encoding|not readable metadata|JSON)/i);
  });

  it('announces fewer bytes than the snapshot has, and cuts it there', async () => {
    const url = await serve((name, body, req, res) => {
      if (name !== '1.snapshot.json' || !body) return honest(name, body, req, res);
      res.writeHead(200, { 'content-length': body.length - 10 }).end(body.subarray(0, body.length - 10));
    });
    await refused(url, /1\.snapshot\.json: /);
  });

  it('announces more bytes than it sends, then holds the connection (slow retrieval)', async () => {
    const url = await serve((name, body, req, res) => {
      if (name !== 'timestamp.json' || !body) return honest(name, body, req, res);
      res.writeHead(200, { 'content-length': body.length + 100 });
      res.write(body);
    });
    const remote = remoteFor(`${url}/metadata`, tmp, { timeoutMs: 400 });
    const started = Date.now();
    await expect(remote.get('timestamp.json', 1 << 20)).rejects.toThrow(/no complete answer within 0\.4 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('trickles a byte at a time, each in time, never finishing (slowloris)', async () => {
    const url = await serve((name, body, req, res) => {
      if (name !== 'timestamp.json' || !body) return honest(name, body, req, res);
      res.writeHead(200);
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(body.subarray(i % body.length, (i % body.length) + 1));
        i++;
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    const remote = remoteFor(`${url}/metadata`, tmp, { timeoutMs: 500 });
    const started = Date.now();
    await expect(remote.get('timestamp.json', 1 << 20)).rejects.toThrow(/no complete answer within 0\.5 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('serves the older claimed under the newer one’s name (mix and match); tuf-js refuses it too', async () => {
    const older = readFileSync(join(repo.metadata, '1.claimed.json'));
    const answer: Answer = (name, body, req, res) =>
      name === '2.claimed.json'
        ? res.writeHead(200, { 'content-length': older.length }).end(older)
        : honest(name, body, req, res);
    const url = await serve(withTargets(answer));
    await refused(url, /2\.claimed\.json: version 1, but 1\.snapshot\.json lists 2|holds version 1, not the 2/);
    // A fresh tuf-js client (the one above kept the honest claimed in its local metadata).
    rmSync(join(repo.dir, 'client'), { recursive: true, force: true });
    const tufjs = await clientVerdict(repo, url, HONEST_PATH, HONEST);
    expect(tufjs.accepted).toBe(false);
    expect(tufjs.why).toMatch(/version/i);
  });

  it('answers the next root with a page that is not metadata (a soft 404)', async () => {
    const page = Buffer.from('<html>Not Found</html>');
    const url = await serve((name, body, req, res) =>
      name === '2.root.json'
        ? res.writeHead(200, { 'content-length': page.length }).end(page)
        : honest(name, body, req, res),
    );
    await refused(url, /2\.root\.json: /);
  });
});

describe('dev check when snapshot (an online key) hides the claimed bin that holds the project', () => {
  const hide: Array<[string, (meta: Map<string, MetaFile>, name: string) => void, RegExp]> = [
    [
      'lists another version of each bin',
      (meta, name) => meta.set(name, new MetaFile(7)),
      /cannot answer: 7\.claimed-bins-[0-3]\.json: listed by 1\.snapshot\.json but not in/,
    ],
    [
      'drops each bin',
      (meta, name) => meta.delete(name),
      /cannot answer: claimed delegates claimed-bins-[0-3], which 1\.snapshot\.json does not list/,
    ],
  ];
  for (const [what, edit, why] of hide)
    it(`snapshot ${what}; recently-claimed names the project with the developer’s key`, async () => {
      // Without its bin, the project would read as not yet claimed: the answer is that there is none.
      const d = honestRepo('succinct', keys);
      d.roles.get('recently-claimed')!.delegations = delegations([
        delegation(PROJECT, [keys.developer], { terminating: true, paths: [`${PROJECT}/*`] }),
      ]);
      d.snapshot.edit = (meta) => {
        for (const name of [...meta.keys()]) if (name.startsWith(`${SUCCINCT_PREFIX}-`)) edit(meta, name);
      };
      const sharded = await writeRepo(d, join(tmp, `sharded-${++n}`));
      const r = await runCli([
        'dev',
        'check',
        '--project',
        PROJECT,
        '--key',
        developerKey,
        '--root',
        sharded.trustedRoot,
        '--metadata',
        sharded.metadata,
      ]);
      expect(r.stdout).not.toMatch(/^OK/);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(why);
    });
});
