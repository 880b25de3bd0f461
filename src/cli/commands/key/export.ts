/** `tuf-ceremony key export`: the TUF public key of a token key, to a new file. */
import { writeFileSync } from 'node:fs';
import { keyLabel, loadProfile, readTokenPublicKey } from '../../../keys/index.js';
import { RefusedError, UsageError } from '../../../tuf/base/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { renderKey, tokenKeyJson } from '../../render-key.js';
import type { exportKey } from './declarations.js';

export const run: Run<typeof exportKey> = async ({ values }, io) => {
  const profile = loadProfile(values.profile);
  const { holder, out: outPath } = values;
  if ((values.purpose === undefined) === (values.label === undefined))
    throw new UsageError('give exactly one of --purpose and --label');
  const label = values.label ?? keyLabel(profile, holder, values.purpose!);
  const info = await readTokenPublicKey(profile, holder, label);
  try {
    writeFileSync(outPath, `${JSON.stringify(info.key.toJSON(), null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RefusedError(`${outPath} already exists; an export never overwrites a file`, 'E_EXISTS');
    throw new UsageError(`cannot write ${outPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (values.json) printJson(io, { ok: true, ...tokenKeyJson(info, holder), file: outPath });
  else out(io, await renderKey(`exported the public key to ${outPath}`, info, holder, io));
  return 0;
};
