/**
 * Ceremony steps as a script runs them, through the command line: `init` on the admins' tokens,
 * and an event signed by admins who confirm its digest with --confirm (as event show printed it),
 * then finalized. For tests whose subject comes after these steps.
 */
import { expect } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
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
