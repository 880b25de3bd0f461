/** `tuf-ceremony claim`: take in developer delegation requests and propose the next claimed version. */
import { claimFromRequests } from '../../ceremony/intake-claim.js';
import { intakeReportJson, renderIntakeReport } from '../../ceremony/intake-report.js';
import { Repository } from '../../ceremony/repository.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony claim --repo <state folder> --requests <folder> --event <new folder> [--recently-claimed <file>] [--allow-rekey] [--at <time>] [--json]

  Reads every file of the requests folder, checks each request (name, keys, threshold, proofs of
  possession, created/expires). It verifies the online service's recently-claimed metadata
  (--recently-claimed, or else the newest one a bundle brought into <repo>/online/, if any) with
  the key targets delegates it to, and requires each new project to be registered there with the
  same keys. Decides per project: add, re-key (only with
  --allow-rekey), unchanged, or rejected with a reason. Prints the report and writes a signing
  event with claimed N+1 (and, for a sharded claimed role, each changed bin).
  Then: tuf-ceremony event show / event sign / event finalize on the event.`;

/** Batches at least this large get a progress bar on a terminal. */
export const PROGRESS_MIN_FILES = 100;

/** A progress bar on stderr, redrawn at most ten times a second; none when nobody watches. */
export function progressBar(io: CliIO, what: string): ((done: number, total: number) => void) | undefined {
  if (!io.interactive) return undefined;
  let last = 0;
  return (done, total) => {
    if (total < PROGRESS_MIN_FILES) return;
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((width * done) / total);
    io.stderr.write(`\r${what} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

export const claimCommand: Command = {
  name: ['claim'],
  summary: 'take in developer key-delegation requests and propose claimed N+1 as a signing event (PEP 480)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      { repo: { type: 'string' }, requests: { type: 'string' }, event: { type: 'string' }, 'recently-claimed': { type: 'string' }, 'allow-rekey': { type: 'boolean' }, at: { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const eventDir = required(values.event, '--event', usage);
    const result = claimFromRequests(repo, {
      requestsDir: required(values.requests, '--requests', usage),
      recentlyClaimedPath: values['recently-claimed'],
      allowRekey: values['allow-rekey'] === true,
      at: atOption(values.at),
      eventDir,
      onProgress: progressBar(io, 'reading requests'),
    });
    if (values.json) {
      printJson(io, intakeReportJson(result.intake, { requests_sha256: result.requestsSha256, event: result.event ? { dir: result.event.dir, id: result.event.id } : null }));
      return 0;
    }
    const lines = [renderIntakeReport(result.intake), ''];
    if (result.event) {
      lines.push(`Signing event written to ${result.event.dir} (event id ${result.event.id}).`);
      lines.push(`Next: tuf-ceremony event show ${eventDir}; each claimed key holder runs tuf-ceremony event sign ${eventDir}; then tuf-ceremony event finalize ${eventDir} --repo ${values.repo}`);
    } else lines.push('No signing event written.');
    out(io, lines.join('\n'));
    return 0;
  },
};
