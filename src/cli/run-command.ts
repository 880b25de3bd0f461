/**
 * Run a declared command: parse its arguments, load its module, run it. With `--json`, a failure
 * thrown anywhere (a usage error included) is also one JSON document on stdout, so that a script
 * always reads exactly one document; the error is then passed on for the one line on stderr and
 * the exit code.
 */
import { parse } from './args.js';
import { printJson, printedJson, type CliIO } from './io.js';
import { errorJson } from './json-output.js';
import type { Command } from './registry.js';

export async function runCommand(command: Command, argv: string[], io: CliIO): Promise<number> {
  const json = command.options['json'] !== undefined && argv.includes('--json');
  try {
    const args = parse(argv, command);
    const { run } = await command.load();
    return await run(args, io);
  } catch (e) {
    if (json && !printedJson(io)) printJson(io, errorJson(e));
    throw e;
  }
}
