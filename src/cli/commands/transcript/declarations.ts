/** Declarations of the transcript commands (docs/formats/transcript.md). */
import { declare } from '../../declaration.js';
import { AT, JSON_OUTPUT, REPO } from '../../options.js';

const TRANSCRIPT_OPTIONS = {
  repo: { ...REPO, help: 'the repository whose transcript to read (or give the file)' },
  json: JSON_OUTPUT,
} as const;
const TRANSCRIPT_FILE = { name: 'transcript.jsonl', count: 'optional' } as const;

export const verify = declare({
  name: ['transcript', 'verify'],
  summary: 'check the transcript hash chain and say where it breaks',
  options: TRANSCRIPT_OPTIONS,
  positionals: [TRANSCRIPT_FILE],
  details: '  Give --repo or one transcript file. Exit 0 when the chain holds, 3 where it breaks.',
});

export const show = declare({
  name: ['transcript', 'show'],
  summary: 'print the transcript for people to read, print and initial',
  options: TRANSCRIPT_OPTIONS,
  positionals: [TRANSCRIPT_FILE],
  details: '  Give --repo or one transcript file. Exit 3 when the chain does not hold.',
});

export const note = declare({
  name: ['transcript', 'note'],
  summary: "add the scribe's note to the transcript, chained like every record",
  options: {
    repo: { ...REPO, required: true },
    by: { type: 'string', value: '<name>', help: 'who writes the note (the scribe, a witness)' },
    at: { ...AT, help: 'the time the note is about (default: now), e.g. 2026-05-01T10:40:00Z' },
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'text', count: 'one' }],
  details: `  What happened that no command records: a token that would not start, a break, a person who
  left the room, a difference read aloud and resolved. Printed in transcript show and the record.`,
});

export const record = declare({
  name: ['transcript', 'record'],
  summary: 'write the printable ceremony record (HTML, and PDF with headless Chromium) for people to sign',
  options: {
    repo: { ...REPO, required: true },
    out: {
      type: 'string',
      value: '<new file.html>',
      help: 'the HTML file to write (never overwritten)',
      required: true,
    },
    pdf: {
      type: 'string',
      value: '<new file.pdf>',
      help: 'also print it to this PDF with headless Chromium (Debian package chromium), no network',
    },
    from: { type: 'string', value: 'N', help: 'the first record of this ceremony (default: 1)' },
    'last-run': {
      type: 'boolean',
      help: 'from the start of the latest guided run (ceremony run) instead of --from',
    },
    to: { type: 'string', value: 'N', help: 'the last record of this ceremony (default: the last one)' },
    place: { type: 'string', value: '<text>', help: 'where the ceremony took place (else a line to fill in)' },
    plan: {
      type: 'string',
      value: '<plan.json>',
      help: "the reviewed plan naming the people of this ceremony (default: the repository's plan)",
    },
    paper: { type: 'string', value: 'a4|letter', help: 'the paper size to print on (default: a4)' },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  A self-contained page (no network, no external file): the header, the people with their
  parts, every step with its time, who confirmed and signed with which key and token, what it
  changed, its inputs and outputs (hex, words, QR code), the exceptions and notes, the head, and
  a signature block for every person. Without --pdf, print it from any browser (docs/runbook.md).`,
});
