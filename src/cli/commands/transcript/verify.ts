/** `tuf-ceremony transcript verify` and `transcript show`: the hash-chained record of the ceremony. */
import { join } from 'node:path';
import { Repository } from '../../ceremony/repository.js';
import { inspectTranscript, renderTranscript, TRANSCRIPT_FILE } from '../../ceremony/transcript.js';
import { UsageError } from '../../tuf/errors.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const verifyUsage = 'tuf-ceremony transcript verify (--repo <state folder> | <transcript.jsonl>) [--json]';
const showUsage = 'tuf-ceremony transcript show (--repo <state folder> | <transcript.jsonl>) [--json]';

function transcriptPath(repo: string | undefined, positionals: string[], usage: string): string {
  if (repo !== undefined && positionals.length === 0) return join(Repository.open(repo).dir, TRANSCRIPT_FILE);
  if (repo === undefined && positionals.length === 1) return positionals[0]!;
  throw new UsageError(`give --repo or one transcript file\nusage: ${usage}`);
}

export const transcriptVerifyCommand: Command = {
  name: ['transcript', 'verify'],
  summary: 'check the transcript hash chain and say where it breaks',
  usage: verifyUsage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { repo: { type: 'string' }, json: { type: 'boolean' } }, verifyUsage);
    const path = transcriptPath(values.repo, positionals, verifyUsage);
    const { check } = inspectTranscript(path);
    if (values.json) printJson(io, { path, ...check });
    else out(io, check.ok ? `OK: ${path} holds ${check.records} record(s) in an unbroken chain; head ${check.head}` : `BROKEN at record ${check.brokenAt} of ${path}: ${check.reason} (${check.records} record(s) before it hold)`);
    return check.ok ? 0 : 3;
  },
};

export const transcriptShowCommand: Command = {
  name: ['transcript', 'show'],
  summary: 'print the transcript for people to read, print and initial',
  usage: showUsage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, { repo: { type: 'string' }, json: { type: 'boolean' } }, showUsage);
    const path = transcriptPath(values.repo, positionals, showUsage);
    const { check, records } = inspectTranscript(path);
    if (values.json) printJson(io, { path, check, records });
    else {
      out(io, renderTranscript(records, check.head ?? '(chain broken)'));
      if (!check.ok) out(io, `BROKEN at record ${check.brokenAt}: ${check.reason}`);
    }
    return check.ok ? 0 : 3;
  },
};
