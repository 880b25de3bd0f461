/**
 * With a sharded claimed role of 128 bins, what the commands print for people stays a screenful:
 * top-level roles and every problem in full, the other bins up to OK_ROWS_SHOWN and then one line
 * that counts them; `--json` still lists every role, file and signature.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimedBins } from '../../src/ceremony/claims/claimed-build.js';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { OK_ROWS_SHOWN } from '../../src/cli/render-report.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { formatExpires } from '../../src/tuf/base/time.js';
import { serializeJson } from '../../src/tuf/json/canonical-json.js';
import { runCli } from '../helpers/cli.js';
import { DAY, makeRepository, signer, writeRequest, type Fixture } from '../requests/fixtures.js';

const T0 = new Date(Date.UTC(2031, 0, 1));
const day = (n: number) => new Date(T0.getTime() + n * DAY * 1000);
const at = (n: number) => formatExpires(day(n));
const BITS = 7;
const BINS = 2 ** BITS;
const lines = (text: string) => text.trimEnd().split('\n');

/** Every role of an event signed by `signers` where they are authorized (as `event sign` would). */
async function signEvent(dir: string, signers: Signer[]): Promise<void> {
  const event = SigningEvent.load(dir);
  for (const r of event.roles()) {
    const ids = new Set(r.thresholds.flatMap((t) => [...t.keys.keys()]));
    const sigs = [];
    for (const s of signers)
      if (ids.has(s.key.keyid))
        sigs.push({ keyid: s.key.keyid, sig: Buffer.from(await s.sign(r.metadata.payload())).toString('hex') });
    if (sigs.length) event.addSignatures(r.role, sigs);
  }
}

describe(`reports on a sharded claimed role of ${BINS} bins`, () => {
  let tmp: string;
  let f: Fixture;
  const bins = new ClaimedBins(BITS, 'claimed-bins');
  // One project per bin: the first three claimed at T0, the others 40 days later, so that at
  // day 80 three bins are due and the rest are not.
  const perBin = new Map<number, string>();
  for (let i = 0; perBin.size < BINS; i++) {
    const b = bins.binOfPath(`project-${i}`);
    if (!perBin.has(b)) perBin.set(b, `project-${i}`);
  }
  const projects = [...perBin.values()];
  const early = projects.slice(0, 3);
  const earlyBins = early.map((p) => bins.name(bins.binOfPath(p)));

  async function claim(names: string[], round: string, when: number): Promise<void> {
    const dev = signer(60);
    for (const name of names)
      await writeRequest(join(tmp, round), `${name}.json`, { project: name, signers: [dev] }, day(when));
    const eventDir = join(tmp, `${round}-event`);
    const r = await runCli([
      'claim',
      '--no-online-check',
      'no online service in this test',
      '--repo',
      f.dir,
      '--requests',
      join(tmp, round),
      '--event',
      eventDir,
      '--at',
      at(when),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    await signEvent(eventDir, f.claimedSigners);
    const fin = await runCli(['event', 'finalize', eventDir, '--repo', f.dir, '--at', at(when)]);
    expect(fin.code, fin.stdout + fin.stderr).toBe(0);
    finalizeOutputs.push(fin.stdout);
  }
  const finalizeOutputs: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'many-bins-'));
    f = await makeRepository(join(tmp, 'repo'), T0, BITS);
    await claim(early, 'round1', 0);
    await claim(projects.slice(3), 'round2', 40);
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('event finalize of a claim into every bin: twenty files named, the rest counted, the verify table bounded', () => {
    const out = lines(finalizeOutputs[1]!);
    expect(out.filter((l) => l.startsWith('wrote '))).toHaveLength(20);
    // claimed v3 and the 125 bins filled in the second round.
    expect(out).toContain('… and 106 more files written (--json lists every one)');
    expect(out.filter((l) => l.includes('more roles verified without remark'))).toHaveLength(1);
    expect(out.length).toBeLessThan(20 + OK_ROWS_SHOWN + 20);
  });

  it('expiry: top-level roles and every role due in full, the other bins counted with the instant they all expire', async () => {
    const r = await runCli(['expiry', '--repo', f.dir, '--at', at(80), '--within', '14d']);
    expect(r.code).not.toBe(0); // something is due: the reminder's exit code
    const out = lines(r.stdout);
    // Header, blank, table head, root/targets/claimed, OK_ROWS_SHOWN bins (the 3 due first), the count, blank, DUE line.
    expect(out.length).toBeLessThanOrEqual(OK_ROWS_SHOWN + 12);
    for (const role of ['root', 'targets', 'claimed', ...earlyBins])
      expect(out.some((l) => l.startsWith(`${role} `))).toBe(true);
    for (const b of earlyBins) expect(out.find((l) => l.startsWith(`${b} `))).toMatch(/\bDUE\b/);
    const hidden = BINS - OK_ROWS_SHOWN;
    expect(out).toContain(
      `… and ${hidden} more roles ok, all expiring ${at(130)} (50 days left) (--json lists every role)`,
    );
    expect(r.stdout).toContain(`DUE within 14d: ${[...earlyBins].sort().join(', ')}.`);

    const json = JSON.parse(
      (await runCli(['expiry', '--repo', f.dir, '--at', at(80), '--within', '14d', '--json'])).stdout,
    );
    expect(json.roles).toHaveLength(BINS + 3);
    expect(json.due.sort()).toEqual([...earlyBins].sort());
  });

  it('expiry: when the hidden bins expire at different times, it names the earliest of them', async () => {
    // At day 10 with a window of 1 day every bin is ok: the early bins expire at day 90, the late
    // ones at day 130, and the early bins past the first OK_ROWS_SHOWN are among those counted.
    const r = await runCli(['expiry', '--repo', f.dir, '--at', at(10), '--within', '1d']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeLessThanOrEqual(OK_ROWS_SHOWN + 10);
    const shown = new Set(out.map((l) => l.split(' ')[0]));
    const earliestHidden = [...earlyBins].sort().find((b) => !shown.has(b));
    expect(earliestHidden).toBeDefined();
    expect(out.find((l) => l.startsWith('… and'))).toBe(
      `… and ${BINS - OK_ROWS_SHOWN} more roles ok, the earliest expiring ${earliestHidden} ${at(90)} (80 days left) ` +
        '(--json lists every role)',
    );
  });

  it('resign, then event merge: one line per copy and signer with a count and the first roles', async () => {
    const eventDir = join(tmp, 'resign-event');
    const made = await runCli(['resign', '--repo', f.dir, '--event', eventDir, '--at', at(80), '--within', '400d']);
    expect(made.code, made.stderr).toBe(0);
    const shownBins = lines(made.stdout).filter((l) => /^claimed-bins-\S+: re-sign only/.test(l));
    expect(shownBins).toHaveLength(OK_ROWS_SHOWN);
    expect(made.stdout).toContain(
      `… and ${BINS - OK_ROWS_SHOWN} more roles: re-sign only, no content change, version +1, each expiring ${at(170)}`,
    );
    // Three lines per role shown (its proof and its signers), one for the rest.
    expect(lines(made.stdout).length).toBeLessThan(3 * (OK_ROWS_SHOWN + 3) + 15);

    const [alice, bob] = f.claimedSigners as [Signer, Signer];
    const copyA = join(tmp, 'copy-alice');
    const copyB = join(tmp, 'copy-bob');
    cpSync(eventDir, copyA, { recursive: true });
    cpSync(eventDir, copyB, { recursive: true });
    await signEvent(copyA, [alice]);
    await signEvent(copyB, [alice, bob]);
    const r = await runCli(['event', 'merge', eventDir, copyA, copyB]);
    expect(r.code, r.stderr).toBe(0);
    const signed = BINS + 1; // claimed and its bins, on the claimed keys
    const head = lines(r.stdout.split('\n\n')[0]!);
    expect(head).toHaveLength(3);
    expect(head[0]).toMatch(
      new RegExp(
        `^added ${signed} signatures of alice \\(claimed v4, claimed-bins-\\S+ v\\d+, claimed-bins-\\S+ v\\d+ … and ${signed - 3} more\\) from ${copyA}$`,
      ),
    );
    expect(head[1]).toMatch(
      new RegExp(`^added ${signed} signatures of bob \\(.* … and ${signed - 3} more\\) from ${copyB}$`),
    );
    expect(head[2]).toMatch(new RegExp(`^already here: ${signed} signatures of alice \\(.*\\) \\(in ${copyB}\\)$`));
    expect(lines(r.stdout).length).toBeLessThan(OK_ROWS_SHOWN * 4);

    const again = await runCli(['event', 'merge', eventDir, copyB, '--json']);
    const json = JSON.parse(again.stdout);
    expect(json.added).toHaveLength(0);
    expect(json.already_present).toHaveLength(2 * signed);
  });

  it('bundle export, verify and import: the new files cut to the first names, the bins counted', async () => {
    const medium = join(tmp, 'usb');
    mkdirSync(medium);
    const ex = await runCli(['bundle', 'export', '--repo', f.dir, '--to', medium, '--at', at(80)]);
    expect(ex.code, ex.stderr).toBe(0);
    const newLine = lines(ex.stdout).find((l) => l.startsWith('new since export'))!;
    expect(newLine).toMatch(/^new since export \(none\): 1\.root\.json, /);
    expect(newLine).toMatch(/ … and \d+ more \(--json lists every file\)$/);
    expect(newLine.split(', ').length).toBe(20);

    const bundle = join(medium, 'bundle-000001');
    const root = f.repo.path('root', 1);
    const v = await runCli(['bundle', 'verify', bundle, '--root', root, '--at', at(80)]);
    expect(v.code, v.stderr).toBe(0);
    const ticks = lines(v.stdout).filter((l) => l.startsWith('  ✓ '));
    for (const role of ['root', 'targets', 'claimed'])
      expect(ticks.some((l) => new RegExp(`\\s${role} v\\d+$`).test(l))).toBe(true);
    const binTicks = ticks.filter((l) => /\sclaimed-bins-\S+ v\d+$/.test(l));
    expect(binTicks).toHaveLength(OK_ROWS_SHOWN);
    const verifiedJson = JSON.parse(
      (await runCli(['bundle', 'verify', bundle, '--root', root, '--at', at(80), '--json'])).stdout,
    ).verified as Array<{ role: string }>;
    const binFiles = verifiedJson.filter((x) => x.role.startsWith('claimed-bins-')).length;
    expect(binFiles).toBeGreaterThanOrEqual(BINS);
    expect(ticks).toContain(
      `  ✓ … and ${binFiles - OK_ROWS_SHOWN} more metadata files verified, each delegated by claimed (--json lists every file)`,
    );

    const target = join(tmp, 'published');
    const i = await runCli(['bundle', 'import', bundle, '--root', root, '--into', target, '--at', at(80)]);
    expect(i.code, i.stderr).toBe(0);
    expect(lines(i.stdout).length).toBeLessThan(3 * OK_ROWS_SHOWN);
    expect(i.stdout).toMatch(/ {2}added {5}\S+\/1\.root\.json/);
    expect(i.stdout).toMatch(/… and \d+ more files: \d+ added, 0 replaced, 0 unchanged \(--json lists every file\)/);
  });

  it('rotate of the claimed keys: one note and one line for the bins that follow them', async () => {
    const carol = signer(77, 'carol');
    const keyFile = join(tmp, 'carol.pub.json');
    writeFileSync(keyFile, serializeJson(carol.key.toJSON()));
    const eventDir = join(tmp, 'rotate-event');
    const alice = f.claimedSigners[0]!.key.keyid;
    const argv = ['rotate', '--repo', f.dir, '--role', 'claimed', '--add', keyFile, '--remove', alice, '--at', at(81)];
    const r = await runCli([...argv, '--event', eventDir]);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeLessThan(OK_ROWS_SHOWN + 25);
    expect(out.filter((l) => l.startsWith('note: ') && l.includes('claimed-bins-'))).toEqual([
      expect.stringMatching(
        new RegExp(`^note: ${BINS} bins of claimed, claimed-bins-\\S+ … claimed-bins-\\S+, each at`),
      ),
    ]);
    expect(out).toContain('targets v2 needs 1 of root v1 → targets');
    expect(out.filter((l) => /^claimed-bins-\S+ v\d+ needs /.test(l))).toHaveLength(OK_ROWS_SHOWN);
    expect(out).toContain(
      `… and ${BINS - OK_ROWS_SHOWN} more roles, each needing 2 of claimed v4's keys for it (--json lists every role)`,
    );
    const json = JSON.parse((await runCli([...argv, '--event', join(tmp, 'rotate-json'), '--json'])).stdout);
    expect(json.roles.filter((x: { role: string }) => x.role.startsWith('claimed-bins-'))).toHaveLength(BINS);
  });

  it('transcript show: every digest of the top-level roles, the bins of a claim cut and counted', async () => {
    const r = await runCli(['transcript', 'show', '--repo', f.dir]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    // Each claim and finalize wrote a digest per bin; the view lists the first LIST_SHOWN of them.
    const counted = out.filter((l) =>
      /^ {4}(in |out) {2}… and \d+ more bins of claimed \(transcript show --json lists every digest\)$/.test(l),
    );
    expect(counted.length).toBeGreaterThanOrEqual(2);
    expect(out.some((l) => /^ {4}out {2}[0-9a-f]{64} {2}3\.claimed\.json$/.test(l))).toBe(true);
    expect(out.length).toBeLessThan(400);
    const json = JSON.parse((await runCli(['transcript', 'show', '--repo', f.dir, '--json'])).stdout);
    const outputs = json.records.flatMap((x: { outputs: Record<string, string> }) => Object.keys(x.outputs));
    expect(outputs.filter((n: string) => n.includes('.claimed-bins-')).length).toBeGreaterThanOrEqual(2 * BINS);
  });
});
