/** Bundles on removable media, and the checks for people downstream of the index. */
import { bundleExportOnlineCommand } from './bundle-export-online.js';
import { bundleExportCommand } from './bundle-export.js';
import { bundleImportCommand } from './bundle-import.js';
import { bundleVerifyCommand } from './bundle-verify.js';
import { devCheckCommand } from './dev-check.js';
import type { Command } from './index.js';
import { verifyDownloadCommand } from './verify-download.js';

export const bundleCommands: Command[] = [bundleExportCommand, bundleExportOnlineCommand, bundleVerifyCommand, bundleImportCommand, devCheckCommand, verifyDownloadCommand];
