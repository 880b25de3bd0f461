/** Declarations of the reference online side's commands (docs/online-side.md). */
import { declare } from '../../declaration.js';
import { AT, JSON_OUTPUT, THRESHOLD, TRUSTED_ROOT } from '../../options.js';

const STATE = {
  type: 'string',
  value: '<online state folder>',
  help: "the online side's state folder (made by online init)",
  required: true,
} as const;

export const init = declare({
  name: ['online', 'init'],
  summary: 'the online side: make its state folder, trusting a root obtained out of band',
  options: {
    state: { ...STATE, value: '<new folder>', help: 'the state folder to make' },
    root: { ...TRUSTED_ROOT, required: true },
    plan: {
      type: 'string',
      value: '<plan.json>',
      help: 'the ceremony plan: its project_paths and the unclaimed succinct bins (online.unclaimed.succinct_bins)',
    },
    'timestamp-expires': { type: 'string', value: '<duration>', help: 'how long a timestamp is valid (default 1d)' },
    'snapshot-expires': { type: 'string', value: '<duration>', help: 'how long a snapshot is valid (default 7d)' },
    'online-expires': {
      type: 'string',
      value: '<duration>',
      help: 'how long recently-claimed, unclaimed and its bins are valid (default 7d)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Makes <state>/online.json, <state>/offline/ (what verified bundles bring, starting with the
  trusted root) and <state>/repository/ (metadata/ and targets/, the folder to publish). The
  trusted root is the one the ceremony published, compared by its SHA-256 (printed here).
  Without --plan, project paths are {project}/* and unclaimed has no bins.`,
});

export const importBundle = declare({
  name: ['online', 'import'],
  summary: 'the online side: verify a bundle from the ceremony and take it in (nothing is published yet)',
  options: { state: STATE, at: AT, json: JSON_OUTPUT },
  positionals: [{ name: 'bundle folder', count: 'one' }],
  details: `  Verifies the bundle as bundle import does, from the newest root the online side trusts (every
  file in the manifest, its hashes, the transcript chain, TUF metadata from the trusted root, a
  sequence newer than the last), and only then copies it into <state>/offline/. A bundle that
  fails is refused (exit 3) and nothing changes. After a root rotation the new root is the one
  trusted for the next import. Next: online publish.`,
});

export const register = declare({
  name: ['online', 'register'],
  summary: "the online side: register a new project's keys in recently-claimed (PEP 480)",
  options: {
    state: STATE,
    project: { type: 'string', value: '<name>', help: 'the project (normalized as PEP 503 does)', required: true },
    key: {
      type: 'string',
      value: '<public key file>',
      multiple: true,
      help: "the developer's public key (or key file)",
      required: true,
    },
    threshold: { ...THRESHOLD, help: 'how many of the keys must sign (default 1)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  recently-claimed delegates the project to these keys from the next publish until a claim
  ceremony moves it to claimed (then it leaves recently-claimed). A project claimed already, or
  registered with other keys, is refused (exit 5): keys change only at a claim ceremony.`,
});

export const upload = declare({
  name: ['online', 'upload'],
  summary: "the online side: take in a developer's upload checked as upload check does (PEP 480)",
  options: {
    state: STATE,
    project: { type: 'string', value: '<name>', help: 'the project the upload is for (default: the one it names)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'upload', count: 'one' }],
  details: `  Checks the upload (a folder or .zip from dev sign) against the published repository, as
  upload check does; refused: exit 3, nothing written. Accepted: the project's role goes to
  repository/metadata and each file to repository/targets as <hash>.<name>, under new names no
  snapshot lists yet. Next: online publish.`,
});

export const publish = declare({
  name: ['online', 'publish'],
  summary: 'the online side: sign recently-claimed, unclaimed, snapshot and timestamp and write the repository',
  options: {
    state: STATE,
    key: {
      type: 'string',
      value: '<key file>',
      multiple: true,
      help: 'an online key file (encrypted, as dev keygen writes them); repeat for each online key',
      required: true,
    },
    'passphrase-file': {
      type: 'string',
      value: '<file>',
      multiple: true,
      help: 'the passphrase of a key file, one per key file in order (else asked)',
    },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Writes into <state>/repository/metadata, each under a new name: the offline roles the imports
  brought, recently-claimed, unclaimed (and its bins) when their content changed or half their
  validity is gone, a new snapshot when what it lists changed or half its validity is gone; then
  the new roots; then timestamp.json, always a new version, replaced atomically. Versions are one
  above the newest published file, so they never go down. Serve <state>/repository: metadata/ and
  targets/ (consistent snapshots, TUF specification 5.x naming).`,
});
