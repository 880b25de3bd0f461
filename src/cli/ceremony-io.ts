/**
 * What the ceremony commands share: the token provider from a profile (PINs from the profile's
 * env/file for scripted runs, else a hidden prompt), the confirmation prompter on a terminal and
 * progress to stderr.
 */
import { type CeremonyPrompter, TokenProvider } from '../ceremony/signers/index.js';
import { escapeLines } from '../tuf/base/index.js';
import { loadProfile } from '../keys/index.js';
import { err, type CliIO } from './io.js';
import { cliPinSource, terminalPrompter } from './prompter.js';

export function logTo(io: CliIO): (text: string) => void {
  // Progress names keys and roles from metadata: control characters escaped (src/tuf/base/display-text.ts).
  return (text) => err(io, escapeLines(text.split('\n')));
}

/**
 * Confirmation of a digest: the answer is not shown in the question (the admin reads it from the
 * summary and, at a ceremony, compares it with what the others read aloud).
 */
export function terminalCeremonyPrompter(io: CliIO): CeremonyPrompter | undefined {
  if (!io.interactive) return undefined;
  const terminal = terminalPrompter(io);
  return {
    async confirmExact(question, acceptable) {
      const answer = (await terminal.ask(question)).trim().replace(/\s+/g, ' ');
      return acceptable.some((a) => a === answer || a.toLowerCase() === answer.toLowerCase());
    },
    waitUntil: (message, ready, timeoutMs) => terminal.waitUntil(message, ready, timeoutMs),
  };
}

export function tokenProvider(profilePath: string, io: CliIO): TokenProvider {
  return new TokenProvider(loadProfile(profilePath), cliPinSource(io));
}
