import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata as TufjsMetadata, MetadataKind } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimedSettingsFromPlan, type ClaimedSettings } from '../../src/ceremony/claims/claimed-build.js';
import { runIntake, type IntakeResult } from '../../src/ceremony/claims/intake.js';
import { intakeReportJson, renderIntakeReport } from '../../src/ceremony/claims/intake-report.js';
import { PemSigner } from '../../src/keys/software-signer.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { verifyRepository } from '../../src/tuf/verify/repository-verifier.js';
import { verifyRole } from '../../src/tuf/verify/verification.js';
import { addSeconds } from '../../src/tuf/base/time.js';
import { FolderSource } from '../../src/bundle/metadata-folder.js';
import { DAY, makeRepository, recentlyClaimed, signAndStore, signer, writeRequest, type Fixture } from './fixtures.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const dev1 = signer(11);
const dev2 = signer(12);
const dev3 = signer(13);
const dev4 = signer(14);
const ecdsa = new PemSigner(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);

/** Every kind of request the issue lists, with the decision and reason each must get. */
const EXPECTED: Record<string, { decision: string; reason?: string; project?: string }> = {
  'good-alpha.json': { decision: 'add', project: 'alpha' },
  'good-beta-two-keys.json': { decision: 'add', project: 'beta-project' },
  'good-gamma-ecdsa.json': { decision: 'add', project: 'gamma' },
  'same-keys-requests.json': { decision: 'unchanged', project: 'requests' },
  'conflict-delta-1.json': { decision: 'rejected', reason: 'conflict', project: 'delta' },
  'conflict-delta-2.json': { decision: 'rejected', reason: 'conflict', project: 'delta' },
  'later-copy-of-alpha.json': { decision: 'rejected', reason: 'duplicate', project: 'alpha' },
  'one-of-two-signatures.json': { decision: 'rejected', reason: 'missing-proof', project: 'epsilon' },
  'NumPy-normalizes-onto-numpy.json': { decision: 'rejected', reason: 'claimed-with-other-keys', project: 'numpy' },
  'not-json.json': { decision: 'rejected', reason: 'not-json' },
  'expired.json': { decision: 'rejected', reason: 'expired', project: 'zeta' },
  'created-in-the-future.json': { decision: 'rejected', reason: 'not-yet-valid', project: 'eta' },
  'huge.json': { decision: 'rejected', reason: 'too-large' },
  'wrong-types.json': { decision: 'rejected', reason: 'bad-threshold' },
  'keys-not-a-list.json': { decision: 'rejected', reason: 'bad-key' },
  'unknown-version.json': { decision: 'rejected', reason: 'unknown-version' },
  'bad-signature.json': { decision: 'rejected', reason: 'bad-proof', project: 'theta' },
  'signed-by-another-key.json': { decision: 'rejected', reason: 'bad-proof', project: 'iota' },
  'bad-name.json': { decision: 'rejected', reason: 'bad-name' },
  'role-name.json': { decision: 'rejected', reason: 'reserved-name', project: 'recently-claimed' },
  'bin-like-name.json': { decision: 'rejected', reason: 'reserved-name', project: 'unclaimed-bins-3' },
  'unsupported-key.json': { decision: 'rejected', reason: 'unsupported-key' },
  'unknown-field.json': { decision: 'rejected', reason: 'bad-format', project: undefined },
  'not-a-request.json': { decision: 'rejected', reason: 'not-a-request' },
  'proto-pollution.json': { decision: 'rejected', reason: 'bad-format' },
  'a-folder': { decision: 'rejected', reason: 'not-a-file' },
  'a-link.json': { decision: 'rejected', reason: 'not-a-file' },
};
const GOOD = Object.keys(EXPECTED).filter((f) => EXPECTED[f]!.decision !== 'rejected');

async function writeBatch(dir: string, only?: string[]): Promise<void> {
  const want = (f: string) => !only || only.includes(f);
  const w = async (file: string, spec: Parameters<typeof writeRequest>[2]) => {
    if (want(file)) await writeRequest(dir, file, spec, now);
  };
  mkdirSync(dir, { recursive: true });
  await w('good-alpha.json', { project: 'alpha', signers: [dev3] });
  await w('later-copy-of-alpha.json', { project: 'alpha', signers: [dev3] });
  await w('good-beta-two-keys.json', { project: 'Beta_Project', signers: [dev3, dev4], threshold: 2 });
  await w('good-gamma-ecdsa.json', { project: 'gamma', signers: [ecdsa] });
  await w('same-keys-requests.json', { project: 'requests', signers: [dev1] });
  await w('conflict-delta-1.json', { project: 'delta', signers: [dev1] });
  await w('conflict-delta-2.json', { project: 'Delta', signers: [dev2] });
  await w('one-of-two-signatures.json', {
    project: 'epsilon',
    signers: [dev1, dev2],
    threshold: 1,
    mutate: (r) => r.signatures.pop(),
  });
  await w('NumPy-normalizes-onto-numpy.json', { project: 'NumPy', signers: [dev3] });
  await w('expired.json', { project: 'zeta', signers: [dev1], created: addSeconds(now, -40 * DAY), validDays: 30 });
  await w('created-in-the-future.json', { project: 'eta', signers: [dev1], created: addSeconds(now, 2 * DAY) });
  await w('wrong-types.json', { project: 'wt', signers: [dev1], mutate: (r) => (r.signed.threshold = '1') });
  await w('keys-not-a-list.json', {
    project: 'kl',
    signers: [dev1],
    mutate: (r) => (r.signed.keys = r.signed.keys[0]),
  });
  await w('unknown-version.json', { project: 'uv', signers: [dev1], mutate: (r) => (r.signed.format_version = 2) });
  await w('bad-signature.json', {
    project: 'theta',
    signers: [dev1],
    mutate: (r) => (r.signatures[0].sig = r.signatures[0].sig.replace(/^./, (c: string) => (c === '0' ? '1' : '0'))),
  });
  await w('signed-by-another-key.json', {
    project: 'iota',
    signers: [dev1],
    mutate: (r) => r.signatures.push({ keyid: dev2.key.keyid, sig: r.signatures[0].sig }),
  });
  await w('bad-name.json', { project: 'ok', signers: [dev1], mutate: (r) => (r.signed.project = '-bad name-') });
  await w('role-name.json', { project: 'recently-claimed', signers: [dev1] });
  await w('bin-like-name.json', { project: 'unclaimed-bins-3', signers: [dev1] });
  await w('unsupported-key.json', {
    project: 'uk',
    signers: [dev1],
    mutate: (r) => (r.signed.keys[0] = { keytype: 'dsa', scheme: 'dsa-sha1', keyval: { public: 'abcd' } }),
  });
  await w('unknown-field.json', {
    project: 'uf',
    signers: [dev1],
    mutate: (r) => (r.signed.approved_by_admins = true),
  });
  await w('not-a-request.json', { project: 'nr', signers: [dev1], mutate: (r) => (r.signed._type = 'targets') });
  if (want('proto-pollution.json')) {
    const text = (await import('./fixtures.js')).requestBytes({ project: 'pp', signers: [dev1] }, now);
    writeFileSync(
      join(dir, 'proto-pollution.json'),
      (await text).toString().replace('"threshold"', '"__proto__": {"threshold": 5},\n    "threshold"'),
    );
  }
  if (want('not-json.json')) writeFileSync(join(dir, 'not-json.json'), 'this is not JSON {');
  if (want('huge.json')) writeFileSync(join(dir, 'huge.json'), `{"signed": {"project": "${'x'.repeat(200_000)}"}}`);
  if (want('a-folder')) mkdirSync(join(dir, 'a-folder'));
  if (want('a-link.json')) symlinkSync(join(dir, 'good-alpha.json'), join(dir, 'a-link.json'));
}

describe('intake of a folder of good and bad requests (flat claimed)', () => {
  let tmp: string;
  let f: Fixture;
  let settings: ClaimedSettings;
  let result: IntakeResult;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'intake-'));
    f = await makeRepository(join(tmp, 'repo'), now);
    settings = claimedSettingsFromPlan(f.repo.plan());
    // Round 1: two claimed projects, as in PEP 480's example (requests: one key; numpy: 2 of 2).
    await writeRequest(join(tmp, 'round1'), 'requests.json', { project: 'requests', signers: [dev1] }, now);
    await writeRequest(
      join(tmp, 'round1'),
      'numpy.json',
      { project: 'numpy', signers: [dev1, dev2], threshold: 2 },
      now,
    );
    const first = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'round1'), allowRekey: false, now });
    expect(first.decisions.counts.add).toBe(2);
    await signAndStore(f, first.proposal);
    await writeBatch(join(tmp, 'batch'));
    result = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'batch'), allowRekey: false, now });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives every file its decision, and each bad one its reason', () => {
    const got = Object.fromEntries(
      result.decisions.files.map((o) => [o.file, { decision: o.decision, reason: o.reason, project: o.project }]),
    );
    expect(Object.keys(got).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [file, want] of Object.entries(EXPECTED)) {
      expect({ file, ...got[file] }).toMatchObject({
        file,
        decision: want.decision,
        ...(want.reason ? { reason: want.reason } : {}),
        ...('project' in want && want.project ? { project: want.project } : {}),
      });
    }
    for (const o of result.decisions.files.filter((x) => x.decision === 'rejected')) expect(o.message).toMatch(/\w/);
  });

  it('adds exactly the good projects to claimed v3, terminating, with the plan paths and the request keys', () => {
    const claimed = result.proposal.roles.find((r) => r.role === 'claimed')!;
    expect(result.proposal.roles.map((r) => r.role)).toEqual(['claimed']);
    expect(claimed.metadata.signed.version).toBe(3);
    expect(claimed.replaces).toBe(2);
    expect(result.proposal.change).toEqual({ added: ['alpha', 'beta-project', 'gamma'], rekeyed: [], removed: [] });
    const roles = claimed.metadata.signed.delegations!.roles!;
    expect(roles.map((r) => r.name)).toEqual(['numpy', 'requests', 'alpha', 'beta-project', 'gamma']);
    const beta = roles.find((r) => r.name === 'beta-project')!;
    expect(beta.terminating).toBe(true);
    expect(beta.paths).toEqual(['beta-project']);
    expect(beta.threshold).toBe(2);
    expect([...beta.keyids].sort()).toEqual([dev3.key.keyid, dev4.key.keyid].sort());
    expect(claimed.metadata.signed.delegations!.keys.get(ecdsa.key.keyid)?.toJSON()).toEqual(ecdsa.key.toJSON());
    expect(result.proposal.signaturesNeeded).toBe(2);
  });

  it('bad files never change the result for the good ones', async () => {
    const only = join(tmp, 'only-good');
    await writeBatch(only, GOOD);
    const clean = runIntake({ store: f.repo, settings, requestsDir: only, allowRekey: false, now });
    expect(clean.decisions.files.map((o) => [o.file, o.decision])).toEqual(
      result.decisions.files.filter((o) => GOOD.includes(o.file)).map((o) => [o.file, o.decision]),
    );
    expect(clean.proposal.roles[0]!.metadata.payload().toString()).toEqual(
      result.proposal.roles[0]!.metadata.payload().toString(),
    );
  });

  it('re-keys a claimed project only with the explicit flag, and says so loudly', () => {
    const rekey = runIntake({ store: f.repo, settings, requestsDir: join(tmp, 'batch'), allowRekey: true, now });
    const numpy = rekey.decisions.files.find((o) => o.file === 'NumPy-normalizes-onto-numpy.json')!;
    expect(numpy.decision).toBe('rekey');
    expect(numpy.previousKeyids).toEqual([dev1.key.keyid, dev2.key.keyid].sort());
    expect(rekey.proposal.change.rekeyed).toEqual(['numpy']);
    expect(renderIntakeReport(rekey)).toMatch(/!!! RE-KEY: 1 claimed project gets NEW developer keys/);
    expect(renderIntakeReport(result)).not.toMatch(/RE-KEY/);
  });

  it('the report has counts and one line per file, and its JSON names each reason', () => {
    const text = renderIntakeReport(result);
    expect(text).toContain(`add 3   re-key 0   unchanged 1   rejected ${Object.keys(EXPECTED).length - 4}`);
    for (const file of Object.keys(EXPECTED)) expect(text).toContain(file);
    const json = intakeReportJson(result) as any;
    expect(json.counts).toMatchObject({ add: 3, rekey: 0, unchanged: 1 });
    expect(json.requests.find((r: any) => r.file === 'expired.json')).toMatchObject({
      decision: 'rejected',
      reason_code: 'expired',
    });
    expect(json.proposal).toMatchObject({
      layout: 'flat',
      signatures_needed: 2,
      added: ['alpha', 'beta-project', 'gamma'],
    });
  });

  it('the signed claimed role verifies with this project and @tufjs/models, and a developer-signed project role verifies through it', async () => {
    const claimed = result.proposal.roles[0]!.metadata;
    for (const s of f.claimedSigners) await claimed.sign(s, 'append');
    const targets = f.repo.current<Targets>('targets');
    const d = targets.signed.delegations!;
    expect(verifyRole(claimed, 'claimed', d.roleKeys('claimed')!, (k) => d.keys.get(k)).verified).toBe(true);
    const tufTargets = TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(targets.toBytes().toString()));
    const tufClaimed = TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(claimed.toBytes().toString()));
    expect(() => tufTargets.verifyDelegate('claimed', tufClaimed)).not.toThrow();

    // The developer of beta-project (2 of 2) signs the project role; it verifies through claimed.
    const project = new Metadata(new Targets({ version: 1, expires: addSeconds(now, 30 * DAY) }));
    await project.sign(dev3, 'append');
    expect(() =>
      tufClaimed.verifyDelegate(
        'beta-project',
        TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(project.toBytes().toString())),
      ),
    ).toThrow();
    await project.sign(dev4, 'append');
    expect(() =>
      tufClaimed.verifyDelegate(
        'beta-project',
        TufjsMetadata.fromJSON(MetadataKind.Targets, JSON.parse(project.toBytes().toString())),
      ),
    ).not.toThrow();

    const folder = join(tmp, 'published');
    mkdirSync(folder);
    for (const role of ['root', 'targets'])
      writeFileSync(join(folder, `1.${role}.json`), f.repo.current(role).toBytes());
    writeFileSync(join(folder, '3.claimed.json'), claimed.toBytes());
    writeFileSync(join(folder, '1.beta-project.json'), project.toBytes());
    const report = verifyRepository(f.repo.readBytes('root', 1), new FolderSource(folder), {
      trustedRootName: '1.root.json',
      at: now,
    });
    expect(report.ok).toBe(true);
    expect(report.roles.find((r) => r.role === 'beta-project')).toMatchObject({ status: 'ok', delegatedBy: 'claimed' });

    // The same project role signed by a key the request did not list does not verify.
    const forged = new Metadata(new Targets({ version: 1, expires: addSeconds(now, 30 * DAY) }));
    await forged.sign(dev1, 'append');
    await forged.sign(dev2, 'append');
    writeFileSync(join(folder, '1.alpha.json'), forged.toBytes());
    const bad = verifyRepository(f.repo.readBytes('root', 1), new FolderSource(folder), {
      trustedRootName: '1.root.json',
      at: now,
    });
    expect(bad.roles.find((r) => r.role === 'alpha')?.status).toBe('failed');
  });
});

describe('intake against the online recently-claimed list', () => {
  let tmp: string;
  let f: Fixture;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'intake-online-'));
    f = await makeRepository(join(tmp, 'repo'), now);
    const dir = join(tmp, 'batch');
    await writeRequest(dir, 'registered.json', { project: 'registered', signers: [dev1] }, now);
    await writeRequest(dir, 'other-keys.json', { project: 'other-keys', signers: [dev2] }, now);
    await writeRequest(dir, 'never-uploaded.json', { project: 'never-uploaded', signers: [dev1] }, now);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const run = (bytes: Buffer, at = now) =>
    runIntake({
      store: f.repo,
      settings: claimedSettingsFromPlan(f.repo.plan()),
      requestsDir: join(tmp, 'batch'),
      recentlyClaimed: { bytes, source: 'recently-claimed.json' },
      allowRekey: false,
      now: at,
    });

  it('adds only projects registered online with the same keys, and lists online projects with no request', async () => {
    const online = await recentlyClaimed(
      f,
      [
        { name: 'registered', keys: [dev1.key] },
        { name: 'other-keys', keys: [dev3.key] },
        { name: 'silent', keys: [dev4.key] },
      ],
      now,
    );
    const r = run(online);
    const by = Object.fromEntries(r.decisions.files.map((o) => [o.file, [o.decision, o.reason]]));
    expect(by).toEqual({
      'registered.json': ['add', undefined],
      'other-keys.json': ['rejected', 'online-keys-differ'],
      'never-uploaded.json': ['rejected', 'not-registered-online'],
    });
    expect(r.decisions.onlineWithoutRequest).toEqual([{ project: 'silent', alreadyClaimed: false }]);
    expect(renderIntakeReport(r)).toMatch(/recently-claimed v7 .* 1 with no request/);
  });

  it('refuses a recently-claimed list not signed by the online key targets names, or expired', async () => {
    const forged = await recentlyClaimed(f, [{ name: 'registered', keys: [dev1.key] }], now, f.claimedSigners[0]);
    expect(() => run(forged)).toThrow(/not signed by the online key targets delegates recently-claimed to/);
    const good = await recentlyClaimed(f, [{ name: 'registered', keys: [dev1.key] }], now);
    expect(() => run(good, addSeconds(now, 2 * DAY))).toThrow(/expired/);
  });
});
