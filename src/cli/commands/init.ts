/** `tuf-ceremony init`: the bootstrap ceremony, from a reviewed plan to a signing event. */
import { initRepository } from '../../ceremony/lifecycle/index.js';
import { logTo, terminalCeremonyPrompter, tokenProvider } from '../ceremony-io.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { fingerprintLines } from '../../tuf/model/index.js';
import type { init } from './declarations.js';

export const run: Run<typeof init> = async ({ values }, io) => {
  const provider = tokenProvider(values.profile, io);
  const r = await initRepository({
    planPath: values.plan,
    repoDir: values.repo,
    eventDir: values.event,
    provider,
    prompter: terminalCeremonyPrompter(io),
    log: logTo(io),
  });
  const keys = [...r.adminKeys].map(([where, k]) => {
    const [holder = '', role = ''] = where.split('/');
    return { holder, role, keyid: k.keyid, keytype: k.keytype };
  });
  if (values.json) {
    printJson(io, {
      ok: true,
      repo: r.repo.dir,
      event: { dir: r.event.dir, id: r.event.id },
      plan_sha256: r.plan.sha256,
      keys,
      warnings: r.warnings,
      roles: r.event.roles().map((x) => ({ role: x.role, version: x.version, payload_sha256: x.payloadSha256 })),
    });
    return 0;
  }
  const lines = [
    `Repository state folder: ${r.repo.dir} (plan SHA-256 ${r.plan.sha256})`,
    'Admin keys (each admin notes their own keyids, to compare with what event show prints):',
  ];
  for (const k of keys)
    lines.push(`  ${k.holder} ${k.role} key (${k.keytype}), keyid:`, ...fingerprintLines(k.keyid, '    '));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(`Bootstrap signing event: ${r.event.dir}`);
  for (const x of r.event.roles()) lines.push(`  ${x.role} v${x.version}  payload SHA-256 ${x.payloadSha256}`);
  lines.push(
    '',
    `Next: tuf-ceremony event show ${r.event.dir} --repo ${r.repo.dir}`,
    `      tuf-ceremony event sign ${r.event.dir} --profile <profile> --holder <admin> --repo ${r.repo.dir}`,
    `      tuf-ceremony event finalize ${r.event.dir} --repo ${r.repo.dir}`,
  );
  out(io, lines.join('\n'));
  return 0;
};
