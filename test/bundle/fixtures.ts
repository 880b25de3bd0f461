/** Bundles made from the python-tuf-signed PEP 480 vector repository, in fresh temporary folders. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportBundle, type BundleFile, type ExportResult } from '../../src/bundle/export.js';
import type { Direction } from '../../src/bundle/manifest.js';
import { PEP480_DIR } from '../helpers/vectors.js';

export const NOW = new Date('2030-01-01T00:00:00Z');
export const OFFLINE_FILES = ['1.root.json', '2.root.json', '1.targets.json', '1.claimed.json'];
export const ONLINE_FILES = [
  '1.root.json',
  '2.root.json',
  '1.targets.json',
  '1.recently-claimed.json',
  '1.snapshot.json',
  'timestamp.json',
];

export function vectorFiles(names: string[]): BundleFile[] {
  return names.map((name) => ({ name, bytes: readFileSync(join(PEP480_DIR, name)) }));
}

export function trustedRoot(version = 1): Buffer {
  return readFileSync(join(PEP480_DIR, `${version}.root.json`));
}

export function tempDir(prefix = 'bundle-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function makeBundle(
  parent: string,
  sequence: number,
  opts: { names?: string[]; files?: BundleFile[]; direction?: Direction } = {},
): Promise<ExportResult> {
  const files = opts.files ?? vectorFiles(opts.names ?? OFFLINE_FILES);
  return exportBundle({
    files,
    to: join(parent, `bundle-${sequence}`),
    sequence,
    baseRootVersion: 1,
    toolVersion: 'test',
    now: NOW,
    direction: opts.direction,
  });
}

/** Every entry of a folder with its bytes, to show that nothing changed. */
export function snapshotFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name)).toString('base64');
  return out;
}
