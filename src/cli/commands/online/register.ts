/** `tuf-ceremony online register`: a new project's keys in recently-claimed (PEP 480). */
import { readKeyArgument } from '../../../ceremony/lifecycle/index.js';
import { OnlineState, registerProject } from '../../../online/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { atOption, parseThreshold } from '../../options.js';
import type { register } from './declarations.js';

export const run: Run<typeof register> = async ({ values }, io) => {
  const keys = values.key.map((k) => readKeyArgument(k, io.cwd, '--key'));
  const state = OnlineState.open(values.state);
  const r = registerProject(state, {
    project: values.project,
    keys,
    threshold: parseThreshold(values.threshold, '--threshold') ?? 1,
    at: atOption(values.at),
  });
  if (values.json) {
    printJson(io, { ok: true, project: r.project, added: r.added, keyids: keys.map((k) => k.keyid) });
    return 0;
  }
  out(
    io,
    r.added
      ? `${r.project} registered to ${keys.length} key(s): recently-claimed delegates it from the next online publish`
      : `${r.project} was registered already with these keys; nothing changed`,
  );
  return 0;
};
