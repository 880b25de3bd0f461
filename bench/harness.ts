/**
 * Timing and memory measurement for `npm run bench`.
 *
 * Peak RSS is sampled by a worker thread every few milliseconds, because most steps are one long
 * synchronous call during which the main thread cannot run a timer; RSS is process-wide, so the
 * worker sees what the main thread allocates. The JS heap (heapUsed + external, which holds
 * Buffers) can only be read on the main thread: it is sampled at the start and end of each step and
 * at checkpoints the step itself calls (`bench.sample()`), so it is a lower bound of the true peak.
 */
import { Worker } from 'node:worker_threads';

export interface StepRecord {
  section: string;
  group: string;
  step: string;
  seconds: number;
  /** User + system CPU time of the whole process (GC threads included): steadier than wall time on a busy machine. */
  cpuSeconds: number;
  peakRss: number;
  peakHeap: number;
  /** Whether the step counts toward the group's end-to-end total (fixtures do not). */
  counted: boolean;
  detail: string;
}

export interface StepOptions {
  counted?: boolean;
  /** A note for the table, computed from the step's result (a rate, a size). */
  detail?: (seconds: number) => string;
}

const SAMPLER_SOURCE = `
const { workerData } = require('node:worker_threads');
const peak = new BigInt64Array(workerData);
setInterval(() => {
  const rss = BigInt(process.memoryUsage.rss());
  if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
}, 4);
`;

/** Peak RSS seen since the last reset, sampled off the main thread. */
class RssSampler {
  private readonly peak = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: this.peak.buffer });
  constructor() {
    this.worker.unref();
  }
  reset(): void {
    Atomics.store(this.peak, 0, BigInt(process.memoryUsage.rss()));
  }
  read(): number {
    return Math.max(Number(Atomics.load(this.peak, 0)), process.memoryUsage.rss());
  }
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

export class Bench {
  readonly records: StepRecord[] = [];
  private readonly rss = new RssSampler();
  private heapPeak = 0;
  section = '';

  /** Record the current heap size toward the running step's peak; cheap enough for loops. */
  sample(): void {
    const m = process.memoryUsage();
    const heap = m.heapUsed + m.external;
    if (heap > this.heapPeak) this.heapPeak = heap;
  }

  /** Run one named step: garbage is collected first (when --expose-gc), so each step starts clean. */
  async step<T>(group: string, step: string, fn: () => T | Promise<T>, options: StepOptions = {}): Promise<T> {
    collectGarbage?.();
    this.heapPeak = 0;
    this.sample();
    this.rss.reset();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = await fn();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    this.sample();
    const record: StepRecord = {
      section: this.section,
      group,
      step,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRss: this.rss.read(),
      peakHeap: this.heapPeak,
      counted: options.counted ?? true,
      detail: options.detail?.(seconds) ?? '',
    };
    this.records.push(record);
    // Progress on stderr: a 1M run takes a minute, and the table comes at the end of a section.
    process.stderr.write(`  ${group}: ${step} ${seconds.toFixed(3)} s\n`);
    return result;
  }

  async close(): Promise<void> {
    await this.rss.stop();
  }
}

const MB = 1024 * 1024;

/** A plain text table with right-aligned numbers. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.,]*$/.test(r[i] ?? '')));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Rows for one section's records, with an end-to-end total per group of counted steps. */
export function recordRows(records: StepRecord[]): string[][] {
  const rows: string[][] = [];
  const groups = [...new Set(records.map((r) => r.group))];
  for (const group of groups) {
    const inGroup = records.filter((r) => r.group === group);
    for (const r of inGroup) {
      rows.push([
        group,
        r.counted ? r.step : `(${r.step})`,
        r.seconds.toFixed(3),
        r.cpuSeconds.toFixed(3),
        (r.peakRss / MB).toFixed(0),
        (r.peakHeap / MB).toFixed(0),
        r.detail,
      ]);
    }
    const counted = inGroup.filter((r) => r.counted);
    if (counted.length > 1) {
      const total = counted.reduce((s, r) => s + r.seconds, 0);
      const cpu = counted.reduce((s, r) => s + r.cpuSeconds, 0);
      const rss = Math.max(...counted.map((r) => r.peakRss));
      const heap = Math.max(...counted.map((r) => r.peakHeap));
      rows.push([
        group,
        'end to end',
        total.toFixed(3),
        cpu.toFixed(3),
        (rss / MB).toFixed(0),
        (heap / MB).toFixed(0),
        '',
      ]);
    }
  }
  return rows;
}

export const TABLE_HEADERS = ['case', 'step', 'seconds', 'cpu s', 'peak RSS MB', 'peak heap MB', 'detail'];
