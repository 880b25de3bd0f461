/**
 * Entry point: find the command, run it, and turn errors into one clear line and an exit code
 * (DESIGN.md conventions: 0 ok, 1 internal, 2 usage/config, 3 verification failed, 4 token
 * problem, 5 refused by a safety check).
 */
import { CeremonyError, EXIT_CODES } from '../tuf/errors.js';
import { COMMANDS, type Command } from './commands/index.js';
import { err, out, processIO, type CliIO } from './io.js';

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    if (c.name.every((w, i) => argv[i] === w) && (!best || c.name.length > best.name.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.name.length) } : undefined;
}

function help(io: CliIO): void {
  out(io, 'tuf-ceremony: offline TUF key ceremonies with keys in PKCS#11 tokens\n\nCommands:');
  const width = Math.max(...COMMANDS.map((c) => c.name.join(' ').length));
  for (const c of [...COMMANDS].sort((a, b) => a.name.join(' ').localeCompare(b.name.join(' ')))) {
    out(io, `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  }
  out(io, '\nRun `tuf-ceremony <command> --help` for its flags. Exit codes: 0 ok, 1 internal error, 2 usage or configuration, 3 verification failed, 4 token problem, 5 refused by a safety check.');
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    help(io);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    out(io, TOOL_VERSION);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    err(io, `tuf-ceremony: unknown command "${argv.join(' ')}"; run \`tuf-ceremony --help\``);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    out(io, `${found.command.summary}\n\nusage: ${found.command.usage}`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (e instanceof CeremonyError) {
      err(io, `tuf-ceremony ${found.command.name.join(' ')}: ${e.message}`);
      return EXIT_CODES[e.category];
    }
    err(io, `tuf-ceremony ${found.command.name.join(' ')}: internal error: ${(e as Error)?.stack ?? e}`);
    return 1;
  }
}

export const TOOL_VERSION = '0.1.0';
