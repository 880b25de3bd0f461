/**
 * The --json contract (docs/formats/json-output.md): every command that takes --json prints
 * exactly one JSON document on stdout, on success and on failure; `ok` says which; a failure
 * carries `error.code` and `error.exit_code` equal to the exit code; keys are snake_case.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { formatExpires } from '../../src/tuf/base/time.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { PEP480_DIR } from '../helpers/vectors.js';
import { makeRepository, type Fixture } from '../requests/fixtures.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const AT = formatExpires(now);
const PEP480_ROOT = join(PEP480_DIR, '1.root.json');

/** Keys that are not snake_case, with their paths (wire data of TUF is snake_case too). */
function camelKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => camelKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/[A-Z]/.test(k) ? [`${path}.${k}`] : []),
    ...camelKeys(v, `${path}.${k}`),
  ]);
}

/** Exactly one document on stdout, whose `ok` and `error` agree with the exit code. */
function documentOf(r: CliRun): Record<string, any> {
  const doc = JSON.parse(r.stdout) as Record<string, any>;
  expect(typeof doc, r.stdout).toBe('object');
  expect(doc.ok, `${r.stdout}\n${r.stderr}`).toBe(r.code === 0);
  if (r.code === 0) expect(doc.error).toBeUndefined();
  else {
    expect(doc.error.code).toMatch(/^E_[A-Z0-9_]+$/);
    expect(doc.error.message).toEqual(expect.any(String));
    expect(doc.error.exit_code).toBe(r.code);
  }
  expect(camelKeys(doc)).toEqual([]);
  return doc;
}

let tmp: string;
let f: Fixture;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cli-json-'));
  f = await makeRepository(join(tmp, 'repo'), now);
  writeFileSync(join(tmp, 'pass'), 'json contract passphrase\n', { mode: 0o600 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const withJson = COMMANDS.filter((c) => c.options['json'] !== undefined);

describe('a refusal with --json is one failure document', () => {
  it('every command takes --json', () => {
    expect(withJson.map((c) => c.name.join(' '))).toEqual(COMMANDS.map((c) => c.name.join(' ')));
  });

  for (const c of withJson) {
    it(`${c.name.join(' ')} without its arguments`, async () => {
      // A module that does not exist, so that no real token is touched.
      const extra = c.name.join(' ') === 'token list' ? ['--module', join(tmp, 'missing.so')] : [];
      const r = await runCli([...c.name, ...extra, '--json']);
      expect(r.code).not.toBe(0);
      const doc = documentOf(r);
      expect(r.stderr).toContain(doc.error.message.split('\n')[0]);
    });
  }
});

describe('success and refusal with --json', () => {
  it('verify: a verified folder, then the same folder after expiry', async () => {
    const ok = documentOf(await runCli(['verify', '--json', '--root', PEP480_ROOT, '--at', '2030-01-01', PEP480_DIR]));
    expect(ok).toMatchObject({ ok: true, trusted_root_version: 1, root_version: 2 });
    expect(ok.absent).toEqual(expect.any(Array));
    const late = await runCli(['verify', '--json', '--root', PEP480_ROOT, '--at', '2050-01-02', PEP480_DIR]);
    expect(late.code).toBe(3);
    expect(documentOf(late).error.code).toBe('E_VERIFICATION');
  });

  it('plan check: the rehearsal plan, then a file that is not a plan', async () => {
    documentOf(await runCli(['plan', 'check', join(ROOT, 'ceremony-scripts', 'rehearsal-plan.json'), '--json']));
    const bad = await runCli(['plan', 'check', join(ROOT, 'package.json'), '--json']);
    expect(bad.code).toBe(2);
    documentOf(bad);
  });

  it('dev keygen, dev request, claim, event show, event status, transcript, expiry, bundle export', async () => {
    const key = join(tmp, 'dev.key.json');
    const pass = ['--passphrase-file', join(tmp, 'pass')];
    expect(documentOf(await runCli(['dev', 'keygen', '--out', key, ...pass, '--json']))).toMatchObject({
      ok: true,
      token: false,
    });
    const again = await runCli(['dev', 'keygen', '--out', key, ...pass, '--json']);
    expect(again.code).toBe(5);
    documentOf(again);

    mkdirSync(join(tmp, 'inbox'));
    const req = [
      'dev',
      'request',
      '--project',
      'Json_Project',
      '--key',
      key,
      ...pass,
      '--contact',
      'dev@example.org',
      '--at',
      AT,
      '--json',
    ];
    expect(documentOf(await runCli([...req, '--out', join(tmp, 'inbox', 'req.json')]))).toMatchObject({
      ok: true,
      project: 'json-project',
    });
    const bad = await runCli([...req, '--out', join(tmp, 'other.json'), '--threshold', 'two']);
    expect(bad.code).toBe(2);
    documentOf(bad);

    const event = join(tmp, 'event');
    const claim = [
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--at',
      AT,
      '--json',
    ];
    expect(documentOf(await runCli([...claim, '--requests', join(tmp, 'inbox'), '--event', event]))).toMatchObject({
      ok: true,
      counts: { add: 1 },
      event: { dir: event },
    });
    const noInbox = await runCli([...claim, '--requests', join(tmp, 'no-inbox'), '--event', join(tmp, 'event-2')]);
    expect(noInbox.code).not.toBe(0);
    documentOf(noInbox);

    expect(documentOf(await runCli(['event', 'show', event, '--unverified', '--json']))).toMatchObject({
      ok: true,
      kind: expect.any(String),
      repository_check: null,
    });
    const status = await runCli(['event', 'status', event, '--json']);
    expect(status.code).toBe(6);
    expect(documentOf(status)).toMatchObject({ complete: false, error: { code: 'E_EVENT_INCOMPLETE' } });
    const finalize = await runCli(['event', 'finalize', event, '--repo', f.dir, '--json']);
    expect(finalize.code).toBe(5);
    documentOf(finalize);

    expect(documentOf(await runCli(['transcript', 'verify', '--repo', f.dir, '--json']))).toMatchObject({
      ok: true,
      broken_at: null,
    });
    expect(documentOf(await runCli(['transcript', 'show', '--repo', f.dir, '--json']))).toMatchObject({
      ok: true,
      check: { ok: true },
    });

    const expiry = await runCli(['expiry', '--repo', f.dir, '--at', AT, '--json']);
    expect(documentOf(expiry).roles.length).toBeGreaterThan(0);
    const lapsed = await runCli(['expiry', '--repo', f.dir, '--at', '2040-01-01', '--json']);
    expect(lapsed.code).toBe(11);
    expect(documentOf(lapsed).error.code).toBe('E_EXPIRED');

    // Exported or refused (the repository holds a claim event not finalized), the output is one document.
    documentOf(await runCli(['bundle', 'export', '--repo', f.dir, '--to', join(tmp, 'usb'), '--at', AT, '--json']));
  });

  it('dev check: a project delegated to the developer, then one that is not', async () => {
    // The developer key of django and numpy in the python-tuf PEP 480 repository.
    const claimed = JSON.parse(readFileSync(join(PEP480_DIR, '1.claimed.json'), 'utf8')).signed.delegations;
    const keyFile = join(tmp, 'numpy-django.pub.json');
    writeFileSync(
      keyFile,
      JSON.stringify(claimed.keys['50209647d5bffdb68d506def8ab8531455b39a5fab0ac119b281a6be28d51b15']),
    );
    const base = [
      'dev',
      'check',
      '--metadata',
      PEP480_DIR,
      '--root',
      PEP480_ROOT,
      '--at',
      '2030-01-01',
      '--key',
      keyFile,
      '--json',
    ];
    expect(documentOf(await runCli([...base, '--project', 'django']))).toMatchObject({
      ok: true,
      status: 'recently-claimed',
    });
    const alarm = await runCli([...base, '--project', 'requests']);
    expect(alarm.code).toBe(3);
    expect(documentOf(alarm)).toMatchObject({ status: 'other-keys', error: { code: 'E_PROJECT_NOT_DELEGATED' } });
  });
});
