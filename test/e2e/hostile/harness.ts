/**
 * Serve written repositories on 127.0.0.1 to the tuf-js Updater, and run the tool's downstream
 * commands on the same folders, each giving a verdict: accept or refuse.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import type { WrittenRepo } from './repo.js';

/**
 * One server for every case: `/<case>/metadata/<file>` is the file of that name as it is on disk
 * (metadata names are already percent-encoded, the client asks for them so); `/<case>/targets/…`
 * is the target path, percent-decoded.
 */
export class RepoServer {
  private server: Server | undefined;
  private readonly roots = new Map<string, string>();
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const m = /^\/([^/]+)\/(metadata|targets)\/(.+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      const root = m && this.roots.get(m[1]!);
      let rest: string | undefined = m?.[3];
      if (m?.[2] === 'targets') {
        try {
          rest = decodeURIComponent(rest!);
        } catch {
          rest = undefined;
        }
      }
      if (
        !root ||
        rest === undefined ||
        rest.split('/').some((p) => p === '..' || p === '.' || p === '') ||
        (m[2] === 'metadata' && rest.includes('/'))
      ) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = readFileSync(join(root, m[2]!, rest));
        res.writeHead(200, { 'content-length': body.length }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  serve(id: string, repo: WrittenRepo): string {
    this.roots.set(id, repo.dir);
    return `${this.base}/${id}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export interface Verdict {
  accepted: boolean;
  /** Why it refused (the client's error, or the bytes it got differing from the ones offered). */
  why: string;
}

/**
 * A fresh tuf-js client that trusts 1.root.json asks for `targetPath`. Accepted: it finds the
 * target, downloads it, verifies length and hashes, and the bytes are exactly `offered`.
 */
export async function clientVerdict(
  repo: WrittenRepo,
  url: string,
  targetPath: string,
  offered: Uint8Array,
): Promise<Verdict> {
  const dir = join(repo.dir, 'client');
  mkdirSync(join(dir, 'targets'), { recursive: true });
  writeFileSync(join(dir, 'root.json'), readFileSync(repo.trustedRoot));
  const updater = new Updater({
    metadataDir: dir,
    metadataBaseUrl: `${url}/metadata`,
    targetBaseUrl: `${url}/targets`,
    targetDir: join(dir, 'targets'),
    config: { fetchRetry: 0 },
  });
  try {
    await updater.refresh();
    const info = await updater.getTargetInfo(targetPath);
    if (!info) return { accepted: false, why: `no role trusted for ${targetPath} lists it` };
    const got = readFileSync(await updater.downloadTarget(info, join(dir, 'targets', 'download')));
    return got.equals(Buffer.from(offered))
      ? { accepted: true, why: '' }
      : { accepted: false, why: 'the client installs other bytes than the ones offered' };
  } catch (e) {
    return { accepted: false, why: String((e as Error)?.message ?? e) };
  }
}

export interface ToolRuns {
  download: CliRun & { ms: number };
  verify: CliRun;
  dev?: CliRun;
}

/** The tool's three downstream commands on the same folder, in-process. */
export async function toolRuns(
  repo: WrittenRepo,
  url: string,
  targetPath: string,
  offered: Uint8Array,
  dev?: { project: string; keyFile: string },
): Promise<ToolRuns> {
  const file = join(repo.dir, 'offered.bin');
  writeFileSync(file, offered);
  const downloadUrl = `${url}/targets/${targetPath.split('/').map(encodeURIComponent).join('/')}`;
  const started = performance.now();
  const download = await runCli([
    'verify-download',
    file,
    downloadUrl,
    '--metadata',
    repo.metadata,
    '--root',
    repo.trustedRoot,
    '--target-path',
    targetPath,
  ]);
  const ms = performance.now() - started;
  const verify = await runCli(['verify', '--root', repo.trustedRoot, repo.metadata]);
  const devRun =
    dev &&
    (await runCli([
      'dev',
      'check',
      '--project',
      dev.project,
      '--key',
      dev.keyFile,
      '--metadata',
      repo.metadata,
      '--root',
      repo.trustedRoot,
    ]));
  return { download: { ...download, ms }, verify, dev: devRun };
}
