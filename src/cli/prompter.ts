/**
 * The CLI's prompts (inquirer), used by every command that talks to a person. Prompts go to
 * stderr so that `--json` output on stdout stays one document. Secrets are never echoed.
 */
import { Writable } from 'node:stream';
import { passphraseProblem, pinSource, type PinSource, readSecretFile } from '../keys/index.js';
import { InterruptedError, UsageError } from '../tuf/base/index.js';
import { err, type CliIO } from './io.js';

export interface Prompter {
  /** A line of visible input. */
  ask(question: string): Promise<string>;
  /** Hidden input (a PIN, a passphrase). */
  askSecret(question: string): Promise<string>;
  /** The person must type `expected` exactly (IANA ceremonies ask for an exact "yes"). */
  confirmExact(question: string, expected: string): Promise<boolean>;
  /**
   * Say `message`, then read `ready()` every `pollMs` until it is true (true) or `timeoutMs` has
   * passed (false). Keys pressed meanwhile are neither echoed nor kept (a PIN typed too early must
   * not stay on screen, nor be taken as the PIN); Ctrl-C throws InterruptedError.
   */
  waitUntil(message: string, ready: () => Promise<boolean>, timeoutMs: number, pollMs?: number): Promise<boolean>;
}

const CTRL_C = 0x03;

/** A terminal's stdin in raw mode (no echo, Ctrl-C as a byte) while `body` runs; what is typed is dropped. */
async function withKeysSwallowed<T>(io: CliIO, body: (interrupted: () => boolean) => Promise<T>): Promise<T> {
  const stdin = io.stdin as Partial<NodeJS.ReadStream> & typeof io.stdin;
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  let stopped = false;
  const onData = (d: Buffer | string) => {
    if (Buffer.from(d).includes(CTRL_C)) stopped = true;
  };
  if (raw) stdin.setRawMode!(true);
  stdin.on('data', onData);
  stdin.resume();
  try {
    return await body(() => stopped);
  } finally {
    stdin.off('data', onData);
    if (raw) stdin.setRawMode!(false);
    stdin.pause();
  }
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
    // The terminal's width, so that a question wraps where the screen does (inquirer's default is 80).
    Object.defineProperty(output, 'columns', { get: () => (io.stderr as Partial<NodeJS.WriteStream>).columns });
    // Loaded at the first prompt: most runs never prompt, and inquirer is the largest module here.
    const { default: inquirer } = await import('inquirer');
    const prompt = inquirer.createPromptModule({ input: io.stdin, output });
    let answers: unknown;
    try {
      answers = await prompt([
        type === 'password' ? { type, name: 'answer', message, mask: false } : { type, name: 'answer', message },
      ]);
    } catch (e) {
      // Ctrl-C at the prompt: the ceremony says what was done before it (exit 130).
      if ((e as Error)?.name === 'ExitPromptError') throw new InterruptedError('interrupted (Ctrl-C)', { cause: e });
      throw e;
    }
    const answer = (answers as Record<string, unknown>)['answer'];
    return typeof answer === 'string' ? answer : '';
  };
  return {
    ask: (question) => ask('input', question),
    askSecret: (question) => ask('password', question),
    async confirmExact(question, expected) {
      return (await ask('input', `${question} (type "${expected}" to go on)`)).trim() === expected;
    },
    async waitUntil(message, ready, timeoutMs, pollMs = 500) {
      return withKeysSwallowed(io, async (interrupted) => {
        // Said once echo is off: what a person types on reading it is not shown.
        err(io, message);
        const until = Date.now() + timeoutMs;
        for (;;) {
          if (interrupted()) throw new InterruptedError();
          if (await ready()) return true;
          if (Date.now() >= until) return false;
          // Short steps, so that Ctrl-C is taken at once.
          for (let t = 0; t < pollMs && !interrupted(); t += 50) await new Promise((r) => setTimeout(r, 50));
        }
      });
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
