/**
 * Printing the ceremony record to PDF with headless Chromium (Debian package `chromium`), on the
 * offline machine: the page is a local file that loads nothing (render-record-html.ts), Chromium
 * gets a fresh profile in a temporary folder and every background service it has switched off.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../tuf/base/index.js';

const NAMES = ['chromium', 'chromium-browser'];

/** The Chromium on PATH, or undefined. */
export function findChromium(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean))
    for (const name of NAMES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        /* not here */
      }
    }
  return undefined;
}

/** Flags for a headless run that touches nothing but the page and the output. */
export function headlessFlags(profileDir: string): string[] {
  return [
    '--headless',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    `--user-data-dir=${profileDir}`,
    // Chromium's sandbox needs user namespaces, which it cannot use as root.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ];
}

/**
 * Print `htmlPath` to PDF and return its bytes (the caller writes them without overwriting). The
 * page sets its own paper size (`@page`); Chromium's header and footer are left out.
 */
export function printToPdf(htmlPath: string, env: NodeJS.ProcessEnv): Buffer {
  const chromium = findChromium(env);
  if (chromium === undefined)
    throw new UsageError(
      'no headless Chromium on PATH (Debian package chromium) for --pdf; the HTML was written: print it from a browser (docs/runbook.md, "The printed record")',
    );
  const work = mkdtempSync(join(tmpdir(), 'tuf-ceremony-pdf-'));
  try {
    const pdf = join(work, 'record.pdf');
    const r = spawnSync(
      chromium,
      [
        ...headlessFlags(join(work, 'profile')),
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdf}`,
        pathToFileURL(htmlPath).href,
      ],
      { env, encoding: 'utf8', timeout: 180_000 },
    );
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(pdf);
    } catch {
      bytes = undefined;
    }
    if (r.status !== 0 || bytes === undefined || bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
      const last = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
      throw new UsageError(`${chromium} did not print the record to PDF (${why}): ${last}; the HTML was written`);
    }
    return bytes;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
