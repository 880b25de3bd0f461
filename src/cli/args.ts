/**
 * Parsing (node:util parseArgs), the usage line and `--help`, all made from a command's
 * declaration (src/cli/declaration.ts). Usage errors name the flag (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../tuf/base/index.js';
import type { Args, CommandDeclaration, OptionDeclaration } from './declaration.js';

function flagText(name: string, o: OptionDeclaration): string {
  return o.type === 'string' ? `--${name} ${o.value ?? '<value>'}` : `--${name}`;
}

function positionalText(p: CommandDeclaration['positionals'][number]): string {
  return p.count === 'one' ? `<${p.name}>` : p.count === 'optional' ? `[<${p.name}>]` : `<${p.name}>...`;
}

/** One line: the words, the positionals, the required options, then the others in brackets. */
export function usageLine(d: CommandDeclaration): string {
  const parts = ['tuf-ceremony', ...d.name, ...d.positionals.map(positionalText)];
  for (const [name, o] of Object.entries(d.options)) {
    const text = flagText(name, o) + (o.multiple ? '...' : '');
    parts.push(o.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

/** The text of `<command> --help`. */
export function helpText(d: CommandDeclaration): string {
  const lines = [d.summary, '', `usage: ${usageLine(d)}`];
  const entries = Object.entries(d.options);
  if (entries.length > 0) {
    lines.push('', 'Options:');
    const flags = entries.map(
      ([name, o]) => flagText(name, o) + (o.multiple ? ' (repeatable)' : '') + (o.required ? ' (required)' : ''),
    );
    const w = Math.max(...flags.map((f) => f.length));
    entries.forEach(([, o], i) => {
      const [first = '', ...more] = o.help.split('\n');
      lines.push(`  ${flags[i]!.padEnd(w)}  ${first}`, ...more.map((m) => `  ${''.padEnd(w)}  ${m}`));
    });
    lines.push(`  ${'--help'.padEnd(w)}  this text`);
  }
  if (d.details) lines.push('', d.details);
  return lines.join('\n');
}

function usageError(message: string, d: CommandDeclaration): UsageError {
  return new UsageError(`${message}\nusage: ${usageLine(d)}`);
}

function checkPositionals(positionals: string[], d: CommandDeclaration): void {
  const min = d.positionals.filter((p) => p.count !== 'optional').length;
  const unbounded = d.positionals.some((p) => p.count === 'many');
  const max = unbounded ? Infinity : d.positionals.length;
  if (positionals.length >= min && positionals.length <= max) return;
  if (d.positionals.length === 0) throw usageError(`unexpected argument "${positionals[0]}"`, d);
  if (d.positionals.length === 1) {
    const p = d.positionals[0]!;
    const what =
      p.count === 'one'
        ? `exactly one ${p.name}`
        : p.count === 'many'
          ? `at least one ${p.name}`
          : `at most one ${p.name}`;
    throw usageError(`give ${what}`, d);
  }
  throw usageError(`give ${d.positionals.map(positionalText).join(' ')}`, d);
}

/** The declared options and positionals of argv, or a UsageError naming what is wrong. */
export function parse<D extends CommandDeclaration>(argv: string[], d: D): Args<D> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(d.options))
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError((e as Error).message, d);
  }
  for (const [name, o] of Object.entries(d.options)) {
    const v = parsed.values[name];
    if (o.required && (v === undefined || v === '')) throw usageError(`missing --${name}`, d);
  }
  checkPositionals(parsed.positionals, d);
  return { values: parsed.values as Args<D>['values'], positionals: parsed.positionals };
}
