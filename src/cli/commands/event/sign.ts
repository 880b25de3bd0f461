/** `tuf-ceremony event sign`: an admin (or several in turn) signs a signing event on their token. */
import { readFileSync } from 'node:fs';
import { signEvent } from '../../../ceremony/events/event-sign.js';
import { SigningEvent } from '../../../ceremony/events/event.js';
import { Repository } from '../../../ceremony/state/repository.js';
import { checkEventTrust, untrustedRefusal } from '../../../ceremony/events/event-trust.js';
import { planFromBytes, signOnlyRoles } from '../../../ceremony/state/plan.js';
import { RefusedError, UsageError } from '../../../tuf/model/errors.js';
import { logTo, terminalCeremonyPrompter, tokenProvider } from '../../ceremony-io.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { listOption } from '../../options.js';
import { renderEventForPeople, renderStatus, statusJson } from '../../render-event.js';
import type { sign } from './declarations.js';

function readPlanFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read plan ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'E_PLAN',
      { cause: e },
    );
  }
}

export const run: Run<typeof sign> = async ({ values, positionals }, io) => {
  const event = SigningEvent.load(positionals[0]!);
  const holders = listOption([values.holder, values.holders].filter((v): v is string => v !== undefined));
  if (holders.length === 0) throw new UsageError('name the signer with --holder or --holders');
  const provider = tokenProvider(values.profile, io);
  if (values.repo && values.root) throw new UsageError('give --repo or --root, not both');
  const repo = values.repo ? Repository.open(values.repo) : undefined;
  // What changes is computed from base/, so base/ is verified from the signer's own trust first.
  const trust = repo ? { repo } : values.root ? { rootFile: values.root } : undefined;
  if (!trust) throw untrustedRefusal('nothing was signed');
  const check = checkEventTrust(event, trust);
  if (check.problems.length > 0) {
    throw new RefusedError(
      `nothing was signed: the event's base is not verified from ${check.basis}: ${check.problems.join('; ')}`,
      'E_UNTRUSTED_EVENT',
    );
  }
  const confirm = values.confirm ? listOption(values.confirm) : undefined;
  // What is signed is shown before any confirmation or PIN, on stderr so that stdout keeps one document.
  err(io, await renderEventForPeople(event, { qr: !values['no-qr'] && io.interactive }));
  err(io, `Verified from ${check.basis}: the event builds on its current metadata.\n`);
  // The plan's sign-only requirements: those of the repository copy's plan and of --plan, together
  // (a second plan can add a requirement, never drop one).
  const plans = [repo?.plan(), values.plan ? planFromBytes(readPlanFile(values.plan), values.plan) : undefined];
  const signOnly = [...new Set(plans.flatMap((p) => (p ? signOnlyRoles(p) : [])))];
  const result = await signEvent({
    event,
    holders,
    provider,
    confirm,
    prompter: confirm ? undefined : terminalCeremonyPrompter(io),
    log: logTo(io),
    repo,
    signOnly,
  });
  if (values.json) {
    printJson(io, {
      ok: true,
      event: event.dir,
      id: event.id,
      signed: result.signed.map((s) => ({
        role: s.role,
        version: s.version,
        holder: s.holder,
        keyid: s.keyid,
        serial: s.serial,
      })),
      status: statusJson(result.status),
    });
  } else {
    out(
      io,
      `${result.signed.map((s) => `signed ${s.role} v${s.version} as ${s.holder} (keyid ${s.keyid.slice(0, 16)}…, token ${s.serial})`).join('\n')}\n\n${renderStatus(result.status)}`,
    );
  }
  return 0;
};
