/**
 * The benchmark sections, by name: `npm run bench` runs them all in this order,
 * `npm run bench -- <name> [options]` runs one. A new section is one entry here.
 */
import { benchCeremony, parseCeremonyOptions } from './ceremony-bench.js';
import { benchDelegations, DEFAULT_SIZES, parseSize } from './delegations.js';
import type { Bench } from './harness.js';
import { benchHashes } from './hashes.js';
import { benchIntake } from './intake-bench.js';
import { benchPkcs11 } from './pkcs11-bench.js';
import { benchVerifyCommands } from './verify-command.js';

export interface BenchSection {
  name: string;
  summary: string;
  run(bench: Bench, options: SectionOptions): Promise<void>;
  /** Run only when named: too long for `npm run bench` with no section. */
  onlyWhenNamed?: boolean;
}

export interface SectionOptions {
  /** --sizes 10k,100k: the delegation counts to measure. */
  sizes?: string[];
  /** --projects 600k: the claimed projects of the ceremony section. */
  projects?: string;
  /** --layout flat|bins-10|bins-14: the claimed layout of the ceremony section. */
  layout?: string;
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
  { name: 'pkcs11', summary: 'signing with keys on a SoftHSM2 token', run: () => benchPkcs11() },
  {
    name: 'intake',
    summary: 'taking 10k delegation requests into a claimed role of 100k projects',
    run: () => benchIntake(),
  },
  {
    name: 'verify-command',
    summary:
      'the built CLI (verify, verify-download, dev check) on full repositories of 10k/100k/1M claimed delegations',
    run: (_bench, options) => benchVerifyCommands(options.sizes?.map(parseSize) ?? DEFAULT_SIZES),
  },
  {
    name: 'ceremony',
    summary:
      'every command of a ceremony (claim, sign on SoftHSM, finalize, verify, bundles…) at --projects 600k, --layout flat|bins-10|bins-14',
    run: (_bench, options) => benchCeremony(parseCeremonyOptions(options.projects, options.layout)),
    onlyWhenNamed: true,
  },
];
