/** The token and key commands, registered together. */
import { keyExportCommand, keyGenerateCommand } from './key.js';
import { tokenListCommand } from './token-list.js';
import type { Command } from './index.js';

export const keyCommands: Command[] = [tokenListCommand, keyGenerateCommand, keyExportCommand];
