/**
 * `verify-download` on PyPI as it is, over repositories python-tuf wrote
 * (scripts/python-tuf/make-pypi-repos.py → test/generated/python-tuf/pypi): blake2b-256-only
 * targets, succinct hash bins, and Warehouse's simple page as a project's target. Every verdict is
 * compared with python-tuf's (recorded by the script) and the target lookup with tuf-js's (live,
 * over 127.0.0.1); simple pages are read as pip 23 reads them (recorded by the script).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionProject } from '../../src/bundle/distribution-name.js';
import { checkAgainstSimplePage } from '../../src/bundle/simple-page.js';
import { runCli } from '../helpers/cli.js';
import { PEP480_DIR } from '../helpers/vectors.js';
import { tempDir } from './fixtures.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'python-tuf', 'pypi');
const AT = '2030-01-01T00:00:00Z';
const WHEEL = 'my_project-1.0-py3-none-any.whl';
const SDIST = 'my_project-1.0.tar.gz';

interface PythonTufVerdict {
  repo: string;
  target_path: string;
  file: string;
  tampered: boolean;
  python_tuf: { found: boolean; accepted: boolean; length?: number; hashes?: Record<string, string> };
}
interface PipLink {
  filename: string;
  hashes: Record<string, string>;
}
const recorded = JSON.parse(readFileSync(join(DIR, 'verdicts.json'), 'utf8')) as {
  targets: PythonTufVerdict[];
  pages: Record<string, { pip: PipLink[] }>;
};

const repoArgs = (repo: string) => [
  '--metadata',
  join(DIR, repo, 'metadata'),
  '--root',
  join(DIR, repo, 'metadata', '1.root.json'),
  '--at',
  AT,
];
const pep480Args = ['--metadata', PEP480_DIR, '--root', join(PEP480_DIR, '1.root.json'), '--at', AT];
const file = (name: string) => readFileSync(join(DIR, 'files', name));
/** A URL as PyPI serves files: the project nowhere in it. */
const pypiUrl = (name: string) =>
  `https://files.pythonhosted.org/packages/3a/7b/0f1e2d3c4b5a69788796a5b4c3d2e1f0/${name}`;
const flipped = (b: Buffer) => Buffer.concat([Buffer.from([b[0]! ^ 1]), b.subarray(1)]);

describe('the project of a distribution file name', () => {
  it('reads wheels (PEP 427) and sdists, normalized as PEP 503 does', () => {
    expect(distributionProject('My_Project-1.0-py3-none-any.whl')).toEqual({ kind: 'wheel', projects: ['my-project'] });
    expect(distributionProject('zope.interface-6.0-1-cp311-cp311-manylinux_2_17_x86_64.whl')?.projects).toEqual([
      'zope-interface',
    ]);
    expect(distributionProject('my_project-1.0rc1.post2.dev3+local.1.tar.gz')?.projects).toEqual(['my-project']);
    expect(distributionProject('Django-4.2.zip')?.projects).toEqual(['django']);
  });

  it('reads a legacy sdist with "-" in its name, and gives both readings when the version allows two', () => {
    expect(distributionProject('foo-bar-1.0.tar.gz')?.projects).toEqual(['foo-bar']);
    expect(distributionProject('foo-1.0-1.tar.gz')?.projects).toEqual(['foo', 'foo-1-0']);
    // pip 23 reads "bar" as a LegacyVersion of foo, but takes it only for the requirement foo==bar.
    expect(distributionProject('foo-bar.tar.gz')).toEqual({ kind: 'sdist', projects: [] });
  });

  it('reads every archive pip installs from, and reads nothing it cannot read safely', () => {
    for (const n of ['my_project-1.0.tar.bz2', 'my_project-1.0.tgz', 'my_project-1.0.tar', 'my_project-1.0.tar.xz'])
      expect(distributionProject(n)).toEqual({ kind: 'sdist', projects: ['my-project'] });
    // pip reads U+212A KELVIN SIGN as "k" (Python's str.lower), a non-PEP 440 wheel version as a LegacyVersion.
    for (const n of ['\u212Aeras-1.0-py3-none-any.whl', 'my_project-1.0~x-py3-none-any.whl', 'a-b-c.whl'])
      expect(distributionProject(n)).toEqual({ kind: 'wheel', projects: [] });
    expect(distributionProject('\u212Aeras-1.0.tar.gz')).toEqual({ kind: 'sdist', projects: [] });
    expect(distributionProject('my project-1.0.tar.gz')).toEqual({ kind: 'sdist', projects: [] });
    // Longer than a file system keeps: read as nothing, so that the URL does not name its project either.
    expect(distributionProject(`${'a-'.repeat(200)}1.0.tar.gz`)).toEqual({ kind: 'sdist', projects: [] });
    expect(distributionProject(`my_project-1.0-py3-none-${'x'.repeat(250)}.whl`)).toEqual({
      kind: 'wheel',
      projects: [],
    });
  });

  it('says nothing of names pip does not install from', () => {
    for (const n of ['requests', 'index.html', 'foo.tar.gz', '-1.0.tar.gz', 'x-1.0.egg', 'My_Project-1.0.TAR.GZ'])
      expect(distributionProject(n)).toBeUndefined();
  });
});

describe('the project of a file name, beside pip 23 reading it (scripts/vectors/pip-distribution-names.py)', () => {
  const pipNames = JSON.parse(readFileSync(join(DIR, '..', '..', 'pip-distribution-names.json'), 'utf8')) as {
    names: Record<string, Record<string, { version: string; unpinned: boolean }>>;
  };

  it.each(Object.entries(pipNames.names))('%s', (name, readings) => {
    const dist = distributionProject(name);
    const all = Object.keys(readings);
    // What pip takes for a requirement without a version; a LegacyVersion only for `X==<that string>`.
    const unpinned = all.filter((p) => readings[p]!.unpinned);
    // A name pip installs from always has its project read here, or is refused: never left to the URL.
    if (all.length > 0) expect(dist).toBeDefined();
    // One reading here: the project pip installs the file as, whenever pip needs no pin to take it.
    if (dist?.projects.length === 1) expect(unpinned.every((p) => p === dist.projects[0])).toBe(true);
    if (unpinned.length > 1) expect(dist?.projects.length).not.toBe(1);
    // And no refusal where pip's one reading is a plain project name.
    if (
      unpinned.length === 1 &&
      all.length === 1 &&
      /^[a-z0-9]+(-[a-z0-9]+)*$/.test(unpinned[0]!) &&
      /^[\x21-\x7e]+$/.test(name)
    )
      expect(dist?.projects).toEqual(unpinned);
  });
});

describe('verify-download agrees with python-tuf on its repositories', () => {
  const dir = tempDir('pypi-download-');
  const fileCases = recorded.targets.filter((v) => v.target_path.includes('/'));
  const pageCases = recorded.targets.filter((v) => !v.target_path.includes('/'));

  it.each(fileCases.map((v) => [`${v.repo} ${v.target_path}${v.tampered ? ' (tampered)' : ''}`, v] as const))(
    '%s, from a PyPI URL',
    async (_, v) => {
      const name = v.target_path.split('/')[1]!;
      mkdirSync(join(dir, `${v.repo}-${v.tampered}`), { recursive: true });
      const offered = join(dir, `${v.repo}-${v.tampered}`, name);
      writeFileSync(offered, v.tampered ? flipped(file(name)) : file(name));
      const r = await runCli(['verify-download', offered, pypiUrl(name), ...repoArgs(v.repo), '--json']);
      const doc = JSON.parse(r.stdout);
      expect(doc.target_path).toBe(v.target_path);
      expect(r.code).toBe(v.python_tuf.accepted ? 0 : 3);
      expect(doc.ok).toBe(v.python_tuf.accepted);
      if (v.python_tuf.found)
        expect({ length: doc.length, hashes: doc.hashes }).toEqual({
          length: v.python_tuf.length,
          hashes: v.python_tuf.hashes,
        });
      else expect(doc.reason).toMatch(/no role trusted for it lists it/);
      if (v.tampered && v.python_tuf.found) expect(doc.reason).toMatch(/blake2b-256 [0-9a-f]{64} differs from/);
    },
  );

  it.each(pageCases.map((v) => [`${v.target_path}${v.tampered ? ' (tampered)' : ''}`, v] as const))(
    'the simple page %s, as the target at the project name',
    async (_, v) => {
      const page = readFileSync(join(DIR, v.file));
      const offered = join(dir, `page-${v.tampered}-${v.target_path}`);
      writeFileSync(offered, v.tampered ? flipped(page) : page);
      const r = await runCli([
        'verify-download',
        offered,
        `https://pypi.org/simple/${v.target_path}/`,
        ...repoArgs(v.repo),
        '--target-path',
        v.target_path,
      ]);
      expect(r.code).toBe(v.python_tuf.accepted ? 0 : 3);
    },
  );

  it('takes the project from the file name, not from a URL component, and the file name from the file without a URL', async () => {
    const offered = join(dir, SDIST);
    writeFileSync(offered, file(SDIST));
    const mirror = await runCli([
      'verify-download',
      offered,
      `https://mirror.example/My_Project/${SDIST}`,
      ...repoArgs('blake2b-claimed'),
    ]);
    expect(mirror.code).toBe(0);
    expect(mirror.stdout).toMatch(
      /is my-project\/my_project-1\.0\.tar\.gz as listed by my-project \(targets → claimed → my-project\)/,
    );
    const local = await runCli(['verify-download', offered, ...repoArgs('succinct-bins'), '--json']);
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({
      target_path: `my-project/${SDIST}`,
      url: null,
      project: 'my-project',
    });
  });

  it('refuses a URL that names another file than the one pip saved and installs from', async () => {
    const offered = join(dir, 'my_project-9.0-py3-none-any.whl');
    writeFileSync(offered, file(WHEEL));
    const r = await runCli(['verify-download', offered, pypiUrl(WHEEL), ...repoArgs('blake2b-claimed')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `the file is named my_project-9.0-py3-none-any.whl but the URL names ${WHEEL}: pip installs it by its own name`,
    );
  });

  it('refuses a file name with a path separator, and a legacy name that reads as two projects', async () => {
    const offered = join(dir, 'any');
    writeFileSync(offered, file(SDIST));
    const sep = await runCli([
      'verify-download',
      offered,
      `https://x.example/a/..%2F${SDIST}`,
      ...repoArgs('blake2b-claimed'),
    ]);
    expect(sep.code).toBe(2);
    expect(sep.stderr).toMatch(/"\.\.\/my_project-1\.0\.tar\.gz" is not a plain file name|plain target path/);
    const two = await runCli(['verify-download', offered, pypiUrl('foo-1.0-1.tar.gz'), ...repoArgs('blake2b-claimed')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(
      'foo-1.0-1.tar.gz: the name reads as a file of foo or foo-1-0 (a legacy sdist name); give --target-path',
    );
    const given = await runCli([
      'verify-download',
      offered,
      pypiUrl('foo-1.0-1.tar.gz'),
      ...repoArgs('blake2b-claimed'),
      '--target-path',
      `my-project/${SDIST}`,
    ]);
    expect(given.code).toBe(0);
  });

  it('takes no project from the URL for a file pip installs: other archives, non-ASCII, non-PEP 440 names', async () => {
    const offered = join(dir, 'download');
    writeFileSync(offered, file(SDIST));
    // pip 23 installs my_project-1.0.tar.bz2 as my-project: its target is my-project's, not the URL's project's.
    const bz2 = await runCli([
      'verify-download',
      offered,
      'https://mirror.example/other-project/my_project-1.0.tar.bz2',
      ...repoArgs('blake2b-claimed'),
      '--json',
    ]);
    expect(bz2.code).toBe(3);
    expect(JSON.parse(bz2.stdout)).toMatchObject({
      target_path: 'my-project/my_project-1.0.tar.bz2',
      project: 'my-project',
    });
    // pip reads the first as keras (U+212A lowercases to "k"), the second as my-project 1.0~x.
    for (const name of ['%E2%84%AAeras-1.0-py3-none-any.whl', 'my_project-1.0~x-py3-none-any.whl']) {
      const r = await runCli([
        'verify-download',
        offered,
        `https://mirror.example/other-project/${name}`,
        ...repoArgs('blake2b-claimed'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `${decodeURIComponent(name)}: pip installs from a name like this, but not a well-formed wheel name ` +
          '(ASCII, a valid project name, a PEP 440 version); give --target-path',
      );
    }
  });

  it('normalizes the project component of a URL that names no distribution (PEP 480 vector: the project is the target)', async () => {
    const r = await runCli([
      'verify-download',
      join(PEP480_DIR, 'target-requests.html'),
      'https://pypi.example/simple/Requests/',
      ...pep480Args,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target_path: 'requests', project: null, file_name: 'Requests' });
  });

  it('sends a distribution to --simple-page where each project is one target (PEP 480 vector)', async () => {
    const offered = join(dir, WHEEL);
    writeFileSync(offered, file(WHEEL));
    const r = await runCli(['verify-download', offered, pypiUrl(WHEEL), ...pep480Args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /lists each project as one target, its simple page: give --simple-page with the page of my-project/,
    );
  });
});

describe('the lookup agrees with tuf-js over 127.0.0.1', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const m = /^\/([a-z0-9-]+)\/metadata\/([A-Za-z0-9.-]+\.json)$/.exec(req.url ?? '');
      try {
        const body = m ? readFileSync(join(DIR, m[1]!, 'metadata', m[2]!)) : undefined;
        if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
        else res.writeHead(404).end();
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // tuf-js hashes with node's createHash, which has no blake2b-256: only its lookup is compared.
  it.each(recorded.targets.filter((v) => !v.tampered).map((v) => [`${v.repo} ${v.target_path}`, v] as const))(
    '%s',
    async (_, v) => {
      const clientDir = tempDir('tufjs-');
      mkdirSync(join(clientDir, 'targets'));
      writeFileSync(join(clientDir, 'root.json'), readFileSync(join(DIR, v.repo, 'metadata', '1.root.json')));
      const updater = new Updater({
        metadataDir: clientDir,
        metadataBaseUrl: `${base}/${v.repo}/metadata`,
        targetBaseUrl: `${base}/${v.repo}/targets`,
        targetDir: join(clientDir, 'targets'),
        config: { fetchRetry: 0 },
      });
      await updater.refresh();
      const info = await updater.getTargetInfo(v.target_path);
      expect(info !== undefined).toBe(v.python_tuf.found);
      if (info)
        expect({ length: info.length, hashes: info.hashes }).toEqual({
          length: v.python_tuf.length,
          hashes: v.python_tuf.hashes,
        });
    },
  );
});

describe('verify-download --simple-page (Warehouse: the page is the TUF target, the file is checked by the page)', () => {
  const dir = tempDir('simple-page-');
  const pageArgs = (project: string) => [
    '--simple-page',
    join(DIR, 'simple-page', 'targets', project),
    ...repoArgs('simple-page'),
  ];
  const offer = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('accepts a wheel by the HTML page and an sdist by the PEP 691 JSON page', async () => {
    const w = await runCli(['verify-download', offer(WHEEL, file(WHEEL)), pypiUrl(WHEEL), ...pageArgs('my-project')]);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(
      new RegExp(
        '^OK: .* is my_project-1\\.0-py3-none-any\\.whl with the sha256 listed by the simple page of my-project, ' +
          'which is my-project as listed by bins-\\d \\(targets → bins-\\d\\), \\d+ bytes, blake2b-256 match',
      ),
    );
    const s = await runCli([
      'verify-download',
      offer('json_project-0.1.tar.gz', file('json_project-0.1.tar.gz')),
      ...pageArgs('json-project'),
      '--json',
    ]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      ok: true,
      project: 'json-project',
      target_path: 'json-project',
      file_hashes: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('rejects a changed file by the hash the verified page lists', async () => {
    const r = await runCli(['verify-download', offer(WHEEL, flipped(file(WHEEL))), ...pageArgs('my-project')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /sha256 [0-9a-f]{64} differs from 572085a8[0-9a-f]+ listed by the simple page of my-project/,
    );
  });

  it('rejects a changed page before reading it, and the page of another project', async () => {
    const page = readFileSync(join(DIR, 'simple-page', 'targets', 'my-project'));
    const changed = offer('changed-page.html', Buffer.from(page.toString().replace('<br />', '<br/>')));
    const args = ['verify-download', offer(WHEEL, file(WHEEL)), ...repoArgs('simple-page')];
    const r = await runCli([...args, '--simple-page', changed]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the simple page .*changed-page\.html: my-project: \d+ bytes, but bins-\d lists \d+/);
    const other = await runCli([...args, '--simple-page', join(DIR, 'simple-page', 'targets', 'json-project')]);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/the simple page .*json-project: my-project: /);
  });

  it('needs a distribution file name to know the project', async () => {
    const r = await runCli(['verify-download', offer('download', file(WHEEL)), ...pageArgs('my-project')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('download is not a wheel or sdist name: no project to take the simple page of');
  });
});

describe('the page check, beside pip 23 reading the same pages', () => {
  const wheel = file(WHEEL);
  /** What this tool refuses that pip would take, each for its reason. */
  const stricter: Record<string, RegExp> = {
    'no-hash.html': /lists my_project-1\.0-py3-none-any\.whl without a hash/,
    'other-project.html': /is the page of "other-project", not of my-project/,
    'other-project.json': /is the page of "other-project", not of my-project/,
    'relative-trick.html': /links "evil-1\.0-py3-none-any\.whl" as "my_project-1\.0-py3-none-any\.whl"/,
    'dot-segments.html': /links "evil\.whl" as "my_project-1\.0-py3-none-any\.whl"/,
  };

  it.each(Object.entries(recorded.pages))('%s', (name, { pip }) => {
    const page = readFileSync(join(DIR, 'pages', name));
    const project = name.startsWith('json-project') ? 'json-project' : 'my-project';
    const target = project === 'my-project' ? WHEEL : 'json_project-0.1.tar.gz';
    const bytes = project === 'my-project' ? wheel : file(target);
    const res = checkAgainstSimplePage(page, project, target, bytes);
    // pip's reading: the entries for the file, and whether they agree on a hash the file has.
    const mine = pip.filter((l) => l.filename === target);
    const sha = new Set(mine.map((l) => l.hashes.sha256));
    const pipTakes = mine.length > 0 && sha.size === 1 && mine.every((l) => Object.keys(l.hashes).length > 0);
    const pipMatches = pipTakes && [...sha][0] === createHash('sha256').update(bytes).digest('hex');
    if (stricter[name]) {
      expect(res.ok).toBe(false);
      expect(res.ok ? '' : res.reason).toMatch(stricter[name]);
    } else {
      expect(res.ok).toBe(pipMatches);
    }
    if (name === 'listed-twice.html')
      expect(res.ok ? '' : res.reason).toMatch(
        /lists my_project-1\.0-py3-none-any\.whl twice, with different sha256 hashes/,
      );
  });

  it('refuses a file the page marks yanked (PEP 592) unless allowed, and one hash named twice with two values', () => {
    const sha = createHash('sha256').update(wheel).digest('hex');
    const html = (attrs: string) =>
      Buffer.from(`<html><body><a href="../../p/${WHEEL}#sha256=${sha}" ${attrs}>${WHEEL}</a></body></html>`);
    const json = (entry: object) =>
      Buffer.from(JSON.stringify({ name: 'my-project', files: [{ filename: WHEEL, url: WHEEL, ...entry }] }));
    const yanked = /marks my_project-1\.0-py3-none-any\.whl yanked \(PEP 592\); give --allow-yanked/;
    // A host that hides the newer files gets pip to take a yanked one; the verified page says it was withdrawn.
    for (const page of [
      html('data-yanked'),
      html('data-yanked="broken build"'),
      json({ hashes: { sha256: sha }, yanked: true }),
      json({ hashes: { sha256: sha }, yanked: 'CVE' }),
    ]) {
      const res = checkAgainstSimplePage(page, 'my-project', WHEEL, wheel);
      expect(res.ok ? '' : res.reason).toMatch(yanked);
      expect(checkAgainstSimplePage(page, 'my-project', WHEEL, wheel, { allowYanked: true }).ok).toBe(true);
    }
    for (const page of [html('data-yanked-note="x"'), json({ hashes: { sha256: sha }, yanked: false })])
      expect(checkAgainstSimplePage(page, 'my-project', WHEEL, wheel).ok).toBe(true);
    const twice = Buffer.from(
      `{"name": "my-project", "files": [{"filename": "${WHEEL}", "url": "${WHEEL}", "hashes": {"SHA256": "${'0'.repeat(64)}", "sha256": "${sha}"}}]}`,
    );
    expect(checkAgainstSimplePage(twice, 'my-project', WHEEL, wheel)).toMatchObject({
      ok: false,
      reason: 'the simple page files[0] lists two different sha256 hashes',
    });
  });

  it('refuses a file name with a path separator, and a file the page does not list', () => {
    const page = readFileSync(join(DIR, 'pages', 'my-project.html'));
    expect(checkAgainstSimplePage(page, 'my-project', `../${WHEEL}`, wheel)).toMatchObject({
      ok: false,
      reason: `"../${WHEEL}" is not a plain file name`,
    });
    expect(checkAgainstSimplePage(page, 'my-project', 'my_project-2.0-py3-none-any.whl', wheel)).toMatchObject({
      ok: false,
      reason: 'the simple page of my-project does not list my_project-2.0-py3-none-any.whl',
    });
    expect(checkAgainstSimplePage(Buffer.from('{"name": 1}'), 'my-project', WHEEL, wheel)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a PEP 691 project page/),
    });
  });
});

describe("one project's role listing files under another project's path (scripts/python-tuf/make-cross-project-repo.py)", () => {
  const CROSS = join(DIR, '..', 'cross-project');
  const cross = JSON.parse(readFileSync(join(CROSS, 'verdicts.json'), 'utf8')) as {
    targets: { target_path: string; file: string; python_tuf: { found: boolean; accepted: boolean } }[];
  };
  const args = ['--metadata', join(CROSS, 'metadata'), '--root', join(CROSS, 'metadata', '1.root.json'), '--at', AT];

  // my-project's developer signs other_project wheels; claimed delegates other-project/* to other-project alone.
  it.each(cross.targets.map((v) => [v.file, v] as const))('%s, as python-tuf judges it', async (_, v) => {
    const r = await runCli(['verify-download', join(CROSS, v.file), ...args, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.target_path).toBe(v.target_path);
    expect(r.code).toBe(v.python_tuf.accepted ? 0 : 3);
    if (v.python_tuf.accepted) expect(doc.role).toBe('other-project');
    else if (v.python_tuf.found) expect(doc.reason).toMatch(/bytes, but other-project lists \d+/);
    else expect(doc.reason).toMatch(/no role trusted for it lists it/);
  });
});
