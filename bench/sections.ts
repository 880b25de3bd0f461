/**
 * The benchmark sections, by name: `npm run bench` runs them all in this order,
 * `npm run bench -- <name> [options]` runs one. A new section is one entry here.
 */
import { existsSync } from 'node:fs';
import { benchDelegations, DEFAULT_SIZES, parseSize } from './delegations.js';
import type { Bench } from './harness.js';
import { benchHashes } from './hashes.js';

export interface BenchSection {
  name: string;
  summary: string;
  run(bench: Bench, options: SectionOptions): Promise<void>;
}

export interface SectionOptions {
  /** --sizes 10k,100k: the delegation counts to measure. */
  sizes?: string[];
}

/**
 * A section that lives in its own module, which prints its own table: loaded only when the module
 * exists (its work may not be there yet), so that the other sections always run.
 */
function optionalSection(name: string, summary: string, file: string, exportName: string): BenchSection {
  return {
    name,
    summary,
    run: async () => {
      const module = new URL(file, import.meta.url);
      if (!existsSync(module)) {
        console.log(`${name}: not available`);
        return;
      }
      const exports = (await import(module.href)) as Record<string, () => Promise<void>>;
      await exports[exportName]!();
    },
  };
}

export const SECTIONS: BenchSection[] = [
  {
    name: 'delegations',
    summary: 'build, canonicalize, sign, write, read and verify a targets role with 10k/100k/1M delegations',
    run: (bench, options) => benchDelegations(bench, options.sizes?.map(parseSize) ?? DEFAULT_SIZES),
  },
  {
    name: 'hashes',
    summary: 'SHA-256 and SHA-512: node:crypto against @noble/hashes, large and small inputs',
    run: (bench) => benchHashes(bench),
  },
  optionalSection('pkcs11', 'signing with keys on a SoftHSM2 token', './pkcs11-bench.js', 'benchPkcs11'),
  optionalSection('intake', 'taking 10k delegation requests into a claimed role of 100k projects', './intake-bench.js', 'benchIntake'),
];
