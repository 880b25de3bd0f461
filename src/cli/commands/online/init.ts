/** `tuf-ceremony online init`: the online side's state folder, trusting a root obtained out of band. */
import { readTrustedRoot } from '../../../bundle/index.js';
import { readPlanFile } from '../../../ceremony/state/index.js';
import { DEFAULT_EXPIRES, OnlineState, type OnlineSigned } from '../../../online/index.js';
import { parseDuration } from '../../../tuf/base/index.js';
import { Metadata, type Root, sha256Hex } from '../../../tuf/model/index.js';
import { printDigest } from '../../bundle-output.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import type { init } from './declarations.js';

export const run: Run<typeof init> = async ({ values }, io) => {
  const rootBytes = readTrustedRoot(values.root);
  const root = Metadata.fromBytes<Root>(rootBytes, values.root, 'root');
  const plan = values.plan === undefined ? undefined : readPlanFile(values.plan).plan;
  const expires: Record<OnlineSigned, number> = { ...DEFAULT_EXPIRES };
  const set = (role: OnlineSigned, flag: string, text: string | undefined) => {
    if (text !== undefined) expires[role] = parseDuration(text, flag);
  };
  set('timestamp', '--timestamp-expires', values['timestamp-expires']);
  set('snapshot', '--snapshot-expires', values['snapshot-expires']);
  set('recently-claimed', '--online-expires', values['online-expires']);
  set('unclaimed', '--online-expires', values['online-expires']);
  const state = OnlineState.create(values.state, rootBytes, root.signed.version, {
    expires,
    projectPaths: plan?.projectPaths ?? ['{project}/*'],
    unclaimedBits: plan?.unclaimedBins?.bitLength,
    recentlyClaimed: new Map(),
  });
  const digest = sha256Hex(rootBytes);
  if (values.json) {
    printJson(io, {
      ok: true,
      state: state.dir,
      trusted_root_version: root.signed.version,
      trusted_root_sha256: digest,
      repository: state.repoDir,
      expires_seconds: expires,
    });
    return 0;
  }
  out(io, `online state made in ${state.dir}, trusting root v${root.signed.version} (${values.root})`);
  await printDigest(io, 'trusted root', digest, false);
  out(
    io,
    `Compare it with the root SHA-256 the ceremony published. Next: tuf-ceremony online import <bundle> --state ${values.state}`,
  );
  return 0;
};
