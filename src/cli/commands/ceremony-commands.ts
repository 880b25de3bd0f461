/** The ceremony's commands, registered in the command table as one group. */
import { eventFinalizeCommand } from './event-finalize.js';
import { eventMergeCommand } from './event-merge.js';
import { eventShowCommand } from './event-show.js';
import { eventSignCommand } from './event-sign.js';
import { eventStatusCommand } from './event-status.js';
import type { Command } from './index.js';
import { initCommand } from './init.js';
import { planCheckCommand } from './plan-check.js';
import { rehearsalCommand } from './rehearsal.js';
import { transcriptShowCommand, transcriptVerifyCommand } from './transcript.js';

export const ceremonyCommands: Command[] = [
  planCheckCommand,
  initCommand,
  eventShowCommand,
  eventSignCommand,
  eventMergeCommand,
  eventStatusCommand,
  eventFinalizeCommand,
  transcriptVerifyCommand,
  transcriptShowCommand,
  rehearsalCommand,
];
