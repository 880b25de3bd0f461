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
import { devKeygenCommand } from './dev-keygen.js';
import { devRequestCommand } from './dev-request.js';
import { claimCommand } from './claim.js';
import { revokeCommand } from './revoke.js';
import { expiryCommand } from './expiry.js';
import { resignCommand } from './resign.js';
import { rotateCommand } from './rotate.js';
import { recoverCommand } from './recover.js';
import { ceremonyCommands } from './ceremony-commands.js';
import { keyCommands } from './key-commands.js';
import { bundleCommands } from './bundle-commands.js';
import { selfCheckCommand } from './self-check.js';

export const COMMANDS: Command[] = [verifyCommand, devKeygenCommand, devRequestCommand, claimCommand, revokeCommand, expiryCommand, resignCommand, rotateCommand, recoverCommand, ...ceremonyCommands, ...keyCommands, ...bundleCommands, selfCheckCommand];
