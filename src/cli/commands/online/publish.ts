/** `tuf-ceremony online publish`: the online roles signed with the online keys, the repository written, timestamp last. */
import { openEncryptedKeyFile } from '../../../keys/index.js';
import { OnlineState, publish } from '../../../online/index.js';
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
  const signed = res.roles.filter((r) => r.signed);
  const kept = res.roles.filter((r) => !r.signed);
  out(
    io,
    [
      `published ${state.repoDir} (root v${res.rootVersion}): ${res.written.length} file(s) added, timestamp last`,
      ...signed.map((r) => `  signed ${r.role} v${r.version}, expires ${r.expires}`),
      ...(kept.length ? [`  still current: ${kept.map((r) => `${r.role} v${r.version}`).join(', ')}`] : []),
      ...(res.pruned.length ? [`  claimed now, so no longer in recently-claimed: ${res.pruned.join(', ')}`] : []),
      `Serve ${state.repoDir}/metadata and ${state.repoDir}/targets (consistent snapshots).`,
    ].join('\n'),
  );
  return 0;
};
