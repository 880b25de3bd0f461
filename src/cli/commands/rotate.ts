/** `tuf-ceremony rotate`: a signing event that changes the keys of root, targets or claimed. */
import { Repository } from '../../ceremony/repository.js';
import { createKeyChangeEvent, describeEventKeyChanges, ROTATE_KIND } from '../../ceremony/rotate-event.js';
import { readKeyArgument, readTokenKeyArgument } from '../../ceremony/rotate-keys.js';
import { loadProfile } from '../../keys/profile.js';
import { UsageError } from '../../tuf/errors.js';
import { parse, required } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import { atOption } from './expiry.js';
import { signingSteps } from './resign.js';
import type { Command } from './index.js';

const ROLES = ['root', 'targets', 'claimed'];

const usage = `tuf-ceremony rotate --repo <state folder> --role root|targets|claimed [--add [<holder>=]<public key file>]... [--add-token <holder>[:<key label>] --profile <token profile>]... [--remove <keyid>]... [--threshold N] --event <new folder> [--at <time>] [--json]

  root: root N+1, signed by a threshold of the old root keys AND of the new ones.
  targets: a root change (root N+1), and targets N+1 re-signed by the new targets keys.
  claimed: a targets change (targets N+1), and claimed N+1 re-signed by the new claimed keys.
  Key files are TUF public keys (tuf-ceremony key export); <holder>= names the holder when the file does not.
  --add-token reads the public key from the holder's token (default label: the profile's for the role).`;

export function parseThreshold(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${text}: expected a whole number`);
  return Number(text);
}

export const rotateCommand: Command = {
  name: ['rotate'],
  summary: 'prepare a key rotation event for root, targets or claimed (guard rails on thresholds and keys)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(
      argv,
      {
        repo: { type: 'string' },
        role: { type: 'string' },
        add: { type: 'string', multiple: true },
        'add-token': { type: 'string', multiple: true },
        profile: { type: 'string' },
        remove: { type: 'string', multiple: true },
        threshold: { type: 'string' },
        event: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const repo = Repository.open(required(values.repo, '--repo', usage));
    const role = required(values.role, '--role', usage);
    if (!ROLES.includes(role)) throw new UsageError(`--role ${role}: rotate changes the keys of ${ROLES.join(', ')} (online keys: tuf-ceremony recover)`);
    const eventDir = required(values.event, '--event', usage);
    const add = (values.add ?? []).map((spec) => readKeyArgument(spec, io.cwd));
    const fromTokens = values['add-token'] ?? [];
    if (fromTokens.length) {
      const profile = loadProfile(required(values.profile, '--profile (for --add-token)', usage));
      for (const spec of fromTokens) add.push(await readTokenKeyArgument(profile, spec, role));
    }
    const remove = values.remove ?? [];
    const threshold = parseThreshold(values.threshold, '--threshold');
    if (add.length === 0 && remove.length === 0 && threshold === undefined) throw new UsageError(`nothing to change: give --add, --remove or --threshold\nusage: ${usage}`);
    const result = createKeyChangeEvent(repo, eventDir, {
      kind: ROTATE_KIND,
      description: `Rotate ${role} keys: ${add.length} added, ${remove.length} removed${threshold !== undefined ? `, threshold ${threshold}` : ''}`,
      changes: [{ role, add, remove, threshold }],
      at: atOption(values.at),
    });
    if (values.json) {
      printJson(io, { event: { dir: result.event.dir, id: result.event.id, kind: result.event.kind }, details: result.event.details, roles: result.roles.map((r) => ({ role: r.role, version: r.metadata.signed.version, why: r.why })) });
      return 0;
    }
    const lines = [`Rotation event written to ${result.event.dir} (event id ${result.event.id})`, ''];
    lines.push(...describeEventKeyChanges(result.event));
    for (const w of result.warnings) lines.push(`warning: ${w}`);
    for (const r of result.event.roles()) for (const t of r.thresholds) lines.push(`${r.role} v${r.version} needs ${t.threshold} of ${t.label}`);
    lines.push('', ...signingSteps(eventDir, values.repo!));
    out(io, lines.join('\n'));
    return 0;
  },
};
