/** Declarations of the commands for keys on a holder's token (docs/formats/token-profile.md). */
import { declare } from '../../declaration.js';
import { JSON_OUTPUT, PROFILE } from '../../options.js';

const HOLDER = {
  type: 'string',
  value: '<name>',
  help: 'the holder, as the profile names them',
  required: true,
} as const;

export const generate = declare({
  name: ['key', 'generate'],
  summary: "generate a non-extractable key pair on a holder's token and show its keyid as hex, words and QR",
  options: {
    profile: { ...PROFILE, required: true },
    holder: HOLDER,
    type: { type: 'string', value: 'ed25519|ecdsa-p256|rsa-3072', help: 'the key type', required: true },
    label: { type: 'string', value: '<key label>', help: 'the label of the new key on the token', required: true },
    purpose: {
      type: 'string',
      value: 'root|targets|claimed|developer',
      help: 'what the key is for (the profile should name it)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
});

export const exportKey = declare({
  name: ['key', 'export'],
  summary: 'write the TUF public key of a token key to a new file (never overwrites)',
  options: {
    profile: { ...PROFILE, required: true },
    holder: HOLDER,
    purpose: { type: 'string', value: '<purpose>', help: 'the key the profile names for this purpose (or --label)' },
    label: { type: 'string', value: '<key label>', help: 'the key with this label (or --purpose)' },
    out: { type: 'string', value: '<new file>', help: 'the public key file to write', required: true },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: '  Give exactly one of --purpose and --label.',
});
