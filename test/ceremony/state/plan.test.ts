/**
 * The ceremony plan is read strictly and checked whole, with the field path of the first problem,
 * before any token is touched (issue 4 guard rails).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from '../../../src/ceremony/lifecycle/bootstrap.js';
import { loadPlan, parsePlan, projectPathsFor, topLevelDelegationPaths } from '../../../src/ceremony/state/plan.js';
import type { SignerProvider } from '../../../src/ceremony/signers/signer-provider.js';
import { runCli } from '../../helpers/cli.js';
import { ONLINE, SCRIPTS } from '../../helpers/softhsm-admins.js';
import { failure } from '../../helpers/failure.js';

const base = () => JSON.parse(readFileSync(join(SCRIPTS, 'rehearsal-plan.json'), 'utf8'));
let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-'));
  mkdirSync(join(dir, 'online-keys'));
  for (const role of ONLINE)
    writeFileSync(
      join(dir, 'online-keys', `${role}.pub.json`),
      readFileSync(join(SCRIPTS, 'online-keys', `${role}.pub.json`)),
    );
});

function writePlan(edit: (p: any) => void): string {
  const p = base();
  edit(p);
  const path = join(dir, `plan-${n++}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

describe('the rehearsal plan in ceremony-scripts', () => {
  it('is valid as committed, with its online keys, and has no warnings', () => {
    const loaded = loadPlan(join(SCRIPTS, 'rehearsal-plan.json'));
    expect(loaded.plan.admins.map((a) => a.name)).toEqual(['admin-a', 'admin-b', 'admin-c']);
    expect(loaded.plan.roles.root.threshold).toBe(2);
    expect(loaded.plan.roles.claimed.threshold).toBe(2);
    expect(loaded.warnings).toEqual([]);
    expect(Object.keys(loaded.onlineKeys).sort()).toEqual([...ONLINE].sort());
  });

  it('maps the project pattern to project paths and to the top-level delegation paths', () => {
    const { plan } = loadPlan(join(SCRIPTS, 'rehearsal-plan.json'));
    expect(projectPathsFor(plan, 'requests')).toEqual(['requests/*']);
    expect(topLevelDelegationPaths(plan)).toEqual(['*/*']);
  });
});

describe('structure errors name the field path', () => {
  const cases: Array<[string, (p: any) => void, RegExp]> = [
    ['unknown top-level field', (p) => (p.thresold = 2), /thresold: unknown field/],
    ['unknown field in an admin', (p) => (p.admins[1].emial = 'x'), /admins\[1\]\.emial: unknown field/],
    ['bad key type', (p) => (p.admins[2].keys.root.type = 'dsa'), /admins\[2\]\.keys\.root\.type: "dsa" is not one of/],
    [
      'threshold not an integer',
      (p) => (p.roles.targets.threshold = '2'),
      /roles\.targets\.threshold: expected an integer/,
    ],
    [
      'bad duration',
      (p) => (p.roles.claimed.expires = '3 months'),
      /roles\.claimed\.expires: "3 months" is not a duration/,
    ],
    [
      'zero expiry period',
      (p) => (p.roles.root.expires = '0d'),
      /roles\.root\.expires: must be a period greater than zero/,
    ],
    ['missing online key', (p) => delete p.online.timestamp, /online\.timestamp: missing/],
    [
      'pattern without {project}',
      (p) => (p.project_paths = ['packages/*']),
      /project_paths\[0\]: "packages\/\*" must hold \{project\} exactly once/,
    ],
    ['admin listed twice', (p) => (p.admins[2].name = 'admin-a'), /admins\[2\]\.name: admin "admin-a" is listed twice/],
    [
      'bins too large',
      (p) => (p.roles.claimed.bins = { bit_length: 40 }),
      /roles\.claimed\.bins\.bit_length: must be from 1 to 16, got 40/,
    ],
    [
      'more bins than admins can sign',
      (p) => (p.roles.claimed.bins = { bit_length: 17 }),
      /roles\.claimed\.bins\.bit_length: must be from 1 to 16, got 17/,
    ],
    ['wrong plan format', (p) => (p.plan_format = 2), /plan_format: this tool reads plan_format 1/],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      const path = writePlan(edit);
      const e = failure(() => loadPlan(path));
      expect(e.category).toBe('usage');
      expect(e.message).toMatch(message);
      expect(e.message).toContain(path);
    });
  }

  it('a plan that is not JSON names the file and the byte', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"plan_format": 1,');
    expect(failure(() => loadPlan(path)).message).toMatch(/broken\.json: not valid JSON at byte/);
  });

  it('comments are allowed where reviewers want them', () => {
    const plan = base();
    plan.roles.root.comment = 'two of three, so one lost token is survivable';
    expect(parsePlan(plan).roles.root.threshold).toBe(2);
  });
});

describe('guard rails', () => {
  it('root threshold 1 is refused', () => {
    const e = failure(() => loadPlan(writePlan((p) => (p.roles.root.threshold = 1))));
    expect(e.category).toBe('refused');
    expect(e.message).toMatch(/roles\.root\.threshold: must be at least 2/);
  });

  it('a threshold above the number of keys is refused', () => {
    const e = failure(() => loadPlan(writePlan((p) => (p.roles.claimed.threshold = 4))));
    expect(e.message).toMatch(/roles\.claimed\.threshold: 4 is more than the 3 claimed key\(s\)/);
  });

  it('threshold equal to the number of keys loads, with a warning', () => {
    const loaded = loadPlan(writePlan((p) => (p.roles.targets.threshold = 3)));
    expect(loaded.warnings).toEqual([
      'roles.targets: threshold 3 equals the number of keys; one lost or broken token locks the targets role',
    ]);
  });

  it('a role nobody holds a key for is refused', () => {
    const e = failure(() => loadPlan(writePlan((p) => p.admins.forEach((a: any) => delete a.keys.targets))));
    expect(e.message).toMatch(/roles\.targets: no admin holds a targets key/);
  });

  it('the same key imported twice is refused', () => {
    const path = writePlan((p) => {
      p.admins[0].keys.claimed = { import: 'online-keys/snapshot.pub.json' };
      p.admins[1].keys.claimed = { import: 'online-keys/snapshot.pub.json' };
    });
    const e = failure(() => loadPlan(path));
    expect(e.category).toBe('refused');
    expect(e.message).toMatch(/admin-b\/claimed is the same key as admin-a\/claimed/);
  });

  it('an online key that is also an admin key is refused', () => {
    const e = failure(() =>
      loadPlan(writePlan((p) => (p.admins[0].keys.claimed = { import: 'online-keys/unclaimed.pub.json' }))),
    );
    expect(e.message).toMatch(/online\.unclaimed\.key is the same key as admin-a\/claimed/);
  });

  it('an unreadable key file names the field and the file', () => {
    const e = failure(() => loadPlan(writePlan((p) => (p.online.snapshot.key = 'online-keys/missing.json'))));
    expect(e.message).toMatch(/online\.snapshot\.key: cannot read key file .*missing\.json: ENOENT/);
  });
});

describe('validated before any token is touched', () => {
  it('init with a bad plan never calls the token provider and writes nothing', async () => {
    const calls: string[] = [];
    const provider: SignerProvider = {
      open: async (h) => {
        calls.push(`open ${h}`);
        throw new Error('must not be called');
      },
      generate: async (h) => {
        calls.push(`generate ${h}`);
        throw new Error('must not be called');
      },
    };
    const planPath = writePlan((p) => (p.admins[2].keys.claimed.type = 'rsa-1024'));
    const repoDir = join(dir, 'never-made');
    await expect(initRepository({ planPath, repoDir, provider, log: () => {} })).rejects.toThrow(
      /admins\[2\]\.keys\.claimed\.type/,
    );
    expect(calls).toEqual([]);
    expect(() => readFileSync(join(repoDir, 'plan.json'))).toThrow();
  });

  it('plan check prints the plan and exits 0; a bad plan exits 2 with the field', async () => {
    const ok = await runCli(['plan', 'check', join(SCRIPTS, 'rehearsal-plan.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('root     2 of 3 (admin-a, admin-b, admin-c)');
    const bad = await runCli(['plan', 'check', writePlan((p) => (p.roles.root.expires = 'soon'))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/roles\.root\.expires: "soon" is not a duration/);
    const refused = await runCli(['plan', 'check', '--json', writePlan((p) => (p.roles.root.threshold = 1))]);
    expect(refused.code).toBe(5);
    // With --json a refusal is one document on stdout, as every failure is (docs/formats/json-output.md).
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { exit_code: 5 } });
  });
});
