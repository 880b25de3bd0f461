/**
 * A runbook (docs/formats/runbook.md): a reviewed JSON file in ceremony-scripts/runbooks/ listing
 * the steps of one ceremony as the tool's own commands, each with what the ceremony administrator
 * reads aloud. `ceremony run` executes it step by step (ceremony-run.ts). Read strictly, like a
 * plan: an unknown field is an error, every error names the file and the field, and every
 * placeholder is checked before anything runs.
 */
import { asArray, asString, FieldReader, join, sha256Hex } from '../../tuf/model/index.js';
import { FormatError, UsageError, withContext } from '../../tuf/base/index.js';
import { parseStrictJson } from '../../tuf/json/index.js';
import { readInputFile } from '../state/input-file.js';

export const RUNBOOK_FORMAT = 1;

/**
 * Values every run has: the repository (`--repo`), the time the run started (`{at}`, as `--at`
 * takes it) and the same time for a file name (`{stamp}`, `20260501T090000Z`: no colon, which
 * FAT media refuse).
 */
export const BUILT_IN_PARAMETERS = ['repo', 'at', 'stamp'] as const;

export interface RunbookParameter {
  name: string;
  help: string;
  /** May hold `{repo}`, `{at}` and `{stamp}`. */
  default?: string;
}

export interface RunbookStep {
  id: string;
  title: string;
  /** What the ceremony administrator reads aloud before the step, line by line. */
  say: string[];
  /** The tool's arguments (after `tuf-ceremony`), with `{parameter}` placeholders. */
  run: string[];
  /** Exit codes that count as done (default 0 only; `expiry` reports a due renewal by 10). */
  okExitCodes: number[];
}

export interface Runbook {
  path: string;
  sha256: string;
  name: string;
  title: string;
  description?: string;
  parameters: RunbookParameter[];
  steps: RunbookStep[];
}

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PARAMETER = /^[a-z][a-z0-9_]*$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Fields a reviewer may add anywhere for people; never read (as in a plan). */
function noUnknownFields(r: FieldReader): void {
  for (const key of Object.keys(r.rest()))
    if (key !== 'comment') throw new FormatError(r.at(key), 'unknown field (a typo?); the runbook is read strictly');
}

/** Every `{name}` of a text is one of `known`, and no brace stands alone. */
function checkPlaceholders(text: string, path: string, known: ReadonlySet<string>): void {
  for (const m of text.matchAll(PLACEHOLDER))
    if (!known.has(m[1]!))
      throw new FormatError(path, `{${m[1]}} is not a parameter of this runbook (${[...known].join(', ')})`);
  if (/[{}]/.test(text.replace(PLACEHOLDER, '')))
    throw new FormatError(path, `"${text}" has a brace outside a {parameter}`);
}

function lines(v: unknown, path: string): string[] {
  if (typeof v === 'string') return [v];
  return asArray(v, path).map((x, i) => asString(x, join(path, i)));
}

export function parseRunbook(json: unknown, path: string, bytes: Uint8Array): Runbook {
  return withContext(path, () => {
    const r = FieldReader.of(json, '');
    const format = r.integer('runbook_format', 1);
    if (format !== RUNBOOK_FORMAT)
      throw new FormatError('runbook_format', `this tool reads runbook_format ${RUNBOOK_FORMAT}, got ${format}`);
    const name = r.string('name');
    if (!NAME.test(name)) throw new FormatError('name', `"${name}" must be lowercase letters, digits and "-"`);
    const title = r.string('title');
    const description = r.has('description') ? r.string('description') : undefined;
    r.optional('description');

    const pr = FieldReader.of(r.has('parameters') ? r.raw('parameters') : {}, 'parameters');
    const parameters: RunbookParameter[] = Object.keys(pr.obj)
      .filter((k) => k !== 'comment')
      .map((p) => {
        if (!PARAMETER.test(p))
          throw new FormatError(pr.at(p), 'a parameter name is lowercase letters, digits and "_"');
        if ((BUILT_IN_PARAMETERS as readonly string[]).includes(p))
          throw new FormatError(pr.at(p), `{${p}} is given by every run; it is not declared`);
        const fr = FieldReader.of(pr.raw(p), pr.at(p));
        const help = fr.string('help');
        const def = fr.has('default') ? fr.string('default') : undefined;
        fr.optional('default');
        noUnknownFields(fr);
        return def === undefined ? { name: p, help } : { name: p, help, default: def };
      });
    noUnknownFields(pr);
    const known = new Set<string>([...BUILT_IN_PARAMETERS, ...parameters.map((p) => p.name)]);
    for (const p of parameters)
      if (p.default !== undefined)
        checkPlaceholders(p.default, join(join('parameters', p.name), 'default'), new Set(BUILT_IN_PARAMETERS));

    const ids = new Set<string>();
    const steps = r.array('steps').map((v, i): RunbookStep => {
      const sr = FieldReader.of(v, join('steps', i));
      const id = sr.string('id');
      if (!NAME.test(id)) throw new FormatError(sr.at('id'), `"${id}" must be lowercase letters, digits and "-"`);
      if (ids.has(id)) throw new FormatError(sr.at('id'), `"${id}" is the id of an earlier step`);
      ids.add(id);
      const run = lines(sr.raw('run'), sr.at('run'));
      if (run.length === 0) throw new FormatError(sr.at('run'), 'the command is empty');
      // A guided run inside a guided run, or a rehearsal with its own tokens, is not a step.
      if (run[0] === 'ceremony' || run[0] === 'rehearsal')
        throw new FormatError(sr.at('run'), `a runbook step cannot run "${run[0]}"`);
      run.forEach((arg, j) => checkPlaceholders(arg, join(sr.at('run'), j), known));
      const say = sr.has('say') ? lines(sr.raw('say'), sr.at('say')) : [];
      sr.optional('say');
      say.forEach((l, j) => checkPlaceholders(l, join(sr.at('say'), j), known));
      const okExitCodes = sr.has('ok_exit_codes')
        ? asArray(sr.raw('ok_exit_codes'), sr.at('ok_exit_codes')).map((c, j) => {
            if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 255)
              throw new FormatError(join(sr.at('ok_exit_codes'), j), 'expected an exit code from 0 to 255');
            return c;
          })
        : [0];
      sr.optional('ok_exit_codes');
      const title = sr.string('title');
      checkPlaceholders(title, sr.at('title'), known);
      noUnknownFields(sr);
      return { id, title, say, run, okExitCodes };
    });
    if (steps.length === 0) throw new FormatError('steps', 'a runbook has at least one step');
    noUnknownFields(r);
    return {
      path,
      sha256: sha256Hex(bytes),
      name,
      title,
      ...(description === undefined ? {} : { description }),
      parameters,
      steps,
    };
  });
}

export function loadRunbook(path: string): Runbook {
  const bytes = readInputFile(path, 'runbook');
  return parseRunbook(parseStrictJson(bytes, path), path, bytes);
}

/** Fill `{name}` placeholders; every name is known (parseRunbook checked them). */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => values[name]!);
}

/**
 * The value of every parameter for a run: given on the command line (`--set name=value`), else
 * the runbook's default. Refused, before anything runs, when one is missing or not a parameter.
 */
export function parameterValues(
  runbook: Runbook,
  given: Readonly<Record<string, string>>,
  builtIn: { repo: string; at: string; stamp: string },
): Record<string, string> {
  const values: Record<string, string> = { ...builtIn };
  for (const name of Object.keys(given))
    if (!runbook.parameters.some((p) => p.name === name))
      throw new UsageError(
        `--set ${name}: ${runbook.path} has no parameter "${name}" (it has ${runbook.parameters.map((p) => p.name).join(', ') || 'none'})`,
      );
  const missing: string[] = [];
  for (const p of runbook.parameters) {
    const v = given[p.name] ?? (p.default === undefined ? undefined : fillPlaceholders(p.default, builtIn));
    if (v === undefined || v === '') missing.push(`${p.name} (${p.help})`);
    else values[p.name] = v;
  }
  if (missing.length) throw new UsageError(`${runbook.path} needs --set <name>=<value> for: ${missing.join('; ')}`);
  return values;
}
