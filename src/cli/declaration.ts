/**
 * The shape of a command's declaration (src/cli/registry.ts lists them) and the types its
 * implementation receives: option values typed from the declaration.
 */
import type { CliIO } from './io.js';

export interface OptionDeclaration {
  readonly type: 'string' | 'boolean';
  /** One line (or a few) for `--help`. */
  readonly help: string;
  /** The placeholder shown in the usage line, e.g. "<state folder>" (string options only). */
  readonly value?: string;
  readonly required?: boolean;
  /** The option may be repeated; its value is then the list of every occurrence. */
  readonly multiple?: boolean;
}

export interface PositionalDeclaration {
  /** The name shown in the usage line and in errors, e.g. "event folder". */
  readonly name: string;
  /** one: exactly one; optional: none or one; many: one or more. */
  readonly count: 'one' | 'optional' | 'many';
}

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

export interface CommandDeclaration<O extends OptionDeclarations = OptionDeclarations> {
  /** Words that select the command, e.g. ['event', 'sign']. */
  readonly name: readonly string[];
  readonly summary: string;
  readonly options: O;
  readonly positionals: readonly PositionalDeclaration[];
  /** Paragraphs shown by `--help` after the options (what the command does, its exit codes). */
  readonly details?: string;
}

type OptionValue<O extends OptionDeclaration> = O['type'] extends 'boolean'
  ? boolean
  : O['multiple'] extends true
    ? string[]
    : string;

/** Parsed option values, typed from the declaration: required options are always present. */
export type Values<O extends OptionDeclarations> = {
  -readonly [K in keyof O]: O[K]['required'] extends true ? OptionValue<O[K]> : OptionValue<O[K]> | undefined;
};

export interface Args<D extends CommandDeclaration> {
  values: Values<D['options']>;
  positionals: string[];
}

/** What a command module exports: the implementation of its declaration. */
export type Run<D extends CommandDeclaration> = (args: Args<D>, io: CliIO) => Promise<number>;

/** A declaration written with its literal types kept (so that `Values` knows each option). */
export function declare<const O extends OptionDeclarations>(d: CommandDeclaration<O>): CommandDeclaration<O> {
  return d;
}
