/** `tuf-ceremony online publish`: the online roles signed with the online keys, the repository written, timestamp last. */
import { OnlineState, publish, UNCLAIMED_BIN_PREFIX } from '../../../online/index.js';

import { someOf, UsageError } from '../../../tuf/base/index.js';
import type { Signer } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { isTokenKey, openKeySigners } from '../../key-signers.js';
import { atOption } from '../../options.js';
import type { publish as declaration } from './declarations.js';

const isBin = (role: string): boolean => role.startsWith(`${UNCLAIMED_BIN_PREFIX}-`);

export const run: Run<typeof declaration> = async ({ values }, io) => {
  const state = OnlineState.open(values.state);
  const at = atOption(values.at);
  const token = values.key.find(isTokenKey);
  if (token) throw new UsageError(`--key ${token}: online publish signs with encrypted key files only`);
  const opened = await openKeySigners(values.key, { passphraseFiles: values['passphrase-file'] }, io);
  const signers = new Map<string, Signer>(opened.signers.map((s) => [s.key.keyid, s]));
  let res: Awaited<ReturnType<typeof publish>>;
  try {
    res = await publish(state, { at, signers });
  } finally {
    await opened.close();
  }
  if (values.json) {
    printJson(io, {
      ok: true,
      repository: state.repoDir,
      root_version: res.rootVersion,
      roles: res.roles.map((r) => ({ role: r.role, version: r.version, expires: r.expires, signed: r.signed })),
      written: res.written,
      left_recently_claimed: res.pruned,
    });
    return 0;
  }
  // Hash bins are told as one line each way: 256 lines of bins would hide the rest.
  const bins = (signed: boolean) => res.roles.filter((r) => r.signed === signed && isBin(r.role));
  const signed = res.roles.filter((r) => r.signed && !isBin(r.role));
  const kept = res.roles.filter((r) => !r.signed && !isBin(r.role));
  const binLine = (list: typeof res.roles, verb: string) =>
    list.length ? [`  ${verb} ${list.length} bin(s) ${list[0]!.role} … ${list.at(-1)!.role}`] : [];
  out(
    io,
    [
      `published ${state.repoDir} (root v${res.rootVersion}): ${res.written.length} file(s) added, timestamp last`,
      ...signed.map((r) => `  signed ${r.role} v${r.version}, expires ${r.expires}`),
      ...binLine(bins(true), 'signed'),
      ...(kept.length ? [`  still current: ${kept.map((r) => `${r.role} v${r.version}`).join(', ')}`] : []),
      ...binLine(bins(false), 'still current:'),
      // One line whatever the count: the first names, then how many more (--json lists them).
      ...(res.pruned.length
        ? [`  claimed now, so no longer in recently-claimed (${res.pruned.length}): ${someOf(res.pruned)}`]
        : []),
      `Serve ${state.repoDir}/metadata and ${state.repoDir}/targets (consistent snapshots).`,
    ].join('\n'),
  );
  return 0;
};
