/**
 * The printable ceremony record (`transcript record`): one self-contained HTML page that the people
 * in the room read, check and sign, as the IANA root KSK ceremonies archive a signed script. It
 * loads nothing (a Content-Security-Policy forbids every fetch and every script; QR codes are inline
 * SVG) and prints on A4 or Letter. Every text comes from the transcript and the plan, which may have
 * travelled on media: HTML-escaped, with control characters shown as `\u001b`-style text
 * (src/tuf/model/display-text.ts), so that no file can add markup or hide a line.
 */
import { escapeControls } from '../tuf/base/index.js';
import { fingerprintWords, groupedHex } from '../tuf/model/index.js';
import {
  type CeremonyPlan,
  type RecordView,
  transcriptHeader,
  type TranscriptRecord,
  viewRecord,
} from '../ceremony/state/index.js';

export type Paper = 'a4' | 'letter';

export interface RecordPage {
  /** The records of this ceremony. */
  records: readonly TranscriptRecord[];
  /** Every record of the transcript: the repository and its plan digest are in `init`. */
  all: readonly TranscriptRecord[];
  /** The SHA-256 of the last selected record's line: the chain's head after it. */
  head: string;
  plan?: CeremonyPlan;
  /** The SHA-256 of the plan given for this ceremony's people, when not the repository's. */
  peoplePlanSha256?: string;
  place?: string;
  paper: Paper;
  /** When the page was made, and by which version of the tool. */
  made: string;
  toolVersion: string;
}

/** Digests of one step shown with words and a QR code; the rest of a large step in hex only. */
export const DIGESTS_IN_FULL = 8;

/** Text for HTML: control characters made visible first, then the five HTML specials escaped. */
export function escapeHtml(text: string): string {
  return escapeControls(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const e = escapeHtml;

async function qrSvg(hex: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  // Only a digest in lowercase hex is ever encoded, so the SVG holds nothing from a file.
  if (!/^[0-9a-f]{64}$/.test(hex)) return '';
  const svg = await QRCode.toString(hex, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  return svg.replace('<svg ', '<svg class="qr" role="img" aria-label="QR code of the digest" ');
}

function words(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) return '';
  return fingerprintWords(hex)
    .map((w, i) => `<span class="w"><sup>${i + 1}</sup>${e(w)}</span>`)
    .join(' ');
}

async function digestBlock(hex: string, full: boolean): Promise<string> {
  const text = `<code class="hex">${e(groupedHex(hex))}</code>`;
  if (!full) return text;
  return `<div class="digest">${await qrSvg(hex)}<div>${text}<div class="words">${words(hex)}</div></div></div>`;
}

async function digestRows(view: RecordView): Promise<string> {
  const all = [
    ...view.inputs.map(([name, hex]) => ['in', name, hex] as const),
    ...view.outputs.map(([name, hex]) => ['out', name, hex] as const),
  ];
  if (all.length === 0) return '';
  const rows: string[] = [];
  for (const [i, [dir, name, hex]] of all.entries())
    rows.push(
      `<tr><td class="dir">${dir}</td><td class="name">${e(name)}</td><td>${await digestBlock(hex, i < DIGESTS_IN_FULL)}</td></tr>`,
    );
  const more =
    all.length > DIGESTS_IN_FULL
      ? `<p class="small">The first ${DIGESTS_IN_FULL} digests with their words and QR codes; the other ${all.length - DIGESTS_IN_FULL} in hex.</p>`
      : '';
  const head = '<thead><tr><th></th><th>input / output</th><th>SHA-256 (keyid for a key)</th></tr></thead>';
  return `<table class="digests">${head}<tbody>${rows.join('')}</tbody></table>${more}`;
}

function tokenRows(view: RecordView): string {
  if (view.tokens.length === 0) return '';
  const rows = view.tokens
    .map(
      (t) =>
        `<tr><td>${e(t.holder)}</td><td><code>${e(t.serial)}</code></td><td>${t.keyids.map((k) => `<code>${e(k)}</code>`).join('<br>')}</td></tr>`,
    )
    .join('');
  return `<table class="tokens"><thead><tr><th>key holder</th><th>token serial</th><th>keys used or generated</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function stepArticle(r: TranscriptRecord): Promise<string> {
  const v = viewRecord(r);
  const parts: string[] = [
    `<h3><span class="seq">#${v.seq}</span> <span class="time">${e(v.time)}</span> ${e(v.title)}</h3>`,
  ];
  if (v.outcome !== 'done')
    parts.push(
      `<p class="exception"><b>${e(v.outcome.toUpperCase())}</b>${v.exception ? ` <code>${e(v.exception.code)}</code>: ${e(v.exception.message)}` : ''}</p>`,
    );
  if (v.people.length)
    parts.push(`<p class="people">${v.people.map((p) => `${e(p.did)}: <b>${e(p.name)}</b>`).join('; ')}</p>`);
  if (v.confirmation) parts.push(`<p class="small">confirmation: ${e(v.confirmation)}</p>`);
  if (v.changes.length) parts.push(`<ul class="changes">${v.changes.map((c) => `<li>${e(c)}</li>`).join('')}</ul>`);
  if (v.note !== undefined)
    parts.push(
      `<blockquote class="note">${v.note
        .split('\n')
        .map((l) => e(l))
        .join('<br>')}</blockquote>`,
    );
  parts.push(tokenRows(v));
  parts.push(await digestRows(v));
  if (v.release) parts.push(`<p class="small">written by tool release <code>${e(v.release)}</code></p>`);
  parts.push(
    '<p class="check">☐ checked by a witness &nbsp; initials: <span class="blank short"></span> &nbsp; time: <span class="blank short"></span></p>',
  );
  return `<article class="step ${v.outcome}">${parts.join('')}</article>`;
}

const partsOf = (parts: readonly string[]): string => parts.map((x) => PARTS[x] ?? x).join(', ');

const PARTS: Record<string, string> = {
  admin: 'admin (key holder)',
  'ceremony-administrator': 'ceremony administrator',
  witness: 'witness',
  scribe: 'scribe',
};

function style(paper: Paper): string {
  return `
@page { size: ${paper === 'letter' ? 'letter' : 'A4'}; margin: 14mm 13mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000; background: #fff; margin: 0 auto; max-width: 185mm; }
h1 { font-size: 17pt; margin: 0 0 3mm; }
h2 { font-size: 13pt; border-bottom: 1px solid #000; margin: 6mm 0 2mm; }
h3 { font-size: 10.5pt; margin: 0 0 1mm; }
code, .hex { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #777; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.head th { width: 38mm; }
.step { border: 1px solid #000; padding: 2mm; margin: 0 0 3mm; }
.step.refused, .step.failed, .step.interrupted, .step.skipped { border-width: 2px; border-style: dashed; }
.exception { font-weight: bold; }
.seq { font-family: monospace; }
.small { font-size: 8pt; }
.changes { margin: 1mm 0; padding-left: 5mm; overflow-wrap: anywhere; }
.note { border-left: 3px solid #000; margin: 1mm 0; padding-left: 3mm; font-style: italic; overflow-wrap: anywhere; }
.digests .dir { width: 8mm; } .digests .name { width: 45mm; overflow-wrap: anywhere; }
.digest { display: flex; gap: 2mm; align-items: flex-start; }
.qr { width: 22mm; height: 22mm; flex: none; }
.words { font-size: 8pt; }
.w sup { font-size: 6pt; color: #555; margin-right: 0.3mm; }
.blank { display: inline-block; border-bottom: 1px solid #000; min-width: 60mm; height: 5mm; }
.blank.short { min-width: 25mm; }
.check { margin: 1.5mm 0 0; font-size: 9pt; }
.sign td { height: 14mm; }
.headbox .qr { width: 30mm; height: 30mm; }
tr, .digest, .sign tr { break-inside: avoid; }
h2, h3 { break-after: avoid; }
@media print { a { color: #000; text-decoration: none; } }
`;
}

/** The whole page. */
export async function renderRecordHtml(p: RecordPage): Promise<string> {
  const h = transcriptHeader(p.records, p.plan);
  const whole = transcriptHeader(p.all);
  const first = p.records[0]?.seq ?? 0;
  const last = p.records.at(-1)?.seq ?? 0;
  const date =
    h.first === undefined
      ? ''
      : h.first.slice(0, 10) === h.last!.slice(0, 10)
        ? h.first.slice(0, 10)
        : `${h.first.slice(0, 10)} to ${h.last!.slice(0, 10)}`;
  const releases = h.releases.filter((r) => r !== '');
  const headRows = [
    ['Index (repository)', e(h.repository ?? whole.repository ?? '')],
    ['Ceremony', e(h.kinds.join(', ') || '(no signing event in these records)')],
    ['Date', `${e(date)}${h.first ? ` <span class="small">(${e(h.first)} to ${e(h.last!)}, UTC)</span>` : ''}`],
    ['Place', p.place ? e(p.place) : '<span class="blank"></span>'],
    [
      'Plan (SHA-256 of plan.json)',
      whole.planSha256 ? await digestBlock(whole.planSha256, true) : '(the transcript has no init record)',
    ],
    ...(p.peoplePlanSha256 ? [['People named by the plan', `<code>${e(p.peoplePlanSha256)}</code> (SHA-256)`]] : []),
    [
      'Tool release digest',
      releases.length
        ? releases.map((r) => `<code>${e(r)}</code>`).join('<br>')
        : 'not known: the records were written by a source checkout, not a release',
    ],
    ['Transcript', `records #${first} to #${last} of ${p.all.length}; the hash chain of the whole transcript verified`],
    ['Exceptions and notes', `${h.exceptions} exception(s), ${h.notes} note(s)`],
  ];
  const people = h.attendees
    .map(
      (a) =>
        `<tr><td>${e(a.name)}</td><td>${e(partsOf(a.parts))}</td>` +
        `<td>${e(a.seen.map((s) => `#${s}`).join(' '))}</td></tr>`,
    )
    .join('');
  const steps: string[] = [];
  for (const r of p.records) steps.push(await stepArticle(r));
  const exceptions = p.records
    .map((r) => viewRecord(r))
    .filter((v) => v.outcome !== 'done' || v.note !== undefined)
    .map(
      (v) =>
        `<li><b>#${v.seq}</b> ${e(v.time)} ${e(v.title)}` +
        `${v.exception ? `: ${e(v.exception.message)}` : ''}${v.note !== undefined ? `: ${e(v.note)}` : ''}</li>`,
    );
  const signers = h.attendees.length
    ? h.attendees
    : [
        { name: '', parts: [] as string[] },
        { name: '', parts: [] },
        { name: '', parts: [] },
      ];
  const signRows = signers
    .map((a) => `<tr><td>${e(a.name)}</td><td>${e(partsOf(a.parts))}</td><td></td><td></td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ceremony record: ${e(h.repository ?? whole.repository ?? '')} ${e(date)}</title>
<style>${style(p.paper)}</style>
</head>
<body>
<h1>Ceremony record: ${e(h.repository ?? whole.repository ?? '')}</h1>
<table class="head"><tbody>${headRows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>

<h2>People in the room</h2>
${
  people
    ? `<table class="people"><thead><tr><th>name</th><th>part</th><th>named in records</th></tr></thead><tbody>${people}</tbody></table>`
    : '<p>The plan names nobody and no record names a person.</p>'
}
<p class="small">Add anyone else present by hand, with their part, and have them sign below.</p>

<h2>Steps</h2>
${steps.join('\n')}

<h2>Exceptions and notes</h2>
${exceptions.length ? `<ul>${exceptions.join('')}</ul>` : '<p>None recorded.</p>'}
<p>Written by hand: <span class="blank" style="min-width:150mm"></span></p>

<h2>The head of the transcript</h2>
<p>The SHA-256 of record #${last}: every later record chains to it. Read it aloud, compare with
<code>tuf-ceremony transcript verify</code> on the machine, and initial it.</p>
<div class="headbox">${await digestBlock(p.head, true)}</div>

<h2>Signatures</h2>
<p>By signing, each person says they were present and that this record is what they saw.</p>
<table class="sign"><thead><tr><th>name</th><th>part</th><th style="width:60mm">signature</th><th style="width:30mm">date</th></tr></thead><tbody>${signRows}
<tr><td></td><td></td><td></td><td></td></tr></tbody></table>

<p class="small">Made by tuf-ceremony ${e(p.toolVersion)} at ${e(p.made)} from transcript.jsonl (docs/formats/transcript.md).</p>
</body>
</html>
`;
}
