/**
 * scripts/pip-install-verified.sh (docs/pip.md) with the machine's pip, against a PEP 503 simple
 * index served on 127.0.0.1 by this test, over the repositories python-tuf wrote
 * (test/generated/python-tuf/pypi). pip never reaches further: --index-url is the local server,
 * --no-cache-dir, and PIP_CONFIG_FILE=/dev/null. The script installs what the metadata vouches
 * for, and refuses (exit 3, nothing installed) a file it does not, as the index serves it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../bundle/fixtures.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'pip-install-verified.sh');
const VECTORS = join(ROOT, 'test', 'generated', 'python-tuf', 'pypi');
const WHEEL = 'my_project-1.0-py3-none-any.whl';
const HONEST = readFileSync(join(VECTORS, 'files', WHEEL));
/** The page python-tuf signed as my-project's target (Warehouse's model): its link is relative. */
const SIGNED_PAGE = readFileSync(join(VECTORS, 'simple-page', 'targets', 'my-project'));
/** Another wheel under the same name, as a compromised index would serve it. */
const EVIL = Buffer.from(HONEST);
EVIL[EVIL.length - 1] = EVIL[EVIL.length - 1]! ^ 1;

/** What the index serves now: the wheel, and the project's page (PEP 503 HTML). */
let served: { wheel: Buffer; page: Buffer };
const requests: string[] = [];
let server: Server;
let indexUrl = '';
let work: string;
let bin: string;

/** The page a (possibly compromised) index makes for `wheel`: a link with its sha256, as pip checks it. */
function pageFor(wheel: Buffer): Buffer {
  const sha = createHash('sha256').update(wheel).digest('hex');
  return Buffer.from(
    `<!DOCTYPE html>\n<html><body>\n<a href="../../packages/3a/7b/${sha.slice(0, 60)}/${WHEEL}#sha256=${sha}">${WHEEL}</a><br />\n</body></html>\n`,
  );
}

beforeAll(async () => {
  // The script runs the installed command: build it when missing or older than the sources it uses.
  const sources = [
    'src/bundle/simple-page.ts',
    'src/bundle/download-target.ts',
    'src/bundle/distribution-name.ts',
    'src/cli/commands/verify-download.ts',
    'src/cli/commands/declarations.ts',
  ].map((s) => statSync(join(ROOT, s)).mtimeMs);
  const built = join(ROOT, 'dist', 'src', 'bundle', 'simple-page.js');
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources)) {
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    } catch {
      // tsc emits even when other parts of the tree have type errors.
    }
  }
  work = tempDir('pip-script-');
  bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'tuf-ceremony'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'tuf-ceremony.js')}" "$@"\n`,
  );
  chmodSync(join(bin, 'tuf-ceremony'), 0o755);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const body =
      path === '/simple/'
        ? Buffer.from('<!DOCTYPE html>\n<html><body><a href="my-project/">my-project</a></body></html>\n')
        : path === '/simple/my-project/'
          ? served.page
          : path.startsWith('/packages/') && path.endsWith(`/${WHEEL}`)
            ? served.wheel
            : undefined;
    if (body) res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  indexUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** The script, in a child process (the server answers in this one meanwhile). */
function runScript(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', [SCRIPT, '--index-url', indexUrl, ...args], {
      env: {
        ...env,
        PATH: `${bin}:${process.env.PATH}`,
        HOME: work,
        TMPDIR: work,
        PIP_CONFIG_FILE: '/dev/null',
        PIP_DISABLE_PIP_VERSION_CHECK: '1',
        PIP_NO_INPUT: '1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const repo = (name: string) => [
  '--metadata',
  join(VECTORS, name, 'metadata'),
  '--root',
  join(VECTORS, name, 'metadata', '1.root.json'),
];

/** python3 for the script, running `line` first: something else writing into the download folder `dest`. */
function pythonThat(name: string, dest: string, line: string): string {
  const wrapper = join(bin, `python-${name}`);
  writeFileSync(wrapper, `#!/bin/sh\nDEST='${dest}'\n${line}\nexec python3 "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

describe('scripts/pip-install-verified.sh', () => {
  it('installs a wheel the project role lists (<project>/<file>, blake2b-256), from the local index only', async () => {
    served = { wheel: HONEST, page: pageFor(HONEST) };
    requests.length = 0;
    const target = join(work, 'site-honest');
    const r = await runScript([
      ...repo('blake2b-claimed'),
      '--dest',
      join(work, 'dl-honest'),
      '--target',
      target,
      'my-project',
    ]);
    expect(r.stderr).not.toMatch(/rejected/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /OK: .*my_project-1\.0-py3-none-any\.whl is my-project\/my_project-1\.0-py3-none-any\.whl as listed by my-project/,
    );
    expect(r.stdout).toContain('installed from 1 verified file(s)');
    expect(readFileSync(join(target, 'my_project', '__init__.py'), 'utf8')).toBe(
      'GREETING = "hello from my-project 1.0"\n',
    );
    expect(requests).toContain('/simple/my-project/');
  });

  it('refuses a wheel the index swapped, even with a page that lists its hash: exit 3, nothing installed', async () => {
    served = { wheel: EVIL, page: pageFor(EVIL) };
    const target = join(work, 'site-evil');
    const r = await runScript([
      ...repo('blake2b-claimed'),
      '--dest',
      join(work, 'dl-evil'),
      '--target',
      target,
      'my-project',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/rejected .*my_project-1\.0-py3-none-any\.whl: .*blake2b-256 [0-9a-f]{64} differs from/);
    expect(r.stderr).toContain('failed verification; nothing installed');
    expect(existsSync(target)).toBe(false);
    // pip did download it: the refusal is the script's, not pip's.
    expect(readdirSync(join(work, 'dl-evil'))).toEqual([WHEEL]);
  });

  it("with --simple-pages, installs by the TUF-verified page (Warehouse's model) and refuses the index's own page", async () => {
    served = { wheel: HONEST, page: SIGNED_PAGE };
    const ok = join(work, 'site-page');
    const r = await runScript([
      ...repo('simple-page'),
      '--simple-pages',
      '--dest',
      join(work, 'dl-page'),
      '--target',
      ok,
      'my-project',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /with the sha256 listed by the simple page of my-project, which is my-project as listed by bins-/,
    );
    expect(existsSync(join(ok, 'my_project', '__init__.py'))).toBe(true);

    served = { wheel: EVIL, page: pageFor(EVIL) };
    const no = join(work, 'site-page-evil');
    const e = await runScript([
      ...repo('simple-page'),
      '--simple-pages',
      '--dest',
      join(work, 'dl-page-evil'),
      '--target',
      no,
      'my-project',
    ]);
    expect(e.code).toBe(3);
    expect(e.stderr).toMatch(/rejected .*: the simple page .*my-project: /);
    expect(existsSync(no)).toBe(false);
  });

  it('installs only the copies it checked: not a hidden page of links, nor a file that appears in the folder later', async () => {
    served = { wheel: HONEST, page: pageFor(HONEST) };
    // A wheel no role lists, at a higher version, that pip would prefer.
    const evil = join(work, 'evil', 'my_project-9.0-py3-none-any.whl');
    mkdirSync(join(work, 'evil'));
    execFileSync('python3', [
      '-c',
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("my_project/__init__.py", 'GREETING = "unchecked"\\n')
    z.writestr("my_project-9.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: my-project\\nVersion: 9.0\\n")
    z.writestr("my_project-9.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("my_project-9.0.dist-info/RECORD", "")`,
      evil,
    ]);
    // Something else writing into the download folder (a build backend pip ran, another process):
    // a hidden .html file, which pip install --find-links reads as a page of links, when pip
    // download is done; the unchecked wheel itself, once pip install starts.
    const attacks = {
      hidden: `[ "$3" = download ] && python3 "$@" && printf '<a href="file://${evil}">my_project-9.0-py3-none-any.whl</a>' > "$DEST/.links.html" && exit 0`,
      late: `[ "$3" = install ] && cp "${evil}" "$DEST/"`,
    };
    for (const [attack, line] of Object.entries(attacks)) {
      const dest = join(work, `dl-attack-${attack}`);
      const site = join(work, `site-attack-${attack}`);
      const r = await runScript([...repo('blake2b-claimed'), '--dest', dest, '--target', site, 'my-project'], {
        PYTHON: pythonThat(attack, dest, line),
      });
      if (attack === 'hidden') {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/\.links\.html is not a wheel or sdist name/);
        expect(existsSync(site)).toBe(false);
      } else {
        expect(r.code, r.stderr).toBe(0);
        expect(readdirSync(dest).sort()).toEqual([WHEEL, 'my_project-9.0-py3-none-any.whl']);
        expect(readFileSync(join(site, 'my_project', '__init__.py'), 'utf8')).toContain('hello from my-project 1.0');
      }
    }
  });

  it('refuses an entry of the download folder that is not a regular file', async () => {
    served = { wheel: HONEST, page: pageFor(HONEST) };
    const dest = join(work, 'dl-link');
    const site = join(work, 'site-link');
    // pip download done, its file is moved away and a symbolic link put in its place.
    const line = `[ "$3" = download ] && python3 "$@" && mv "$DEST/${WHEEL}" "$DEST.whl" && ln -s "$DEST.whl" "$DEST/${WHEEL}" && exit 0`;
    const r = await runScript([...repo('blake2b-claimed'), '--dest', dest, '--target', site, 'my-project'], {
      PYTHON: pythonThat('link', dest, line),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${WHEEL} is not a regular file pip downloaded; nothing installed`);
    expect(existsSync(site)).toBe(false);
  });

  it('prints its usage, and refuses bad usage before pip runs', async () => {
    const help = await runScript(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'usage: scripts/pip-install-verified.sh --metadata <folder> --root <trusted root.json>',
    );
    const r = await runScript(['--root', 'x', 'my-project']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pip-install-verified: give --metadata <folder>');
  });
});

/** The doc's `sh` blocks, each as bash runs it. */
function docBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('docs/pip.md', () => {
  it('runs as written, in a fresh virtual environment, the URL and the script path pointing here', async () => {
    const doc = join(work, 'doc');
    mkdirSync(doc);
    cpSync(join(VECTORS, 'blake2b-claimed', 'metadata'), join(doc, 'metadata'), { recursive: true });
    copyFileSync(join(VECTORS, 'blake2b-claimed', 'metadata', '1.root.json'), join(doc, '1.root.json'));
    cpSync(join(VECTORS, 'simple-page', 'metadata'), join(doc, 'pypi-metadata'), { recursive: true });
    copyFileSync(join(VECTORS, 'simple-page', 'metadata', '1.root.json'), join(doc, 'pypi-1.root.json'));
    execFileSync('python3', ['-m', 'venv', join(doc, 'venv')], { stdio: 'ignore' });
    served = { wheel: HONEST, page: SIGNED_PAGE };
    const blocks = docBlocks(readFileSync(join(ROOT, 'docs', 'pip.md'), 'utf8'));
    expect(blocks.length).toBe(6);
    for (const block of blocks) {
      const text = block
        .replaceAll('https://index.example.org/simple/', indexUrl)
        .replace(/^scripts\//gm, `${ROOT}/scripts/`);
      const r = await new Promise<{ code: number; out: string }>((done) => {
        const child = spawn('bash', ['-euo', 'pipefail', '-c', text], {
          cwd: doc,
          env: {
            PATH: `${join(doc, 'venv', 'bin')}:${bin}:${process.env.PATH}`,
            HOME: work,
            TMPDIR: work,
            PIP_CONFIG_FILE: '/dev/null',
            PIP_DISABLE_PIP_VERSION_CHECK: '1',
            PIP_NO_INPUT: '1',
          },
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => done({ code: code ?? -1, out }));
      });
      expect(r.code, `${block}\n${r.out}`).toBe(0);
    }
    const site = readdirSync(join(doc, 'venv', 'lib')).map((p) => join(doc, 'venv', 'lib', p, 'site-packages'));
    expect(readFileSync(join(site[0]!, 'my_project', '__init__.py'), 'utf8')).toContain('hello from my-project 1.0');
  });
});
