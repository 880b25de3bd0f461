/** Declarations of the token commands. */
import { declare } from '../../declaration.js';
import { JSON_OUTPUT, PROFILE } from '../../options.js';

/** The PKCS#11 module used when neither --module nor --profile names one: SoftHSM2's. */
export const DEFAULT_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export const list = declare({
  name: ['token', 'list'],
  summary: 'list PKCS#11 slots, tokens (label, serial, PIN state) and their keys with TUF keyids',
  options: {
    module: { type: 'string', value: '<PKCS#11 module>', help: `the module to load (default ${DEFAULT_MODULE})` },
    profile: { ...PROFILE, help: "the token profile: its module, and each holder's name in the keyids" },
    login: {
      type: 'boolean',
      help: "log in to each holder's token (PIN from the profile's env/file, or asked) to show its private keys' attributes",
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Each key's capabilities are shown as the token reports them: sign, decrypt, unwrap, derive on
  its private key, verify, encrypt, wrap, derive on its public key. Private keys are visible only
  after a login (--login with --profile). A key that can also decrypt, unwrap or derive gets a
  warning: it was made by another tool for more than signing (docs/tokens.md).`,
});
