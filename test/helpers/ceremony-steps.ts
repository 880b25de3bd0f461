/**
 * Ceremony steps as a script runs them, through the command line: `init` on the admins' tokens,
 * and an event signed by admins who confirm its digest with --confirm (as event show printed it),
 * then finalized. For tests whose subject comes after these steps.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { projectPathsFor, readPlanFile } from '../../src/ceremony/state/plan.js';
import type { Key } from '../../src/tuf/model/key.js';
import { Metadata, Targets } from '../../src/tuf/model/metadata.js';
import { DelegatedRole, Delegations } from '../../src/tuf/model/roles.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { addSeconds } from '../../src/tuf/base/time.js';
import { runCli } from './cli.js';

/** `init` with a plan and a token profile; the bootstrap event's folder. */
export async function initRepository(plan: string, profile: string, repo: string): Promise<string> {
  const r = await runCli(['init', '--plan', plan, '--profile', profile, '--repo', repo, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).event.dir as string;
}

/** Each holder signs the event (confirming its digest), then it is finalized into the repository. */
export async function signAndFinalize(
  repo: string,
  event: string,
  profile: string,
  holders: readonly string[] = ['admin-a', 'admin-b'],
): Promise<void> {
  const digest = SigningEvent.load(event).digest;
  for (const holder of holders) {
    const r = await runCli([
      'event',
      'sign',
      event,
      '--profile',
      profile,
      '--holder',
      holder,
      '--repo',
      repo,
      '--confirm',
      digest,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
  const f = await runCli(['event', 'finalize', event, '--repo', repo]);
  expect(f.code, f.stderr).toBe(0);
}

/**
 * The online service's part before a claim ceremony (PEP 480): its recently-claimed list names
 * each project registered at upload with its developers' keys, signed with the online key targets
 * delegates recently-claimed to, and travels to the offline machine in a bundle. Returns the
 * bundle's folder, for `bundle import <bundle> --repo`.
 */
export async function onlineBundle(o: {
  repo: string;
  dir: string;
  signer: Signer;
  projects: Array<{ name: string; keys: Key[] }>;
}): Promise<string> {
  const online = join(o.dir, 'online-side');
  const medium = join(o.dir, 'online-medium');
  mkdirSync(online, { recursive: true });
  mkdirSync(medium, { recursive: true });
  const metadata = join(o.repo, 'metadata');
  const targets = readdirSync(metadata)
    .filter((f) => f.endsWith('.targets.json'))
    .sort((x, y) => parseInt(x) - parseInt(y))
    .at(-1)!;
  for (const f of ['1.root.json', targets]) copyFileSync(join(metadata, f), join(online, f));
  const { plan } = readPlanFile(join(o.repo, 'plan.json'));
  const keys = new Map(o.projects.flatMap((p) => p.keys.map((k) => [k.keyid, k] as const)));
  const roles = o.projects.map(
    (p) =>
      new DelegatedRole(
        p.name,
        p.keys.map((k) => k.keyid),
        1,
        true,
        projectPathsFor(plan, p.name),
        undefined,
      ),
  );
  const md = new Metadata(
    new Targets({
      version: 1,
      expires: addSeconds(new Date(), 86_400),
      delegations: new Delegations(keys, roles, undefined),
    }),
  );
  await md.sign(o.signer, 'append');
  writeFileSync(join(online, '1.recently-claimed.json'), md.toBytes());
  const r = await runCli(['bundle', 'export-online', '--from', online, '--to', medium, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).bundle as string;
}
