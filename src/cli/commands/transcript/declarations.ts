/** Declarations of the transcript commands (docs/formats/transcript.md). */
import { declare } from '../../declaration.js';
import { JSON_OUTPUT, REPO } from '../../options.js';

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
