/** Declarations of the developer commands (docs/developer-guide.md). */
import { declare, type OptionDeclaration } from '../../declaration.js';
import { AT, CLIENT_STATE, JSON_OUTPUT, METADATA, PROFILE, THRESHOLD, TRUSTED_ROOT } from '../../options.js';

/** Where the keys of `--key token:<holder>` and of key files come from (dev request, dev sign). */
const DEVELOPER_KEY_SOURCES = {
  profile: { ...PROFILE, help: 'the token profile (for --key token:<holder>)' },
  'passphrase-file': {
    type: 'string',
    value: '<file>',
    multiple: true,
    help: 'the passphrase of a key file, one per key file in order',
  },
} as const satisfies Record<string, OptionDeclaration>;

/** How long a request stays valid when --valid-for is not given. */
export const DEFAULT_REQUEST_VALIDITY = '60d';

export const keygen = declare({
  name: ['dev', 'keygen'],
  summary: "developer: make a key for your project's delegation (encrypted key file, or on your own token)",
  options: {
    out: {
      type: 'string',
      value: '<new file>',
      help: 'the new key file (or, with --profile, the new public key file)',
      required: true,
    },
    'public-out': {
      type: 'string',
      value: '<new public key file>',
      help: 'also write the public key alone (key files only)',
    },
    owner: {
      type: 'string',
      value: '<name or e-mail>',
      help: 'goes into the public key as "x-ceremony-owner" (key files only)',
    },
    'passphrase-file': {
      type: 'string',
      value: '<file>',
      help: 'read the passphrase from this file (one line) instead of asking',
    },
    profile: { ...PROFILE, help: 'make the key on your own PKCS#11 token, named by this profile' },
    holder: { type: 'string', value: '<name>', help: 'your holder name in the profile (with --profile)' },
    type: { type: 'string', value: 'ed25519|ecdsa-p256|rsa-3072', help: 'the key type on the token (default ed25519)' },
    label: {
      type: 'string',
      value: '<key label>',
      help: 'the key label on the token (default: the profile\'s "developer" label)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Without --profile: a new Ed25519 key in an encrypted key file (mode 0600, never overwritten).
  The passphrase is asked twice without echo, or read from --passphrase-file (one line, a file
  only you can read) for scripted runs. --owner goes into the public key as "x-ceremony-owner".
  --public-out also writes the public key alone (for \`dev check\` and for people to compare).
  With --profile: a new non-extractable key on your own PKCS#11 token (the profile's "developer"
  key label unless --label); --out gets its public key.
  Next: tuf-ceremony dev request --project <name> --key <key file or token:<holder>> ...`,
});

export const request = declare({
  name: ['dev', 'request'],
  summary: 'developer: make a signed request that the index delegates your project to your keys (PEP 480)',
  options: {
    project: { type: 'string', value: '<name>', help: 'the project (normalized as PEP 503 does)', required: true },
    key: {
      type: 'string',
      value: '<key file | token:<holder>>',
      multiple: true,
      help: 'a key that signs the request',
      required: true,
    },
    contact: { type: 'string', value: '<e-mail>', help: 'how the admins reach you', required: true },
    out: { type: 'string', value: '<new request file>', help: 'the request file to write', required: true },
    threshold: { ...THRESHOLD, help: 'how many of the keys must sign (default 1)' },
    'valid-for': {
      type: 'string',
      value: '<duration>',
      help: `how long the request is valid (default ${DEFAULT_REQUEST_VALIDITY})`,
    },
    ...DEVELOPER_KEY_SOURCES,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Writes a request that the index admins take in at their next claim ceremony: the project name
  (normalized as PEP 503 does), the public keys, the threshold (default 1), your contact, when it
  was made and when it expires, signed by every key listed (proof that you hold each one).
  --key token:<holder> uses your key on a PKCS#11 token (the "developer" key of --profile).
  Key file passphrases are asked without echo, or read from --passphrase-file (one per key file, in order).`,
});

export const check = declare({
  name: ['dev', 'check'],
  summary:
    'as a developer: confirm the published metadata delegates your project to exactly your keys (or raise the alarm)',
  options: {
    project: { type: 'string', value: '<name>', help: 'your project', required: true },
    key: {
      type: 'string',
      value: '<public key file>',
      multiple: true,
      help: 'one of your public keys',
      required: true,
    },
    metadata: { ...METADATA, help: 'the folder of published metadata (from dev fetch), or --url' },
    url: {
      type: 'string',
      value: '<metadata base URL | folder>',
      help: 'fetch the metadata from here first, as dev fetch does (instead of --metadata)',
    },
    root: { ...TRUSTED_ROOT, required: true },
    threshold: { ...THRESHOLD, help: 'the threshold you expect' },
    state: CLIENT_STATE,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Verifies the metadata folder (or what --url serves, fetched as dev fetch does) from the trusted
  root, trusting nothing the index says, then says how the project is delegated:
    claimed            by the offline claimed role to exactly these keys (and --threshold): exit 0
    recently-claimed   only by the online recently-claimed role, to these keys: exit 0
    other-keys         to other keys or another threshold: ALARM, exit 3
    absent             in neither: exit 3`,
});

export const pubkey = declare({
  name: ['dev', 'pubkey'],
  summary: 'developer: print (or write) the public key of your encrypted key file',
  options: {
    out: { type: 'string', value: '<new file>', help: 'write the public key to this new file instead of printing it' },
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'key file', count: 'one' }],
  details: `  Reads the public part of a key file made by \`dev keygen\` (no passphrase asked) and prints it as
  TUF key JSON, or writes it to --out (never overwritten), with its keyid. Every command that takes
  a public key file also takes the key file itself.`,
});

/** How long a project's role stays valid when --valid-for is not given. */
export const DEFAULT_ROLE_VALIDITY = '365d';

export const sign = declare({
  name: ['dev', 'sign'],
  summary:
    "developer: sign your project's role for a release and write the upload (PEP 480: metadata/, targets/, .zip)",
  options: {
    project: { type: 'string', value: '<name>', help: 'your project (normalized as PEP 503 does)', required: true },
    files: {
      type: 'string',
      value: '<file>',
      multiple: true,
      help: "a file of the release (repeat, or give a shell glob's files one by one: --files dist/a --files dist/b)",
      required: true,
    },
    key: {
      type: 'string',
      value: '<key file | token:<holder>>',
      multiple: true,
      help: 'a key that signs the role (as many as your threshold needs)',
      required: true,
    },
    out: {
      type: 'string',
      value: '<new folder>',
      help: 'the upload folder to write; <new folder>.zip is written beside it',
      required: true,
    },
    metadata: {
      ...METADATA,
      help: "the index's published metadata (from dev fetch): your delegation's paths and keys, and the published role",
    },
    root: { ...TRUSTED_ROOT, help: 'the root you trust (with --metadata)' },
    previous: {
      type: 'string',
      value: '<N.project.json>',
      help: 'your previous role, when not read from --metadata (its files are kept, the version goes one up)',
    },
    paths: {
      type: 'string',
      value: '<pattern>',
      multiple: true,
      help: 'your delegated path patterns without --metadata (default <project>/*)',
    },
    version: { type: 'string', value: 'N', help: 'the version to sign (default: one above the previous, or 1)' },
    'valid-for': {
      type: 'string',
      value: '<duration>',
      help: `how long the role is valid (default ${DEFAULT_ROLE_VALIDITY})`,
    },
    ...DEVELOPER_KEY_SOURCES,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Builds your project's role (a TUF targets role named after the project) for a release: each
  file at its target path under your delegated paths (my-project/* gives my-project/<file name>),
  with its length, sha256 and blake2b-256; the previous role's files kept; version one above the
  previous; expiry --valid-for from now. Shows what it will sign and the payload digest, signs with
  every --key, verifies each signature, and writes the upload layout PEP 480 describes:
  <out>/metadata/N.<project>.json and <out>/targets/<target path>, and <out>.zip of the same.
  With --metadata and --root, your delegation (paths, keys, threshold) and your published role come
  from the index's metadata, verified from your trusted root, and the upload is checked as the index
  checks it (tuf-ceremony upload check) before anything is written: a refusal writes nothing (exit 3).`,
});

export const fetchMetadata = declare({
  name: ['dev', 'fetch'],
  summary: "developer: fetch and verify the index's metadata for your project into a folder (TUF client, spec 5.3-5.6)",
  options: {
    url: {
      type: 'string',
      value: '<metadata base URL | folder>',
      help: 'where the metadata is published: http(s)://…, file://…, or a folder',
      required: true,
    },
    root: { ...TRUSTED_ROOT, required: true },
    project: { type: 'string', value: '<name>', help: 'your project', required: true },
    out: { type: 'string', value: '<new folder>', help: 'the folder to write (never overwritten)', required: true },
    state: CLIENT_STATE,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  A TUF client refresh (specification 5.3 to 5.6) from the root you trust: every newer root, then
  timestamp.json, the snapshot it lists, targets, claimed (or the bins that can hold your project),
  recently-claimed and your project's role, each verified before the next is asked for, each
  capped in size and time. Writes them, under the names the index publishes, into a new folder
  that dev check, dev sign, verify-download and upload check read. Refused (exit 3, nothing
  written) when anything does not verify: a tampered, rolled-back, expired or oversized file.
  Where the first trusted root comes from: docs/developer-guide.md, "The root you trust".`,
});
