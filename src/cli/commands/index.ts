/** The command table. Each command is one small module that parses flags and calls one function. */
import type { CliIO } from '../io.js';

export interface Command {
  /** Words that select the command, e.g. ['event', 'sign']. */
  readonly name: string[];
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

import { verifyCommand } from './verify.js';

export const COMMANDS: Command[] = [verifyCommand];
