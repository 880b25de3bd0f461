/** `tuf-ceremony verify`: check a metadata folder as a TUF client would, from a trusted root. */
import { auditFolder } from '../../bundle/index.js';
import { parseInstant } from '../../tuf/base/index.js';
import type { Run } from '../declaration.js';
import { out, printJson } from '../io.js';
import { outcome } from '../json-output.js';
import { trustedRootJson, trustedRootLines } from '../render-fingerprint.js';
import { renderReport, reportJson } from '../render-report.js';
import type { verify } from './declarations.js';

export const run: Run<typeof verify> = async ({ values, positionals }, io) => {
  const at = values.at ? parseInstant(values.at, '--at') : new Date();
  // With --json every absent delegated role is listed (the text gives their count).
  const report = auditFolder(positionals[0]!, values.root, at, { listAbsent: values.json === true });
  const code = report.ok ? 0 : 3;
  if (values.json) {
    const failed = report.roles.filter((r) => r.status !== 'ok').map((r) => r.file ?? r.role);
    const message = `verification from trusted root v${report.trustedRootVersion} failed${failed.length ? `: ${failed.join(', ')}` : ''}`;
    printJson(io, {
      ...reportJson(report),
      ...trustedRootJson(values.root, report.trustedRootVersion, report.trustedRootSha256),
      ...outcome(code, 'E_VERIFICATION', message),
    });
  } else
    out(
      io,
      [renderReport(report), ...trustedRootLines(report.trustedRootVersion, report.trustedRootSha256)].join('\n'),
    );
  return code;
};
