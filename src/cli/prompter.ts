/**
 * The CLI's prompts (inquirer), used by every command that talks to a person. Prompts go to
 * stderr so that `--json` output on stdout stays one document. Secrets are never echoed.
 */
import { Writable } from 'node:stream';
import { passphraseProblem } from '../keys/passphrase-strength.js';
import { pinSource, readSecretFile, type PinSource } from '../keys/pin.js';
import { UsageError } from '../tuf/model/errors.js';
import type { CliIO } from './io.js';

export interface Prompter {
  /** A line of visible input. */
  ask(question: string): Promise<string>;
  /** Hidden input (a PIN, a passphrase). */
  askSecret(question: string): Promise<string>;
  /** The person must type `expected` exactly (IANA ceremonies ask for an exact "yes"). */
  confirmExact(question: string, expected: string): Promise<boolean>;
  /** "Insert the token of admin B, then press Enter." */
  waitForEnter(message: string): Promise<void>;
}

/** Prompts on the terminal; UsageError when nobody is at one (use the profile's PIN env/file). */
export function terminalPrompter(io: CliIO): Prompter {
  if (!io.interactive) {
    throw new UsageError(
      'this step needs a person at a terminal; for scripted runs give PINs through the profile (pin.env or pin.file) and confirmations through flags',
    );
  }
  const ask = async (type: 'input' | 'password', message: string): Promise<string> => {
    // inquirer ends its output stream when a prompt is done; a fresh pass-through per prompt keeps
    // stderr open for the next prompt and for the command's own messages.
    const output = new Writable({ write: (chunk, encoding, done) => void io.stderr.write(chunk, encoding, done) });
    // Loaded at the first prompt: most runs never prompt, and inquirer is the largest module here.
    const { default: inquirer } = await import('inquirer');
    const prompt = inquirer.createPromptModule({ input: io.stdin, output });
    const answers = await prompt([
      type === 'password' ? { type, name: 'answer', message, mask: false } : { type, name: 'answer', message },
    ]);
    const answer = (answers as Record<string, unknown>)['answer'];
    return typeof answer === 'string' ? answer : '';
  };
  return {
    ask: (question) => ask('input', question),
    askSecret: (question) => ask('password', question),
    async confirmExact(question, expected) {
      return (await ask('input', `${question} (type "${expected}" to go on)`)).trim() === expected;
    },
    async waitForEnter(message) {
      await ask('input', `${message} — press Enter`);
    },
  };
}

/** PINs for a command: the profile's env/file, else a hidden prompt when a person is at a terminal. */
export function cliPinSource(io: CliIO): PinSource {
  return pinSource(io.env, io.interactive ? (q) => terminalPrompter(io).askSecret(q) : undefined);
}

/** A passphrase from a file, or asked without echo (twice when `confirm`). */
export async function passphrase(
  io: CliIO,
  file: string | undefined,
  question: string,
  confirm: boolean,
): Promise<string> {
  // One line, readable by its owner only (like ssh private keys).
  if (file !== undefined) return readSecretFile(file, `passphrase file ${file}`);
  if (!io.interactive) throw new UsageError('no terminal to ask the passphrase on: give --passphrase-file');
  const prompter = terminalPrompter(io);
  if (!confirm) return prompter.askSecret(question);
  // A new passphrase is judged at its first entry, and asked again when refused or not repeated
  // the same: typing it twice only to be told it is too short, then starting over, teaches nothing.
  for (let attempt = 1; ; attempt++) {
    const first = await prompter.askSecret(question);
    const problem = passphraseProblem(first);
    if (!problem && (await prompter.askSecret('The same passphrase again:')) === first) return first;
    if (attempt === NEW_PASSPHRASE_ATTEMPTS)
      throw new UsageError(`${problem ?? 'the two passphrases differ'}; nothing was written`);
    io.stderr.write(`${problem ?? 'the two passphrases differ'}; try again\n`);
  }
}

/** How many times a new passphrase is asked before the command gives up. */
export const NEW_PASSPHRASE_ATTEMPTS = 5;
