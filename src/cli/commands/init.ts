/** `tuf-ceremony init`: the bootstrap ceremony, from a reviewed plan to a signing event. */
import { initRepository } from '../../ceremony/bootstrap.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { logTo, terminalCeremonyPrompter, tokenProvider } from './ceremony-io.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony init --plan <plan.json> --profile <token profile> --repo <new state folder> [--event <new folder>] [--json]

  Checks the whole plan and its key files, generates (or imports) each admin's keys on their
  tokens, writes the repository state folder and a signing event holding root v1, targets v1 and
  an empty claimed v1 (default event folder: <repo>/events/bootstrap). Nothing is signed yet.`;

export const initCommand: Command = {
  name: ['init'],
  summary: 'bootstrap: generate admin keys on tokens and prepare root, targets and claimed v1 as a signing event',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { plan: { type: 'string' }, profile: { type: 'string' }, repo: { type: 'string' }, event: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const planPath = required(values.plan, '--plan', usage);
    const repoDir = required(values.repo, '--repo', usage);
    const provider = tokenProvider(required(values.profile, '--profile', usage), io);
    const r = await initRepository({ planPath, repoDir, eventDir: values.event, provider, prompter: terminalCeremonyPrompter(io), log: logTo(io) });
    const keys = [...r.adminKeys].map(([where, k]) => {
      const [holder = '', role = ''] = where.split('/');
      return { holder, role, keyid: k.keyid, keytype: k.keytype };
    });
    if (values.json) {
      printJson(io, { repo: r.repo.dir, event: { dir: r.event.dir, id: r.event.id }, planSha256: r.plan.sha256, keys, warnings: r.warnings, roles: r.event.roles().map((x) => ({ role: x.role, version: x.version, payloadSha256: x.payloadSha256 })) });
      return 0;
    }
    const lines = [`Repository state folder: ${r.repo.dir} (plan SHA-256 ${r.plan.sha256})`, 'Admin keys:'];
    for (const k of keys) lines.push(`  ${k.holder.padEnd(12)} ${k.role.padEnd(8)} ${k.keytype.padEnd(8)} ${k.keyid}`);
    for (const w of r.warnings) lines.push(`warning: ${w}`);
    lines.push(`Bootstrap signing event: ${r.event.dir}`);
    for (const x of r.event.roles()) lines.push(`  ${x.role} v${x.version}  payload SHA-256 ${x.payloadSha256}`);
    lines.push('', `Next: tuf-ceremony event show ${r.event.dir}`, `      tuf-ceremony event sign ${r.event.dir} --profile <profile> --holder <admin> --repo ${r.repo.dir}`, `      tuf-ceremony event finalize ${r.event.dir} --repo ${r.repo.dir}`);
    out(io, lines.join('\n'));
    return 0;
  },
};
