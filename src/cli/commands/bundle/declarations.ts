/** Declarations of the bundle commands (docs/formats/bundle.md). */
import { declare } from '../../declaration.js';
import { AT, JSON_OUTPUT, REPO, TRUSTED_ROOT } from '../../options.js';

const BUNDLE = { name: 'bundle folder', count: 'one' } as const;

/** Beside the published folder, never in it: what is not metadata (docs/formats/bundle.md). */
const RECORDS = {
  type: 'string',
  value: '<folder>',
  help: 'where the transcript and the import state are kept (default <target>.records, beside it)',
} as const;

export const exportBundle = declare({
  name: ['bundle', 'export'],
  summary: 'write the signed metadata, every root and the transcript to a new bundle folder on removable media',
  options: {
    repo: { ...REPO, required: true },
    to: {
      type: 'string',
      value: '<folder>',
      help: 'the medium (the bundle goes to <folder>/bundle-NNNNNN) or a new folder',
      required: true,
    },
    at: { ...AT, help: 'the time the metadata is verified at and the bundle is dated (default: now)' },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  --to  an existing folder (the medium: the bundle goes to <folder>/bundle-NNNNNN) or a new folder.
  Carries every N.root.json, the current version of every offline role and the transcript, with a
  manifest (bundle.json) whose SHA-256 is printed as hex, words and a QR code (also bundle.png).
  Never overwrites; on a full or read-only medium nothing is left under the bundle's name.`,
});

export const exportOnline = declare({
  name: ['bundle', 'export-online'],
  summary: 'on the online side: write recently-claimed and the current metadata to a bundle for the offline machine',
  options: {
    from: { type: 'string', value: '<online metadata folder>', help: 'the online metadata', required: true },
    to: { type: 'string', value: '<folder>', help: 'the medium, or a new folder', required: true },
    log: { type: 'string', value: '<file>', help: 'the export log (default <from>.records/exports.json, beside it)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Carries every N.root.json, the current targets and recently-claimed, the snapshot the timestamp
  names and timestamp.json. The sequence comes from the export log (default
  <from>.records/exports.json, never in the published folder; one an earlier release kept in
  <from> is moved there). The offline side verifies it with \`bundle import --repo\`.`,
});

export const verify = declare({
  name: ['bundle', 'verify'],
  summary: 'verify a bundle from removable media against its manifest and from a trusted root (writes nothing)',
  options: {
    root: { ...TRUSTED_ROOT, help: 'the root you trust (or --repo)' },
    repo: { ...REPO, help: 'the offline side: its current root and the import state of <repo>/online' },
    target: {
      type: 'string',
      value: '<folder>',
      help: 'the folder the bundle would be imported into (for its import state)',
    },
    records: RECORDS,
    state: { type: 'string', value: '<file>', help: 'the import state file (the last imported sequence)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [BUNDLE],
  details: `  Give exactly one of --root and --repo.
  Refuses (exit 3, naming the file and the reason) files not in the manifest, missing files,
  symbolic links, names that are not plain file names, a size or SHA-256 mismatch, a sequence not
  newer than the last import (read from --state, or the import state beside --target), a
  transcript whose hash chain breaks or does not end at the manifest's transcript_head, and
  metadata that does not verify from the trusted root. Prints the SHA-256 of the trusted root
  (hex and words): compare it with the one the ceremony published. --repo: the offline side (its
  current root, and the import state of <repo>/online).`,
});

export const importBundle = declare({
  name: ['bundle', 'import'],
  summary: 'verify a bundle and copy it atomically into a target folder (online side) or <repo>/online (offline side)',
  options: {
    root: { ...TRUSTED_ROOT, help: 'the root you trust (with --into)' },
    into: { type: 'string', value: '<target folder>', help: 'the folder to import into (with --root)' },
    records: RECORDS,
    state: {
      type: 'string',
      value: '<file>',
      help: 'the import state file (default <records>/import-state.json)',
    },
    repo: { ...REPO, help: 'the offline side: import into <repo>/online, trusting its current root' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [BUNDLE],
  details: `  Give --root and --into, or --repo.
  Does every check of \`bundle verify\`, then copies the metadata into the target folder: new
  versions never replace anything, timestamp.json only moves forward. The transcript (it only
  grows) and the import state go to the records folder beside the target, default
  <target>.records, never into the target. Nothing is written when the bundle is refused. After a
  root rotation it says which N.root.json to trust next, with its SHA-256. A transcript or import
  state an earlier release left in the target is moved to the records folder.
  --repo: the offline side takes an online bundle into <repo>/online, trusting the current root.`,
});
