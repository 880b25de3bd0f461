/** `tuf-ceremony event sign`: an admin (or several in turn) signs a signing event on their token. */
import { signEvent } from '../../ceremony/event-sign.js';
import { Repository } from '../../ceremony/repository.js';
import { UsageError } from '../../tuf/errors.js';
import { parse, required } from '../args.js';
import { err, out, printJson, type CliIO } from '../io.js';
import { listOption, logTo, terminalCeremonyPrompter, tokenProvider } from './ceremony-io.js';
import { renderEventForPeople } from './event-show.js';
import { eventArgument, renderStatus } from './event-status.js';
import type { Command } from './index.js';

const usage = `tuf-ceremony event sign <event> --profile <token profile> (--holder <admin> | --holders <a,b,c>)
        [--confirm <payload sha256>]... [--repo <state folder>] [--no-qr] [--json]

  Shows the summary, then asks each admin to type the first 8 hex characters of each payload
  SHA-256 (or its words) before the PIN. Without a terminal, --confirm must give the full payload
  SHA-256 of every role to be signed (comma-separated or repeated), or nothing is signed (exit 5).
  --repo records each admin's signing in that repository's transcript.`;

export const eventSignCommand: Command = {
  name: ['event', 'sign'],
  summary: 'sign every role of a signing event that the admin\'s token key is authorized for',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { profile: { type: 'string' }, holder: { type: 'string' }, holders: { type: 'string' }, confirm: { type: 'string', multiple: true }, repo: { type: 'string' }, 'no-qr': { type: 'boolean' }, json: { type: 'boolean' } },
      usage,
    );
    const event = eventArgument(positionals, usage);
    const holders = listOption([values.holder, values.holders].filter((v): v is string => v !== undefined));
    if (holders.length === 0) throw new UsageError(`name the signer with --holder or --holders\nusage: ${usage}`);
    const provider = tokenProvider(required(values.profile, '--profile', usage), io);
    const repo = values.repo ? Repository.open(values.repo) : undefined;
    const confirm = values.confirm ? listOption(values.confirm) : undefined;
    // What is signed is shown before any confirmation or PIN (DESIGN.md part 3).
    err(io, await renderEventForPeople(event, { qr: !values['no-qr'] && io.interactive }));
    err(io, '');
    const result = await signEvent({ event, holders, provider, confirm, prompter: confirm ? undefined : terminalCeremonyPrompter(io), log: logTo(io), repo });
    if (values.json) printJson(io, { event: event.dir, id: event.id, signed: result.signed, status: result.status });
    else out(io, `${result.signed.map((s) => `signed ${s.role} v${s.version} as ${s.holder} (keyid ${s.keyid.slice(0, 16)}…, token ${s.serial})`).join('\n')}\n\n${renderStatus(result.status)}`);
    return 0;
  },
};
