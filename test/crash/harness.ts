/**
 * Fault injection for crash tests: the built CLI runs in a child process with fault-hook.cjs
 * preloaded, which kills it (SIGKILL) just before its K-th call that changes the file system. A
 * command is run once whole to count its calls and record its result; then for every K, on a
 * fresh copy of the starting state, it is killed at K, checked, and run again.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../src/tuf/model/digest.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = resolve(HERE, '../..');
const HOOK = join(HERE, 'fault-hook.cjs');

const CACHE = join(ROOT_DIR, 'node_modules', '.cache');
const BUILD_PREFIX = 'tuf-ceremony-crash-';
/** The build the child runs: set by buildCli. */
let bin = '';

/** SHA-256 over every file the build reads: it names the build, so two versions never mix. */
function sourceDigest(): string {
  const parts: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(relative(ROOT_DIR, p), sha256Hex(readFileSync(p)));
    }
  };
  for (const d of ['src', 'bench']) if (existsSync(join(ROOT_DIR, d))) walk(join(ROOT_DIR, d));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', join('bin', 'tuf-ceremony.js')])
    parts.push(f, sha256Hex(readFileSync(join(ROOT_DIR, f))));
  return sha256Hex(Buffer.from(parts.join('\n'))).slice(0, 16);
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Build the CLI so the child runs the code under test, once for all the test files of the suite:
 * the first file builds (under a lock) into a folder named by the digest of the sources, the
 * others wait and reuse it. tsc emits even when some file of the tree does not type-check (that
 * is the typecheck's job, not this suite's); a missing CLI is an error.
 */
export function buildCli(): void {
  const dir = join(CACHE, `${BUILD_PREFIX}${sourceDigest()}`);
  bin = join(dir, 'bin', 'tuf-ceremony.js');
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    if (existsSync(bin)) return;
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock left by a killed run is taken over after two minutes.
      if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      else sleep(200);
    }
  }
  try {
    if (existsSync(bin)) return;
    // Builds of earlier sources, not used for an hour, go.
    for (const name of readdirSync(CACHE)) {
      const old = join(CACHE, name);
      if (new RegExp(`^${BUILD_PREFIX}[0-9a-f]{16}$`).test(name) && Date.now() - statSync(old).mtimeMs > 3_600_000)
        rmSync(old, { recursive: true, force: true });
    }
    const temp = `${dir}.partial-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    try {
      execFileSync(
        process.execPath,
        [
          join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          join(ROOT_DIR, 'tsconfig.build.json'),
          '--outDir',
          join(temp, 'dist'),
        ],
        { cwd: ROOT_DIR, stdio: 'pipe' },
      );
    } catch (e) {
      if (!existsSync(join(temp, 'dist', 'src', 'cli', 'main.js'))) throw e;
    }
    mkdirSync(join(temp, 'bin'));
    copyFileSync(join(ROOT_DIR, 'bin', 'tuf-ceremony.js'), join(temp, 'bin', 'tuf-ceremony.js'));
    writeFileSync(join(temp, 'package.json'), '{"type":"module"}\n');
    renameSync(temp, dir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Mutating file-system calls the run made (only when it was not killed). */
  calls: number;
}

export function runChild(args: string[], opts: { cwd: string; crashAt?: number }): Promise<ChildRun> {
  const countFile = join(opts.cwd, `.calls-${process.pid}-${Math.random().toString(16).slice(2)}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--require', HOOK, bin, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, TUF_CRASH_AT: String(opts.crashAt ?? 0), TUF_CRASH_COUNT_FILE: countFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let calls = 0;
      try {
        calls = Number(readFileSync(countFile, 'utf8'));
        rmSync(countFile);
      } catch {
        /* killed: no count written */
      }
      resolvePromise({ code, signal, stdout, stderr, calls });
    });
  });
}

/** A fresh copy of the starting state in its own folder. */
export function freshCopy(start: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(start, dir, { recursive: true });
  return dir;
}

/**
 * Every file under `dir` → its content, with `dir` itself replaced by <ROOT> (copies live in
 * different folders) and the transcript's chain fields and clock time dropped (they hash those
 * paths, and a step without --at records the clock); the chain is checked on its own.
 */
export function treeOf(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      if (statSync(p).isDirectory()) {
        out[`${rel}/`] = '';
        walk(p);
        continue;
      }
      let text = readFileSync(p).toString('latin1').split(dir).join('<ROOT>');
      if (name.endsWith('.jsonl')) {
        text = text
          .split('\n')
          .map((line) => {
            if (!line) return line;
            const rec = JSON.parse(line);
            delete rec.hash;
            delete rec.prev;
            delete rec.time;
            return JSON.stringify(rec);
          })
          .join('\n');
      }
      out[rel] = text.length > 200 ? `sha256:${sha256Hex(Buffer.from(text, 'latin1'))}` : text;
    }
  };
  walk(dir);
  return out;
}

/** Run `count` jobs, at most `width` at a time. */
export async function pool(count: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** Hidden leftovers (temporary names) anywhere under `dir`, except the ones `allowed` names. */
export function hiddenEntries(dir: string, allowed: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (name.startsWith('.') && !allowed(rel)) out.push(rel);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}
