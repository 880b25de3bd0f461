/**
 * The tool's version, read from its package.json (the one file that states it), found from this
 * module in src/cli or dist/src/cli. Read on first use: most commands never need it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from '../ceremony/state/index.js';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
    cached = pkg.version;
  }
  return cached;
}
