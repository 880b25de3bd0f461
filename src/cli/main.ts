/**
 * Entry point: find the command, run it, and turn errors into one clear line and an exit code
 * from the one table (src/cli/exit-codes.ts).
 */
import { CeremonyError, escapeControls } from '../tuf/base/index.js';
import { CATEGORY_EXIT_CODES, exitCodeOfError, renderExitCodes } from './exit-codes.js';
import { helpText } from './args.js';
import { err, out, processIO, type CliIO } from './io.js';
import { COMMANDS, findCommand, GROUPS, type Command } from './registry.js';
import { runCommand } from './run-command.js';

/** Commands and their summaries, one a line, sorted by their words. */
function commandList(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  return [...commands]
    .sort((a, b) => a.name.join(' ').localeCompare(b.name.join(' ')))
    .map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
}

function help(io: CliIO): void {
  out(io, 'tuf-ceremony: offline TUF key ceremonies with keys in PKCS#11 tokens\n\nCommands:');
  out(io, commandList(COMMANDS).join('\n'));
  out(io, `\nRun \`tuf-ceremony <command> --help\` for its flags.\n\nExit codes:\n${renderExitCodes('text')}`);
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    help(io);
    return argv.length === 0 ? CATEGORY_EXIT_CODES.usage : 0;
  }
  if (argv[0] === '--version') {
    const { toolVersion } = await import('./version.js');
    out(io, toolVersion());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = argv[0] !== undefined && Object.hasOwn(GROUPS, argv[0]) ? argv[0] : undefined;
    if (group !== undefined) {
      // `tuf-ceremony event` lists the event commands: with --help as an answer, else as a usage error.
      const asked = argv.length === 2 && (argv[1] === '--help' || argv[1] === '-h');
      if (argv.length > 1 && !asked) err(io, `tuf-ceremony: unknown command "${argv.join(' ')}"`);
      out(
        io,
        [
          `tuf-ceremony ${group}: ${GROUPS[group]}`,
          '',
          'Commands:',
          ...commandList(COMMANDS.filter((c) => c.name[0] === group)),
        ].join('\n'),
      );
      out(io, `\nRun \`tuf-ceremony ${group} <command> --help\` for its flags.`);
      return asked ? 0 : CATEGORY_EXIT_CODES.usage;
    }
    err(io, `tuf-ceremony: unknown command "${argv.join(' ')}"; run \`tuf-ceremony --help\``);
    return CATEGORY_EXIT_CODES.usage;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    out(io, helpText(found.command));
    return 0;
  }
  try {
    return await runCommand(found.command, found.rest, io);
  } catch (e) {
    // Ctrl-C at a prompt is an InterruptedError too (prompter.ts): one line, exit 130, no stack trace.
    if (e instanceof CeremonyError) {
      // Messages name fields, files and roles read from media: escaped (src/tuf/base/display-text.ts).
      err(io, `tuf-ceremony ${found.command.name.join(' ')}: ${escapeControls(e.message)}`);
      return exitCodeOfError(e);
    }
    err(io, `tuf-ceremony ${found.command.name.join(' ')}: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return CATEGORY_EXIT_CODES.internal;
  }
}
