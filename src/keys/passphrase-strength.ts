/**
 * How hard a new key file's passphrase is to guess. A stolen key file can be attacked offline
 * for as long as the thief likes; scrypt makes each guess cost about half a second, but a
 * passphrase from the lists attackers try first (`12345678`, `password1`, a keyboard walk) falls
 * in minutes anyway. zxcvbn (docs/dependencies.md) estimates the guesses such an attacker needs.
 */
import { createRequire } from 'node:module';

/** At least 8 characters, whatever the estimate says (a floor a person can remember). */
export const MIN_PASSPHRASE = 8;
/**
 * zxcvbn's score 3 or more: "safely unguessable", about 10^8 guesses or more, which scrypt at
 * half a second a guess puts out of reach for years on one machine.
 */
export const MIN_SCORE = 3;

interface Estimator {
  check(p: string): { score: number; feedback: { warning: string | null; suggestions: string[] } };
}
let estimator: Estimator | undefined;

/** Loaded on first use only: its dictionaries take 0.2 s to load, and only new key files need them. */
function loadEstimator(): Estimator {
  if (estimator) return estimator;
  const require = createRequire(import.meta.url);
  type Dictionaries = { dictionary: Record<string, unknown>; adjacencyGraphs?: unknown; translations?: unknown };
  const core = require('@zxcvbn-ts/core') as {
    ZxcvbnFactory: new (options: Record<string, unknown>) => Estimator;
  };
  const common = require('@zxcvbn-ts/language-common') as Dictionaries;
  const en = require('@zxcvbn-ts/language-en') as Dictionaries;
  estimator = new core.ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

/** Why a new key file's passphrase is refused, or undefined: the one rule, at the prompt and in files. */
export function passphraseProblem(passphrase: string): string | undefined {
  if ([...passphrase].length < MIN_PASSPHRASE) return `a key file passphrase has at least ${MIN_PASSPHRASE} characters`;
  const res = loadEstimator().check(passphrase);
  if (res.score >= MIN_SCORE) return undefined;
  const why = res.feedback.warning ? ` (${res.feedback.warning.replace(/\.$/, '')})` : '';
  const hint = res.feedback.suggestions[0] ?? 'Use several uncommon words.';
  return `this passphrase is easy to guess${why}: ${hint.replace(/\.$/, '').toLowerCase()}, or a few more uncommon words`;
}
