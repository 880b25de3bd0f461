/** `tuf-ceremony transcript record`: the printable ceremony record, HTML and optionally PDF. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeNewFile } from '../../../bundle/index.js';
import { inspectTranscript, readPlanFile, Repository } from '../../../ceremony/state/index.js';
import { fingerprintWords, sha256Hex } from '../../../tuf/model/index.js';
import { formatExpires, RefusedError, UsageError } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { printToPdf } from '../../headless-browser.js';
import { out, printJson } from '../../io.js';
import { renderRecordHtml } from '../../render-record-html.js';
import { toolVersion } from '../../version.js';
import type { record } from './declarations.js';

function seqOption(text: string | undefined, flag: string, fallback: number, last: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > last)
    throw new UsageError(`${flag} ${text}: expected a record number from 1 to ${last}`);
  return Number(text);
}

function refuseExisting(path: string, flag: string): void {
  if (existsSync(path)) throw new RefusedError(`${flag} ${path} exists already; it is never overwritten`, 'E_EXISTS');
}

export const run: Run<typeof record> = async ({ values }, io) => {
  const repo = Repository.open(values.repo);
  const paper = (values.paper ?? 'a4').toLowerCase();
  if (paper !== 'a4' && paper !== 'letter') throw new UsageError(`--paper ${values.paper}: expected a4 or letter`);
  const htmlPath = resolve(io.cwd, values.out);
  const pdfPath = values.pdf === undefined ? undefined : resolve(io.cwd, values.pdf);
  // Both outputs are checked before either is written.
  refuseExisting(htmlPath, '--out');
  if (pdfPath !== undefined) refuseExisting(pdfPath, '--pdf');
  if (pdfPath === htmlPath) throw new UsageError('--pdf and --out name the same file');
  const { check, records: all } = inspectTranscript(repo.transcriptPath);
  if (!check.ok)
    throw new RefusedError(
      `transcript ${repo.transcriptPath} does not verify (BROKEN at record ${check.brokenAt}: ${check.reason}); no record is made of it`,
      'E_TRANSCRIPT_BROKEN',
    );
  if (all.length === 0) throw new UsageError(`transcript ${repo.transcriptPath} holds no record yet`);
  if (values['last-run'] && values.from !== undefined) throw new UsageError('give --from or --last-run, not both');
  const runStart = all.findLast((r) => r.step === 'ceremony-run-start');
  if (values['last-run'] && runStart === undefined)
    throw new UsageError(`--last-run: transcript ${repo.transcriptPath} holds no guided run (ceremony run)`);
  const from = runStart && values['last-run'] ? runStart.seq : seqOption(values.from, '--from', 1, all.length);
  const to = seqOption(values.to, '--to', all.length, all.length);
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  // The head after record `to`: the next record's prev, or the chain's head.
  const head = to === all.length ? check.head! : all[to]!.prev;
  let plan = repo.plan();
  let peoplePlanSha256: string | undefined;
  if (values.plan !== undefined) {
    const read = readPlanFile(values.plan);
    plan = read.plan;
    peoplePlanSha256 = sha256Hex(read.bytes);
  }
  const html = Buffer.from(
    await renderRecordHtml({
      records: all.slice(from - 1, to),
      all,
      head,
      plan,
      peoplePlanSha256,
      place: values.place,
      paper,
      made: formatExpires(new Date()),
      toolVersion: toolVersion(),
    }),
    'utf8',
  );
  writeNewFile(htmlPath, html);
  let pdf: { path: string; sha256: string } | undefined;
  if (pdfPath !== undefined) {
    const bytes = printToPdf(htmlPath, io.env);
    writeNewFile(pdfPath, bytes);
    pdf = { path: pdfPath, sha256: sha256Hex(bytes) };
  }
  if (values.json) {
    printJson(io, {
      ok: true,
      out: htmlPath,
      sha256: sha256Hex(html),
      pdf: pdf ?? null,
      records: { from, to, total: all.length },
      head,
      head_words: fingerprintWords(head),
    });
  } else {
    const lines = [
      `Ceremony record of records #${from} to #${to} written to ${htmlPath} (SHA-256 ${sha256Hex(html)}).`,
    ];
    if (pdf) lines.push(`Printed to ${pdf.path} (SHA-256 ${pdf.sha256}).`);
    else lines.push('Print it from a browser (A4 or Letter), or again with --pdf <file> where Chromium is installed.');
    lines.push(`Head after record #${to}: ${head}`);
    out(io, lines.join('\n'));
  }
  return 0;
};
