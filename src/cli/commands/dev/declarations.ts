/** Declarations of the developer commands (docs/developer-guide.md). */
import { declare } from '../../declaration.js';
import { AT, CLIENT_STATE, JSON_OUTPUT, METADATA, PROFILE, THRESHOLD, TRUSTED_ROOT } from '../../options.js';

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
    profile: { ...PROFILE, help: 'the token profile (for --key token:<holder>)' },
    'passphrase-file': {
      type: 'string',
      value: '<file>',
      multiple: true,
      help: 'the passphrase of a key file, one per key file in order',
    },
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
    metadata: { ...METADATA, required: true },
    root: { ...TRUSTED_ROOT, required: true },
    threshold: { ...THRESHOLD, help: 'the threshold you expect' },
    state: CLIENT_STATE,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Verifies the metadata folder from the trusted root (no network, no trust in the index), then
  says how the project is delegated:
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
