/**
 * The command line at a real pseudo-terminal: util-linux `script` gives the command a terminal on
 * stdin, stdout and stderr, forwards what the test types, and hands back every byte the terminal
 * received (escape sequences included), so a test sees exactly what a person's screen would.
 * The CLI is compiled once per test process into node_modules/.cache (tsc emits even when other
 * parts of the tree have type errors), from the sources as they are now.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
let built: string | undefined;

/** The path of a launcher for the CLI as compiled now. */
export function builtCli(): string {
  if (built) return built;
  const dir = join(root, 'node_modules', '.cache', `pty-cli-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync(
      join(root, 'node_modules', '.bin', 'tsc'),
      ['-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
      { cwd: root, stdio: 'ignore' },
    );
  } catch {
    // Emitted anyway; a missing module shows up as the command's own failure.
  }
  if (!existsSync(join(dir, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`the CLI did not compile into ${dir}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin', 'tuf-ceremony.js'), join(dir, 'bin', 'tuf-ceremony.js'));
  built = join(dir, 'bin', 'tuf-ceremony.js');
  return built;
}

/** Remove the compiled copy (call from afterAll: a test worker may end without an exit event). */
export function removeBuiltCli(): void {
  if (built) rmSync(join(built, '..', '..'), { recursive: true, force: true });
  built = undefined;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Escape sequences and carriage returns removed: the text a person reads. */
export function plain(raw: string): string {
  return raw.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
}

/** The word positions (1-based) the last confirmation question on screen asks for, read as a person would. */
export function askedWordPositions(screen: string): number[] {
  const question = [...screen.matchAll(/type its words\s+number ([\d, and]+)\(or all/g)].pop()?.[1] ?? '';
  return [...question.matchAll(/\d+/g)].map((m) => Number(m[0]));
}

export class PtyRun {
  /** Every byte the terminal received, as text. */
  raw = '';
  readonly exit: Promise<number>;
  private readonly child;

  /** `tuf-ceremony <args>` at a terminal; or any `command` (its words), such as a shell running a block of docs. */
  constructor(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; command?: string[] } = {}) {
    const words = options.command ?? [process.execPath, builtCli(), ...args];
    const command = `stty cols 160 rows 50; exec ${words.map(quote).join(' ')}`;
    this.child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d: Buffer) => (this.raw += d.toString('utf8')));
    this.child.stderr.on('data', (d: Buffer) => (this.raw += d.toString('utf8')));
    this.exit = new Promise((done) => this.child.on('close', (code) => done(code ?? -1)));
  }

  /** Wait until the screen, after `from` characters, matches; returns the plain text after `from`. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const text = plain(this.raw.slice(from));
      if (pattern.test(text)) return text;
      if (Date.now() > until || this.child.exitCode !== null)
        throw new Error(`the terminal never showed ${pattern}; it shows:\n${plain(this.raw).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Type a line and press Enter. */
  type(line: string): void {
    this.child.stdin.write(`${line}\r`);
  }

  /** Ctrl-C, as the terminal sends it. */
  interrupt(): void {
    this.child.stdin.write('\x03');
  }

  /** The exit code, with stdin closed. */
  async done(): Promise<number> {
    const code = await this.exit;
    this.child.stdin.end();
    return code;
  }
}
