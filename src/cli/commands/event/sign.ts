/** `tuf-ceremony event sign`: an admin (or several in turn) signs a signing event on their token. */
import { readFileSync } from 'node:fs';
import {
  checkEventTrust,
  holdersStillToSign,
  signEvent,
  SigningEvent,
  type SignResult,
  untrustedRefusal,
} from '../../../ceremony/events/index.js';
import { planFromBytes, Repository, signOnlyRoles } from '../../../ceremony/state/index.js';
import { escapeControls, InterruptedError, RefusedError, UsageError } from '../../../tuf/base/index.js';
import { exitCodeOfError } from '../../exit-codes.js';
import { errorJson } from '../../json-output.js';
import { logTo, terminalCeremonyPrompter, tokenProvider } from '../../ceremony-io.js';
import type { Run } from '../../declaration.js';
import { err, out, printJson } from '../../io.js';
import { listOption, shellLine } from '../../options.js';
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
  // On a terminal it fits the screen, and the event digest is printed right above each question.
  err(io, `Verified from ${check.basis}: the event builds on its current metadata.\n`);
  err(
    io,
    await renderEventForPeople(event, {
      qr: values.qr === true,
      screen: io.interactive,
      eventDigest: !io.interactive || confirm !== undefined,
    }),
  );
  // The plan's sign-only requirements: those of the repository copy's plan and of --plan, together
  // (a second plan can add a requirement, never drop one).
  const plans = [repo?.plan(), values.plan ? planFromBytes(readPlanFile(values.plan), values.plan) : undefined];
  const signOnly = [...new Set(plans.flatMap((p) => (p ? signOnlyRoles(p) : [])))];
  // The command that signs for those still missing, as a person would type it next.
  const goOn = (): string => {
    const left = holdersStillToSign(event, holders);
    return shellLine([
      'tuf-ceremony',
      'event',
      'sign',
      event.dir,
      '--profile',
      values.profile,
      left.length === 1 ? '--holder' : '--holders',
      left.join(','),
      ...(values.repo ? ['--repo', values.repo] : ['--root', values.root!]),
      ...(values.plan ? ['--plan', values.plan] : []),
      ...(confirm ? ['--confirm', event.digest] : []),
    ]);
  };
  let result: SignResult;
  try {
    result = await signEvent({
      event,
      holders,
      provider,
      confirm,
      prompter: terminalCeremonyPrompter(io),
      log: logTo(io),
      repo,
      signOnly,
      goOn: holders.length > 1,
    });
  } catch (e) {
    if (e instanceof InterruptedError && holdersStillToSign(event, holders).length > 0)
      throw new InterruptedError(`${e.message}; to go on: ${goOn()}`, { cause: e });
    throw e;
  }
  const failure = result.failed[0]?.error;
  const code = failure ? exitCodeOfError(failure) : 0;
  if (values.json) {
    printJson(io, {
      ...(failure ? errorJson(failure) : { ok: true }),
      event: event.dir,
      id: event.id,
      signed: result.signed.map((s) => ({
        role: s.role,
        version: s.version,
        holder: s.holder,
        keyid: s.keyid,
        serial: s.serial,
      })),
      skipped: result.skipped,
      not_signed: result.failed.map((f) => ({ holder: f.holder, ...errorJson(f.error).error })),
      status: statusJson(result.status),
      next: failure ? goOn() : null,
    });
    return code;
  }
  const lines = signedLines(result.signed);
  for (const h of result.skipped) lines.push(`${h} had signed before; skipped`);
  lines.push('', renderStatus(result.status));
  if (failure) {
    const signedHere = [...new Set(result.signed.map((s) => s.holder))];
    lines.push(
      '',
      `Signed in this run: ${signedHere.join(', ') || 'nobody'}.`,
      ...result.failed.map((f) => `NOT signed by ${f.holder}: ${escapeControls(f.error.message)}`),
      `To go on, with the holders still missing: ${goOn()}`,
    );
  }
  out(io, lines.join('\n'));
  return code;
};

/** Roles named per signer, up to ROLES_NAMED each: a 2^14 claim signs 7,000 bins (--json lists them all). */
const ROLES_NAMED = 20;

export function signedLines(
  signed: readonly { role: string; version: number; holder: string; keyid: string; serial: string }[],
) {
  const bySigner = new Map<string, string[]>();
  for (const s of signed) {
    const who = `${s.holder} (keyid ${s.keyid}, token ${s.serial})`;
    const roles = bySigner.get(who) ?? [];
    roles.push(`${s.role} v${s.version}`);
    bySigner.set(who, roles);
  }
  const lines: string[] = [];
  for (const [who, roles] of bySigner) {
    if (roles.length === 1) lines.push(`signed ${roles[0]} as ${who}`);
    else {
      const named = roles.slice(0, ROLES_NAMED).join(', ');
      const rest = roles.length > ROLES_NAMED ? `, and ${roles.length - ROLES_NAMED} more (--json lists them all)` : '';
      lines.push(`signed ${roles.length} roles as ${who}: ${named}${rest}`);
    }
  }
  return lines;
}
