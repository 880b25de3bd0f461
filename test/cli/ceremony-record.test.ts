/**
 * `transcript record` (src/cli/render-record-html.ts): the printable ceremony record of a real
 * ceremony on SoftHSM tokens, rendered by headless Chromium (Debian package chromium, installed by
 * scripts/setup.sh) to PDF on A4 and Letter, with every digest of the transcript in the page.
 * Every field a file can fill holds `<script>` and terminal escapes here: the browser shows them
 * as text and runs nothing, and the page loads nothing. Outputs are never overwritten.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendNote, appendTranscript, readTranscript, recordFailure } from '../../src/ceremony/state/transcript.js';
import { findChromium, headlessFlags } from '../../src/cli/headless-browser.js';
import { RefusedError } from '../../src/tuf/base/errors.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { fingerprintWords, groupedHex } from '../../src/tuf/model/fingerprint-words.js';
import { runCli } from '../helpers/cli.js';
import { initRepository, signAndFinalize } from '../helpers/ceremony-steps.js';
import { writeRequest } from '../requests/fixtures.js';
import { makeAdmins, type Admins } from '../helpers/softhsm-admins.js';

/** A hostile text: markup, an attribute break-out, a terminal escape that hides, a bidi override, a line break. */
const HOSTILE = `<script>alert(1)</script><img src=x onerror=alert(2)>"'\u001b[8m\u202e\r\nforged`;

let a: Admins;
let repo: string;
let out: string;

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  expect(
    findChromium(process.env),
    'headless Chromium (scripts/setup.sh installs the Debian package chromium)',
  ).toBeDefined();
  a = makeAdmins('record', {
    editPlan: (plan) =>
      (plan['attendees'] = [
        { name: 'Dana Park', parts: ['ceremony-administrator'] },
        { name: `Sam <b>Lee</b> ${HOSTILE.replace(/[\u0000-\u001f\u202e]/g, '')}`, parts: ['witness', 'scribe'] },
      ]),
  });
  repo = join(a.dir, 'repo');
  out = join(a.dir, 'out');
  mkdirSync(out);
  const signAll = (event: string) => signAndFinalize(repo, event, a.profilePath);
  await signAll(await initRepository(a.planPath, a.profilePath, repo));
  await writeRequest(
    join(a.dir, 'requests'),
    'req.json',
    { project: 'pyyaml', signers: [Ed25519Signer.generate()] },
    new Date(),
  );
  const noOnline = ['--no-online-check', 'no online service in this test'];
  await ok([
    'claim',
    '--repo',
    repo,
    '--requests',
    join(a.dir, 'requests'),
    '--event',
    join(a.dir, 'claim'),
    ...noOnline,
  ]);
  await signAll(join(a.dir, 'claim'));
  mkdirSync(join(a.dir, 'medium'));
  await ok(['bundle', 'export', '--repo', repo, '--to', join(a.dir, 'medium')]);
  await ok(['transcript', 'note', '--repo', repo, '--by', 'Sam Lee', 'admin-b needed two tries at the PIN']);
  // Hostile text in every field a record can carry.
  appendNote(repo, { text: HOSTILE, by: HOSTILE });
  recordFailure(repo, {
    step: HOSTILE,
    operator: HOSTILE,
    error: new RefusedError(HOSTILE, 'E_REFUSED'),
    inputs: { [HOSTILE]: sha256Hex('hostile input') },
    details: { [HOSTILE]: HOSTILE, nested: { deep: [HOSTILE] } },
  });
  appendTranscript(repo, {
    step: 'event-sign',
    operator: HOSTILE,
    confirmation: HOSTILE,
    inputs: { [`${HOSTILE} payload`]: sha256Hex('payload') },
    outputs: { [HOSTILE]: sha256Hex('output') },
    tokens: [{ holder: HOSTILE, serial: HOSTILE, keyids: [sha256Hex('key')] }],
    details: { event: HOSTILE, kind: HOSTILE },
  });
}, 240_000);
afterAll(() => rmSync(a.dir, { recursive: true, force: true }));

/** Which of `texts` the page does not hold (a failure names them, not the whole page). */
const missing = (page: string, texts: string[]) => texts.filter((t) => !page.includes(t));

/** The page sizes of a PDF, in points. */
const mediaBoxes = (pdf: Buffer) => [...pdf.toString('latin1').matchAll(/\/MediaBox (\[[^\]]*\])/g)].map((m) => m[1]);

/** The page as Chromium parsed it (its DOM, serialized), or its PNG. */
function chromium(args: string[], html: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'record-chromium-'));
  try {
    const r = spawnSync(findChromium(process.env)!, [...headlessFlags(profile), ...args, pathToFileURL(html).href], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('the printable ceremony record', () => {
  it('holds every digest of the transcript and the head (hex, words), and prints to an A4 PDF', async () => {
    const html = join(out, 'record.html');
    const pdf = join(out, 'record.pdf');
    const doc = JSON.parse(
      await ok(['transcript', 'record', '--repo', repo, '--out', html, '--pdf', pdf, '--place', HOSTILE, '--json']),
    );
    const page = readFileSync(html, 'utf8');
    const records = readTranscript(join(repo, 'transcript.jsonl'));
    const digests = new Set(records.flatMap((r) => [...Object.values(r.inputs), ...Object.values(r.outputs)]));
    expect(digests.size).toBeGreaterThan(20);
    expect([...digests].filter((d) => !page.includes(groupedHex(d)))).toEqual([]);
    expect(doc).toMatchObject({ ok: true, records: { from: 1, to: records.length, total: records.length } });
    expect(
      missing(page, [
        ...records.map((r) => `#${r.seq}</span>`),
        groupedHex(doc.head),
        ...fingerprintWords(doc.head),
        // Who signed with which token, the people and their parts, a signature line for each.
        a.serials['admin-a']!,
        'Dana Park</td><td>ceremony administrator</td>',
        '<tr><td>admin-c</td><td>admin (key holder)</td><td></td><td></td></tr>',
        'projects added (1): pyyaml',
        'admin-b needed two tries at the PIN',
      ]),
    ).toEqual([]);

    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(doc.pdf).toEqual({ path: pdf, sha256: sha256Hex(bytes) });
    // A4 is 595 × 842 points.
    expect(mediaBoxes(bytes)).toEqual(expect.arrayContaining(['[0 0 594.95996 841.91998]']));
    expect(bytes.length).toBeGreaterThan(50_000);
  }, 240_000);

  it('prints on Letter when asked', async () => {
    const pdf = join(out, 'letter.pdf');
    await ok([
      'transcript',
      'record',
      '--repo',
      repo,
      '--out',
      join(out, 'letter.html'),
      '--pdf',
      pdf,
      '--paper',
      'letter',
    ]);
    // Letter is 612 × 792 points.
    expect(new Set(mediaBoxes(readFileSync(pdf)))).toEqual(new Set(['[0 0 612 792]']));
  }, 240_000);

  it('shows every hostile text as text in the browser, runs nothing and loads nothing', async () => {
    const html = join(out, 'hostile.html');
    await ok(['transcript', 'record', '--repo', repo, '--out', html, '--place', HOSTILE]);
    const page = readFileSync(html, 'utf8');
    // Checked without printing the page (it is large): no markup from a file, no control character,
    // no tag that fetches.
    expect(page.match(/<script|<img|[\u001b\u202e\r]/gi)).toBeNull();
    expect(page.match(/<[a-z]+\s[^>]*\b(src|href)=/gi)).toBeNull();
    expect(missing(page, [`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`])).toEqual([]);
    const shown =
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;\\u001b[8m\\u202e\\u000d\\u000aforged';
    // The place, the note and its writer, the step, operator, confirmation, inputs, outputs,
    // token holder and serial, the failure's message and details: each escaped.
    expect(page.split(shown).length - 1).toBeGreaterThanOrEqual(12);
    const dom = chromium(['--dump-dom'], html);
    expect(dom.match(/<script|<img/gi)).toBeNull();
    expect(dom.includes('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(true);
    const png = join(out, 'hostile.png');
    chromium([`--screenshot=${png}`, '--window-size=1000,3000'], html);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
    // The terminal view of the same records: no escape reaches it raw either.
    const shownText = await runCli(['transcript', 'show', '--repo', repo]);
    expect(shownText.stdout).not.toMatch(/\u001b|\u202e|\r/);
    expect(shownText.stdout).toContain('\\u001b[8m');
  }, 240_000);

  it('never overwrites an output, and checks both before writing either', async () => {
    const html = join(out, 'twice.html');
    await ok(['transcript', 'record', '--repo', repo, '--out', html]);
    const before = readFileSync(html);
    const again = await runCli(['transcript', 'record', '--repo', repo, '--out', html]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/--out .*twice\.html exists already; it is never overwritten/);
    expect(readFileSync(html)).toEqual(before);
    writeFileSync(join(out, 'taken.pdf'), 'x');
    const pdfTaken = await runCli([
      'transcript',
      'record',
      '--repo',
      repo,
      '--out',
      join(out, 'new.html'),
      '--pdf',
      join(out, 'taken.pdf'),
    ]);
    expect(pdfTaken.code).toBe(5);
    expect(existsSync(join(out, 'new.html'))).toBe(false);
    const range = await runCli([
      'transcript',
      'record',
      '--repo',
      repo,
      '--out',
      join(out, 'r.html'),
      '--from',
      '9',
      '--to',
      '3',
    ]);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--from 9 is after --to 3/);
  }, 60_000);

  it('without Chromium the HTML is written and one line says how to print it', async () => {
    const html = join(out, 'no-browser.html');
    const r = await runCli(['transcript', 'record', '--repo', repo, '--out', html, '--pdf', join(out, 'no.pdf')], {
      env: { PATH: join(a.dir, 'empty-path') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tuf-ceremony transcript record: no headless Chromium on PATH .*print it from a browser/);
    expect(existsSync(html)).toBe(true);
    expect(existsSync(join(out, 'no.pdf'))).toBe(false);
  }, 60_000);
});
