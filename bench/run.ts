/**
 * `npm run bench [-- <section>…] [--sizes 10k,100k,1m]`: runs benchmark sections and prints, per
 * step, the seconds taken and the peak memory (see harness.ts for how memory is sampled).
 * Run with --expose-gc (the npm script does) so that each step starts after a full collection.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Bench, formatTable, recordRows, TABLE_HEADERS } from './harness.js';
import { SECTIONS } from './sections.js';

const USAGE = `usage: npm run bench [-- <section>... [--sizes 10k,100k,1m] [--projects 600k] [--layout flat|bins-10|bins-14]]
sections: ${SECTIONS.map((s) => `\n  ${s.name.padEnd(12)} ${s.summary}`).join('')}`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      projects: { type: 'string' },
      layout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !SECTIONS.some((s) => s.name === p));
  if (unknown.length > 0) {
    console.error(`unknown section "${unknown[0]}"\n${USAGE}`);
    return 2;
  }
  const chosen =
    positionals.length > 0
      ? SECTIONS.filter((s) => positionals.includes(s.name))
      : SECTIONS.filter((s) => !s.onlyWhenNamed);
  const options = { sizes: values.sizes?.split(','), projects: values.projects, layout: values.layout };

  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${availableParallelism()} ` +
      'cores, load average ' +
      `${load}${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: steps do not start from a collected heap)'}`,
  );
  const bench = new Bench();
  try {
    for (const section of chosen) {
      console.log(`\n## ${section.name}`);
      bench.section = section.name;
      const before = bench.records.length;
      await section.run(bench, options);
      const records = bench.records.slice(before);
      if (records.length > 0) console.log(formatTable(TABLE_HEADERS, recordRows(records)));
    }
  } finally {
    await bench.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
