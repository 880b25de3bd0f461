/**
 * The streams a command talks through, injectable for tests. `--json` output goes to stdout as
 * exactly one document; prompts, progress and human text for errors go to stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { writeJson } from './json-writer.js';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** True when a person is at a terminal (prompts and progress bars allowed). */
  interactive: boolean;
  cwd: string;
}

export function processIO(): CliIO {
  // A reader that has gone (`| head`): the rest of the output is dropped and the command ends
  // with its own exit code, without a stack trace.
  const quietOnClosedPipe = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  };
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', quietOnClosedPipe);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

export function out(io: CliIO, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function err(io: CliIO, text: string): void {
  io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The streams a JSON document was printed to (so that a failure after it prints no second one). */
const printed = new WeakSet<CliIO>();

export function printJson(io: CliIO, value: unknown): void {
  printed.add(io);
  writeJson((text) => io.stdout.write(text), value);
}

export function printedJson(io: CliIO): boolean {
  return printed.has(io);
}
