/**
 * A step of a guided run (`ceremony run`, and the rehearsal's walk through a runbook) runs as the
 * tool's own command in a child process: the same release, its own exit code, and a Ctrl-C that
 * ends the step and not the run, which then records how the step ended.
 */
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { installRoot } from '../ceremony/state/index.js';
import { err, type CliIO } from './io.js';

/** The tool as it was started (its launcher), so that every step runs the same release. */
export function launcher(): string {
  const self = process.argv[1];
  if (self !== undefined && /^tuf-ceremony(\.js)?$/.test(basename(self))) return self;
  return join(installRoot(), 'bin', 'tuf-ceremony.js');
}

export interface ToolRunOptions {
  /** The step may ask the people at this terminal (stdin is passed on); else it gets no stdin. */
  terminal: boolean;
  /** The step's stdout goes to stderr (a --json run prints one document; a rehearsal its summary). */
  stdoutToStderr: boolean;
  /** The environment (default: the command's). */
  env?: NodeJS.ProcessEnv;
}

/** `tuf-ceremony <argv>` as a child process; its exit code (130 when Ctrl-C ended it). */
export function runTool(argv: string[], io: CliIO, o: ToolRunOptions): Promise<number> {
  return new Promise((done) => {
    const ignore = () => {};
    // Ctrl-C at the terminal reaches the step's process group too: this process waits for it.
    process.on('SIGINT', ignore);
    const child = spawn(process.execPath, [launcher(), ...argv], {
      stdio: [
        o.terminal ? 'inherit' : 'ignore',
        o.stdoutToStderr ? 'pipe' : 'inherit',
        o.terminal ? 'inherit' : 'pipe',
      ],
      env: o.env ?? io.env,
      cwd: io.cwd,
    });
    child.stdout?.on('data', (d: Buffer) => io.stderr.write(d));
    child.stderr?.on('data', (d: Buffer) => io.stderr.write(d));
    const finish = (code: number) => {
      process.off('SIGINT', ignore);
      done(code);
    };
    child.on('error', (e) => {
      err(io, `cannot start ${launcher()}: ${e.message}`);
      finish(1);
    });
    child.on('close', (code, signal) => finish(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
