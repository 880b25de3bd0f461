/** `tuf-ceremony online publish`: the online roles signed with the online keys, the repository written, timestamp last. */
import { openEncryptedKeyFile } from '../../../keys/index.js';
import { OnlineState, publish, UNCLAIMED_BIN_PREFIX } from '../../../online/index.js';

const isBin = (role: string): boolean => role.startsWith(`${UNCLAIMED_BIN_PREFIX}-`);
import { UsageError } from '../../../tuf/base/index.js';
import type { Signer } from '../../../tuf/model/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption } from '../../options.js';
import { passphrase } from '../../prompter.js';
import type { publish as declaration } from './declarations.js';

export const run: Run<typeof declaration> = async ({ values }, io) => {
  const state = OnlineState.open(values.state);
  const at = atOption(values.at);
  const passFiles = [...(values['passphrase-file'] ?? [])];
  if (passFiles.length > values.key.length)
    throw new UsageError(`${passFiles.length - values.key.length} --passphrase-file more than --key files`);
  const signers = new Map<string, Signer>();
  for (const file of values.key) {
    const pass = await passphrase(io, passFiles.shift(), `Passphrase for online key file ${file}:`, false);
    const signer = openEncryptedKeyFile(file, pass);
    signers.set(signer.key.keyid, signer);
  }
  const res = await publish(state, { at, signers });
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
      ...(res.pruned.length ? [`  claimed now, so no longer in recently-claimed: ${res.pruned.join(', ')}`] : []),
      `Serve ${state.repoDir}/metadata and ${state.repoDir}/targets (consistent snapshots).`,
    ].join('\n'),
  );
  return 0;
};
