/** Bundles made from the python-tuf-signed PEP 480 vector repository, in fresh temporary folders. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportBundle, type BundleFile, type ExportResult } from '../../src/bundle/export.js';
import { lastLineSha256, TRANSCRIPT_NAME, type Direction } from '../../src/bundle/manifest.js';
import { GENESIS_PREV, recordLine, type TranscriptRecord } from '../../src/bundle/transcript-chain.js';
import { sha256Hex } from '../../src/tuf/model/index.js';
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

/** A transcript whose hash chain holds: one record per step, as the ceremony writes them. */
export function chainedTranscript(steps: string[]): Buffer {
  const lines: Buffer[] = [];
  let prev = GENESIS_PREV;
  for (const [i, step] of steps.entries()) {
    const rec: TranscriptRecord = { seq: i + 1, time: '2030-01-01T00:00:00Z', step, inputs: {}, outputs: {}, prev };
    rec.hash = sha256Hex(recordLine(rec));
    const line = recordLine(rec);
    lines.push(line, Buffer.from('\n'));
    prev = sha256Hex(line);
  }
  return Buffer.concat(lines);
}

/** An offline-to-online bundle carries a transcript and its head; one is added when `files` has none. */
export async function makeBundle(
  parent: string,
  sequence: number,
  opts: { names?: string[]; files?: BundleFile[]; direction?: Direction } = {},
): Promise<ExportResult> {
  const files = opts.files ?? vectorFiles(opts.names ?? OFFLINE_FILES);
  const offline = (opts.direction ?? 'offline-to-online') === 'offline-to-online';
  if (offline && !files.some((f) => f.name === TRANSCRIPT_NAME))
    files.push({ name: TRANSCRIPT_NAME, bytes: chainedTranscript(['init', 'bundle-export']) });
  const transcript = files.find((f) => f.name === TRANSCRIPT_NAME);
  return exportBundle({
    files,
    to: join(parent, `bundle-${sequence}`),
    sequence,
    baseRootVersion: 1,
    toolVersion: 'test',
    now: NOW,
    direction: opts.direction,
    ...(transcript ? { transcriptHead: lastLineSha256(transcript.bytes) } : {}),
  });
}

/** Every entry of a folder with its bytes, to show that nothing changed. */
export function snapshotFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name)).toString('base64');
  return out;
}
