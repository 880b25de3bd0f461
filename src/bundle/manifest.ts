/**
 * The bundle manifest (`bundle.json`): what a folder on removable media must hold, byte for byte.
 * Versioned and strict: unknown fields are refused, because a check the reader skips is no check.
 * The format is described in docs/formats/bundle.md.
 */
import { parseStrictJson, serializeJson } from '../tuf/json/index.js';
import { FieldReader, isLowerHex, join, sha256Hex } from '../tuf/model/index.js';
import { FormatError, formatExpires, parseExpires } from '../tuf/base/index.js';

export const MANIFEST_NAME = 'bundle.json';
/** The QR code of the manifest's SHA-256, for the operator on the other side to compare. */
export const QR_NAME = 'bundle.png';
export const TRANSCRIPT_NAME = 'transcript.jsonl';
export const BUNDLE_FORMAT = 'tuf-ceremony-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** offline-to-online: signed metadata from the ceremony; online-to-offline: recently-claimed and current metadata. */
export const DIRECTIONS = ['offline-to-online', 'online-to-offline'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface ManifestEntry {
  length: number;
  sha256: string;
}

export interface Manifest {
  direction: Direction;
  /** Grows by at least one with every export in the same direction; an importer refuses anything not newer. */
  sequence: number;
  /** The root version the receiver is expected to trust already (the newest root of the previous bundle). */
  baseRootVersion: number;
  toolVersion: string;
  created: Date;
  files: Map<string, ManifestEntry>;
  /**
   * SHA-256 of the transcript's last line (its "head", what the admins initial): present exactly
   * when the bundle carries the transcript, which every offline-to-online bundle does.
   */
  transcriptHead?: string;
}

const MAX_NAME_BYTES = 255;
/** The largest `sequence`: one export a minute for four thousand years. */
export const MAX_SEQUENCE = 2 ** 31 - 1;

/**
 * A plain file name: one path component, no `.`/`..`, no separators, no hidden or control
 * characters. Role file names are percent-encoded (docs/formats.md, "TUF metadata"), so `%` is allowed.
 */
export function isPlainFileName(name: string): boolean {
  return Buffer.byteLength(name) <= MAX_NAME_BYTES && /^[A-Za-z0-9_~%-][A-Za-z0-9._~%-]*$/.test(name);
}

/** Metadata files are `.json`; the only other file a bundle may carry is the transcript. */
export function isMetadataName(name: string): boolean {
  return name.endsWith('.json') && name !== MANIFEST_NAME;
}

/** Why a name cannot be a file of a bundle, or undefined when it can. */
export function badFileName(name: string): string | undefined {
  if (!isPlainFileName(name))
    return 'is not a plain file name (one path component of letters, digits and . _ ~ % -, not starting with a dot)';
  if (name === MANIFEST_NAME || name === QR_NAME) return 'is a reserved name of the bundle itself';
  if (!isMetadataName(name) && name !== TRANSCRIPT_NAME) return `is neither metadata (*.json) nor ${TRANSCRIPT_NAME}`;
  return undefined;
}

/**
 * The transcript's head anchors its end: without it a transcript cut or extended together with its
 * manifest entry would pass. So an offline-to-online bundle carries the transcript and its head,
 * and any bundle that carries a transcript carries its head (docs/formats/bundle.md, "The manifest").
 */
export function transcriptProblem(
  direction: Direction,
  carriesTranscript: boolean,
  hasHead: boolean,
): { field: 'files' | 'transcript_head'; why: string } | undefined {
  if (hasHead && !carriesTranscript)
    return { field: 'transcript_head', why: `given, but the bundle carries no ${TRANSCRIPT_NAME}` };
  if (direction === 'offline-to-online' && !carriesTranscript)
    return {
      field: 'files',
      why: `no ${TRANSCRIPT_NAME}: an offline-to-online bundle carries the ceremony transcript`,
    };
  if (carriesTranscript && !hasHead)
    return {
      field: 'transcript_head',
      why:
        `missing; it anchors the end of ${TRANSCRIPT_NAME} (a bundle without it, from an earlier release ` +
        'or edited on the way, is refused: export it again from the repository, `tuf-ceremony bundle export`)',
    };
  return undefined;
}

/** SHA-256 of the last line of a JSON Lines file (without its newline): the transcript's head. */
export function lastLineSha256(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = b.length > 0 && b[b.length - 1] === 0x0a ? b.length - 1 : b.length;
  return sha256Hex(b.subarray(b.lastIndexOf(0x0a, end - 1) + 1, end));
}

export function manifestToBytes(m: Manifest): Buffer {
  const files: Record<string, { length: number; sha256: string }> = {};
  for (const [name, e] of [...m.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    files[name] = { length: e.length, sha256: e.sha256 };
  return serializeJson({
    format: BUNDLE_FORMAT,
    format_version: BUNDLE_FORMAT_VERSION,
    direction: m.direction,
    sequence: m.sequence,
    base_root_version: m.baseRootVersion,
    tool_version: m.toolVersion,
    created: formatExpires(m.created),
    files,
    ...(m.transcriptHead !== undefined ? { transcript_head: m.transcriptHead } : {}),
  });
}

/** Parse `bundle.json` strictly; errors name the field. */
export function parseManifest(bytes: Uint8Array, source = MANIFEST_NAME): Manifest {
  const r = FieldReader.of(parseStrictJson(bytes, source), source);
  const format = r.string('format');
  if (format !== BUNDLE_FORMAT) throw new FormatError(r.at('format'), `expected "${BUNDLE_FORMAT}", got "${format}"`);
  const version = r.integer('format_version', 1);
  if (version !== BUNDLE_FORMAT_VERSION)
    throw new FormatError(
      r.at('format_version'),
      `version ${version} is not supported by this tool (it reads version ${BUNDLE_FORMAT_VERSION})`,
    );
  const direction = r.string('direction');
  if (!(DIRECTIONS as readonly string[]).includes(direction))
    throw new FormatError(r.at('direction'), `expected one of ${DIRECTIONS.join(', ')}, got "${direction}"`);
  const sequence = r.integer('sequence', 1);
  // Unsigned: a bound keeps a forged huge sequence from poisoning an importer's state.
  if (sequence > MAX_SEQUENCE)
    throw new FormatError(
      r.at('sequence'),
      `${sequence} is above the largest sequence a bundle may carry (${MAX_SEQUENCE})`,
    );
  const baseRootVersion = r.integer('base_root_version', 1);
  const toolVersion = r.string('tool_version');
  const created = parseExpires(r.raw('created'), r.at('created'));
  const filesObj = r.object('files');
  const files = new Map<string, ManifestEntry>();
  for (const name of Object.keys(filesObj)) {
    const at = join(r.at('files'), name);
    const why = badFileName(name);
    if (why) throw new FormatError(at, `"${name}" ${why}`);
    const er = FieldReader.of(filesObj[name], at);
    const length = er.integer('length', 0);
    const sha256 = er.string('sha256');
    if (!isLowerHex(sha256, 32)) throw new FormatError(er.at('sha256'), 'expected 64 lowercase hex characters');
    const extra = Object.keys(er.rest());
    if (extra.length) throw new FormatError(er.at(extra[0]!), 'unknown field');
    files.set(name, { length, sha256 });
  }
  let transcriptHead: string | undefined;
  if (r.has('transcript_head')) {
    transcriptHead = r.string('transcript_head');
    if (!isLowerHex(transcriptHead, 32))
      throw new FormatError(r.at('transcript_head'), 'expected 64 lowercase hex characters');
  }
  const problem = transcriptProblem(direction as Direction, files.has(TRANSCRIPT_NAME), transcriptHead !== undefined);
  if (problem) throw new FormatError(r.at(problem.field), problem.why);
  const extra = Object.keys(r.rest());
  if (extra.length)
    throw new FormatError(r.at(extra[0]!), 'unknown field (this tool refuses fields it would not check)');
  return {
    direction: direction as Direction,
    sequence,
    baseRootVersion,
    toolVersion,
    created,
    files,
    ...(transcriptHead !== undefined ? { transcriptHead } : {}),
  };
}
