/**
 * Every command is declared once (src/cli/registry.ts): its --help, the command list and the
 * parser are made from that declaration. The snapshots make a dropped or renamed command, option
 * or help line show up in review.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/cli/args.js';
import type { CommandDeclaration } from '../../src/cli/declaration.js';
import { COMMANDS, GROUPS } from '../../src/cli/registry.js';
import { runCli } from '../helpers/cli.js';

const title = (c: CommandDeclaration) => c.name.join(' ');

/** Arguments that satisfy a declaration: one value per positional and per required option. */
function minimalArgs(c: CommandDeclaration, except?: string): string[] {
  const argv = c.positionals.filter((p) => p.count !== 'optional').map((_p, i) => `positional-${i}`);
  for (const [name, o] of Object.entries(c.options))
    if (o.required && name !== except) argv.push(`--${name}`, ...(o.type === 'string' ? [`value-of-${name}`] : []));
  return argv;
}

describe('the command list', () => {
  it('tuf-ceremony --help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS)
      expect(r.stdout).toMatch(new RegExp(`^  ${title(c)} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(r.stdout).toMatchSnapshot();
  });

  it('no two commands have the same words', () => {
    const names = COMMANDS.map(title);
    expect(new Set(names).size).toBe(names.length);
  });

  it('tuf-ceremony <group> lists its subcommands (exit 2), and with --help (exit 0)', async () => {
    for (const group of Object.keys(GROUPS)) {
      const members = COMMANDS.filter((c) => c.name[0] === group);
      expect(members.length, group).toBeGreaterThan(0);
      const bare = await runCli([group]);
      expect(bare.code, group).toBe(2);
      for (const c of members) expect(bare.stdout).toContain(title(c));
      const asked = await runCli([group, '--help']);
      expect(asked.code).toBe(0);
      expect(asked.stdout).toBe(bare.stdout);
    }
    const unknown = await runCli(['event', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "event frobnicate"/);
    expect(unknown.stdout).toContain('event sign');
  });

  it('every command with more than one word belongs to a group', () => {
    for (const c of COMMANDS) if (c.name.length > 1) expect(Object.keys(GROUPS), title(c)).toContain(c.name[0]);
  });
});

describe.each(COMMANDS.map((c) => [title(c), c] as const))('%s', (_name, c) => {
  it('--help is made from the declaration', async () => {
    const r = await runCli([...c.name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(`${c.summary}\n\nusage: tuf-ceremony ${title(c)}`)).toBe(true);
    expect(r.stdout).toMatchSnapshot();
  });

  it('every declared option is in the help and parses', async () => {
    const help = (await runCli([...c.name, '--help'])).stdout;
    const usage = help.split('\n').find((l) => l.startsWith('usage: '))!;
    for (const [name, o] of Object.entries(c.options)) {
      expect(usage, `--${name} in the usage line`).toContain(`--${name}`);
      expect(help, `--${name} in the options`).toMatch(new RegExp(`^  --${name}\\b`, 'm'));
      const given = o.type === 'string' ? [`--${name}`, 'given'] : [`--${name}`];
      const { values } = parse([...minimalArgs(c, name), ...given], c);
      const expected = o.type === 'boolean' ? true : o.multiple ? ['given'] : 'given';
      expect((values as Record<string, unknown>)[name], `--${name}`).toEqual(expected);
    }
  });

  it('an undeclared option and a missing required option are usage errors', () => {
    expect(() => parse([...minimalArgs(c), '--no-such-option'], c)).toThrow(/no-such-option[\s\S]*usage: tuf-ceremony/);
    for (const [name, o] of Object.entries(c.options)) {
      if (o.required) expect(() => parse(minimalArgs(c, name), c)).toThrow(new RegExp(`missing --${name}`));
    }
  });
});
