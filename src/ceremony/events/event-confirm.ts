/**
 * The confirmation before any PIN (docs/formats/event.md, "The confirmation before the PIN";
 * docs/threat-model.md, "The confirmation"): an admin confirms the event digest, which covers every
 * role's payload, once per event. At a terminal the digest is shown right above the question and
 * the admin types the words at 6 positions drawn at random at that moment, so that a digest
 * matching the honest one in any part fixed in advance is not accepted. Scripts pass the full digest.
 */
import { randomInt } from 'node:crypto';
import { RefusedError } from '../../tuf/base/index.js';
import { fingerprintLines, fingerprintWords, groupedHex } from '../../tuf/model/index.js';
import type { EventRole, SigningEvent } from './event.js';
import type { CeremonyPrompter } from '../signers/prompts.js';

/**
 * How many words a person types, at positions drawn when the question is asked: 6 of 32, so that
 * a digest ground to agree with the honest one in 8 bytes (2^64 work) passes one admin's question
 * with probability C(8,6)/C(32,6), about 1 in 32,000 (docs/threat-model.md section 7).
 */
export const WORDS_ASKED = 6;

const FULL_SHA256 = /^[0-9a-f]{64}$/;

/** `count` distinct word positions (0-based) out of `of`, ascending, from a CSPRNG. */
export function randomPositions(count = WORDS_ASKED, of = 32): number[] {
  const left = Array.from({ length: of }, (_, i) => i);
  const picked: number[] = [];
  while (picked.length < count) picked.push(left.splice(randomInt(left.length), 1)[0]!);
  return picked.sort((a, b) => a - b);
}

/**
 * Scripted runs: `--confirm` must give the event digest. The form older scripts pass, the full
 * payload SHA-256 of every role to be signed, is still taken: each binds its whole payload.
 * Anything shorter than a full SHA-256, or not of this event, signs nothing.
 */
export function checkGivenConfirmation(
  confirm: readonly string[],
  rolesToSign: readonly EventRole[],
  event: SigningEvent,
): 'event digest' | 'payload digests' {
  const given = new Set(confirm.map((c) => c.trim().toLowerCase()).filter(Boolean));
  const payloads = new Set(event.roles().map((r) => r.payloadSha256));
  const newForm = `--confirm ${event.digest} (the event digest that event show prints) after checking it`;
  for (const g of given) {
    if (!FULL_SHA256.test(g))
      throw new RefusedError(
        `--confirm ${g} is not a full SHA-256 (64 hex characters); pass ${newForm}; nothing was signed`,
        'E_CONFIRMATION',
      );
    if (g !== event.digest && !payloads.has(g))
      throw new RefusedError(
        `--confirm ${g} is neither the event digest nor the payload SHA-256 of any role in this event; nothing was signed`,
        'E_CONFIRMATION',
      );
  }
  if (given.has(event.digest)) return 'event digest';
  for (const r of rolesToSign) {
    if (!given.has(r.payloadSha256))
      throw new RefusedError(
        `${r.role} v${r.version} was not confirmed: pass ${newForm}; nothing was signed`,
        'E_CONFIRMATION',
      );
  }
  return 'payload digests';
}

/** Answers a person may type before the confirmation counts as refused. */
export const CONFIRM_TRIES = 3;

/**
 * At a terminal: the digest again, right above the question (it may have scrolled away, and each
 * admin reads it for themselves), then the words at positions drawn now. The full 64 hex
 * characters are taken too. A mistyped answer is asked again, up to CONFIRM_TRIES, for the same
 * positions: new ones would give a digest ground to match in part a new chance at each try.
 * Returns what was asked, for the transcript.
 */
export async function confirmInteractively(
  prompter: CeremonyPrompter,
  holder: string,
  event: SigningEvent,
  log: (text: string) => void,
  pick: () => number[] = randomPositions,
): Promise<string> {
  const positions = pick();
  const words = fingerprintWords(event.digest);
  const asked = positions.map((p) => p + 1);
  const list = asked.length === 1 ? `${asked[0]}` : `${asked.slice(0, -1).join(', ')} and ${asked[asked.length - 1]}`;
  const acceptable = [positions.map((p) => words[p]!).join(' '), event.digest, groupedHex(event.digest)];
  for (let tried = 0; tried < CONFIRM_TRIES; tried++) {
    const n = event.roles().length;
    log(`${holder}: the event digest (every role's payload SHA-256, ${n} role${n === 1 ? '' : 's'}):`);
    for (const line of fingerprintLines(event.digest)) log(line);
    const left = CONFIRM_TRIES - tried;
    const again = tried === 0 ? '' : `That was not it (${left} ${left === 1 ? 'try' : 'tries'} left). `;
    const question = `${again}${holder}: compare the digest above with the one read aloud, then type its words number ${list} (or all 64 hex characters)`;
    if (await prompter.confirmExact(question, acceptable)) return `typed words ${list} of the event digest`;
  }
  throw new RefusedError(
    `${holder} did not confirm the event digest ${event.digest} (${CONFIRM_TRIES} answers did not match); nothing was signed by ${holder}`,
    'E_CONFIRMATION',
  );
}
