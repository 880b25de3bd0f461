/**
 * What the ceremony commands share: the token provider from a profile (PINs from the profile's
 * env/file for scripted runs, else a hidden prompt), the confirmation prompter on a terminal,
 * progress to stderr, and list flags given comma-separated or repeated.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CeremonyPrompter } from '../../ceremony/prompts.js';
import { TokenProvider } from '../../ceremony/token-provider.js';
import { pinSource } from '../../keys/pin.js';
import { loadProfile } from '../../keys/profile.js';
import { err, type CliIO } from '../io.js';

export function logTo(io: CliIO): (text: string) => void {
  return (text) => err(io, text);
}

/** "a,b" and repeated flags alike: ['a', 'b']. */
export function listOption(values: string | string[] | undefined): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function ask(io: CliIO, question: string, hidden: boolean): Promise<string> {
  // Hidden input: echo nothing of what is typed (a PIN is never shown).
  const output = hidden
    ? new Writable({ write: (_chunk, _enc, cb) => cb() })
    : io.stderr;
  if (hidden) io.stderr.write(`${question} `);
  const rl = createInterface({ input: io.stdin, output, terminal: io.interactive });
  return new Promise((resolve) => {
    rl.question(hidden ? '' : `${question} `, (answer) => {
      rl.close();
      if (hidden) io.stderr.write('\n');
      resolve(answer);
    });
  });
}

export function terminalCeremonyPrompter(io: CliIO): CeremonyPrompter | undefined {
  if (!io.interactive) return undefined;
  return {
    async confirmExact(question, acceptable) {
      const answer = (await ask(io, question, false)).trim().replace(/\s+/g, ' ');
      return acceptable.some((a) => a === answer || a.toLowerCase() === answer.toLowerCase());
    },
    async waitForEnter(message) {
      await ask(io, message, false);
    },
  };
}

export function tokenProvider(profilePath: string, io: CliIO): TokenProvider {
  const askPin = io.interactive ? (q: string) => ask(io, q, true) : undefined;
  return new TokenProvider(loadProfile(profilePath), pinSource(io.env, askPin));
}
