/**
 * The rehearsal's last part: the end of the chain. The reference online side (`tuf-ceremony online
 * …`, run as the tool's own commands, since ceremony never imports it) takes in the ceremony's
 * bundle and publishes; a developer signs a release with `dev sign` against what was published;
 * the online side takes the upload in and publishes again; the repository is served on 127.0.0.1,
 * where a client refreshes (`dev fetch`), downloads the file under its consistent-snapshot name
 * and checks it with `verify-download`, which also refuses a tampered copy. Each step is a command
 * an operator, a developer or a user would type; its output is the narrative.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { RefusedError } from '../../tuf/base/index.js';
import { sha256Hex } from '../../tuf/model/index.js';

export interface OnlineRehearsalInput {
  out: string;
  /** The root the online side and the client trust at first (the ceremony's 1.root.json). */
  trustedRoot: string;
  planPath: string;
  /** The newest bundle the ceremony exported. */
  bundle: string;
  /** The online key files and the passphrase file that opens them. */
  onlineKeys: string[];
  passphraseFile: string;
  developer: { project: string; keyFile: string; passphraseFile: string };
  execute: (argv: string[]) => Promise<number>;
  log: (text: string) => void;
}

export interface OnlineRehearsal {
  ok: boolean;
  detail: string;
  /** The published repository (metadata/ and targets/). */
  repository: string;
  /** The release's target path and the file as the client downloaded it. */
  targetPath: string;
  downloaded?: string;
}

/** The release the developer publishes in the rehearsal. */
const RELEASE_NAME = 'example_project-1.0.tar.gz';

/** Serve `dir` read-only on 127.0.0.1 (a port the system picks) while `use` runs. */
async function serving<T>(dir: string, use: (baseUrl: string) => Promise<T>): Promise<T> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    let body: Buffer | undefined;
    if (/^\/(metadata|targets)\//.test(path) && !path.split(sep).includes('..')) {
      try {
        body = readFileSync(join(dir, path));
      } catch {
        body = undefined; // not there: 404, as a server answers
      }
    }
    if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
}

export async function rehearseOnlineSide(w: OnlineRehearsalInput): Promise<OnlineRehearsal> {
  const state = join(w.out, 'online-side');
  const repository = join(state, 'repository');
  const project = w.developer.project;
  const targetPath = `${project}/${RELEASE_NAME}`;
  const done: string[] = [];
  const run = async (what: string, argv: string[], expected = 0): Promise<void> => {
    w.log(`\n-- ${what}\n$ tuf-ceremony ${argv.join(' ')}`);
    const code = await w.execute(argv);
    if (code !== expected)
      throw new RefusedError(
        `${what}: tuf-ceremony ${argv[0]} ${argv[1] ?? ''} exited ${code}, not ${expected}`,
        'E_REHEARSAL',
      );
    done.push(what);
  };
  const keys = w.onlineKeys.flatMap((k) => ['--key', k, '--passphrase-file', w.passphraseFile]);
  try {
    await run('the online side starts from the root the ceremony published', [
      'online',
      'init',
      '--state',
      state,
      '--root',
      w.trustedRoot,
      '--plan',
      w.planPath,
    ]);
    await run("it verifies the ceremony's bundle and takes it in", ['online', 'import', w.bundle, '--state', state]);
    await run('it signs recently-claimed, unclaimed and its bins, snapshot and timestamp', [
      'online',
      'publish',
      '--state',
      state,
      ...keys,
    ]);
    const release = join(w.out, 'release');
    mkdirSync(release);
    const bytes = Buffer.from(`${project} 1.0, as its developer built it\n`);
    writeFileSync(join(release, RELEASE_NAME), bytes, { flag: 'wx' });
    const upload = join(w.out, 'upload-1.0');
    await run(`the developer of ${project} signs release 1.0 against the published metadata`, [
      'dev',
      'sign',
      '--project',
      project,
      '--files',
      join(release, RELEASE_NAME),
      '--key',
      w.developer.keyFile,
      '--passphrase-file',
      w.developer.passphraseFile,
      '--out',
      upload,
      '--metadata',
      join(repository, 'metadata'),
      '--root',
      w.trustedRoot,
    ]);
    await run('the online side checks the upload as upload check does and takes it in', [
      'online',
      'upload',
      `${upload}.zip`,
      '--state',
      state,
    ]);
    await run('and publishes it with a new snapshot and timestamp', ['online', 'publish', '--state', state, ...keys]);
    const downloaded = await serving(repository, async (base) => {
      const client = join(w.out, 'client');
      mkdirSync(client);
      await run(`a client on 127.0.0.1 refreshes from ${base}/metadata (targets → claimed → ${project})`, [
        'dev',
        'fetch',
        '--url',
        `${base}/metadata`,
        '--root',
        w.trustedRoot,
        '--project',
        project,
        '--out',
        join(client, 'metadata'),
      ]);
      // Consistent snapshots: the file is served as <dir>/<hash>.<name> (TUF spec 5.7.3).
      const url = `${base}/targets/${project}/${sha256Hex(bytes)}.${RELEASE_NAME}`;
      const response = await fetch(url);
      if (!response.ok) throw new RefusedError(`GET ${url}: HTTP ${response.status}`, 'E_REHEARSAL');
      const file = join(client, RELEASE_NAME);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()), { flag: 'wx' });
      w.log(`\n-- downloaded ${url}\n   to ${file}`);
      const check = (path: string) => [
        'verify-download',
        path,
        `${base}/targets/${targetPath}`,
        '--target-path',
        targetPath,
        '--metadata',
        join(client, 'metadata'),
        '--root',
        w.trustedRoot,
      ];
      await run('verify-download accepts the file', check(file));
      // Under the file's own name, as pip would save what a hostile mirror served.
      mkdirSync(join(client, 'tampered'));
      const tampered = join(client, 'tampered', RELEASE_NAME);
      writeFileSync(tampered, Buffer.concat([bytes.subarray(0, -1), Buffer.from('!')]), { flag: 'wx' });
      await run('verify-download refuses a tampered copy (exit 3)', check(tampered), 3);
      return file;
    });
    return {
      ok: true,
      detail:
        `${done.length} steps: ${targetPath} published by the online side in ${repository}, ` +
        'downloaded from 127.0.0.1 and verified; a tampered copy refused.',
      repository,
      targetPath,
      downloaded,
    };
  } catch (e) {
    if (!(e instanceof RefusedError)) throw e;
    return { ok: false, detail: `stopped after ${done.length} steps: ${e.message}`, repository, targetPath };
  }
}
