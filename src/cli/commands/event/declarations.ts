/** Declarations of the signing-event commands (docs/formats/event.md). */
import { declare } from '../../declaration.js';
import { STATE_EXIT_CODES } from '../../exit-codes.js';
import { AT, JSON_OUTPUT, NO_QR, PROFILE, REPO } from '../../options.js';

const EVENT = { name: 'event', count: 'one' } as const;

/** The other way to trust an event's base/ than a repository copy (docs/formats/event.md, "The summary from trusted data"). */
const TRUSTED_ROOT = {
  type: 'string',
  value: '<root.json>',
  help: "a root you trust: the event's base/ is verified from it (signatures, versions) before anything is shown",
} as const;

export const show = declare({
  name: ['event', 'show'],
  summary: 'show what a signing event changes, who must sign, and the payload digests (hex, words, QR)',
  options: {
    repo: {
      ...REPO,
      help: "your repository copy: verified from its first root, and the event's base must be its current metadata (exit 3 if not)",
    },
    root: TRUSTED_ROOT,
    unverified: {
      type: 'boolean',
      help: "without --repo or --root: show what the medium's own base/ says, headed UNVERIFIED (never to sign from)",
    },
    'no-qr': NO_QR,
    all: {
      type: 'boolean',
      help: "every delegation, role by role, and each role's payload digest (on a terminal, without it, the summary fits a 50-line screen)",
    },
    raw: {
      type: 'boolean',
      help: 'print every field that differs from the versions replaced, values whole (canonical JSON)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [EVENT],
  details: `  What changes is computed against your own trust: --repo (your repository copy) or --root (a root
  you trust), against which the event's base/ is verified first (exit 3 when it does not verify).
  With neither, nothing is shown (exit 5), unless --unverified asks for the medium's own view.`,
});

export const sign = declare({
  name: ['event', 'sign'],
  summary: "sign every role of a signing event that the admin's token key is authorized for",
  options: {
    profile: { ...PROFILE, required: true },
    holder: { type: 'string', value: '<admin>', help: 'the admin who signs' },
    holders: { type: 'string', value: '<a,b,c>', help: 'several admins who sign in turn at this machine' },
    confirm: {
      type: 'string',
      value: '<event digest>',
      multiple: true,
      help: 'the event digest that event show prints, for runs without a terminal',
    },
    repo: {
      ...REPO,
      help: "your repository copy, against which the event is verified first; records each admin's signing in its transcript",
    },
    root: TRUSTED_ROOT,
    plan: {
      type: 'string',
      value: '<plan.json>',
      help: 'a ceremony plan whose roles.<role>.sign_only also applies (with --repo, its plan applies too)',
    },
    qr: { type: 'boolean', help: 'a QR code of the event digest after the summary, for a phone or a second machine' },
    'no-qr': { ...NO_QR, help: 'no QR code (the default; kept for scripts written before --qr)' },
    json: JSON_OUTPUT,
  },
  positionals: [EVENT],
  details: `  Shows the summary (on a terminal it fits a 50-line screen; event show --all has every detail),
  then for each admin prints the event digest (over every role's payload SHA-256) and asks for its
  words at 6 positions drawn at random, before the PIN. Without a terminal, --confirm must give the
  event digest (or, as before, the full payload SHA-256 of every role to be signed), or nothing is
  signed (exit 5).
  Before anything is signed, the event's base is verified from --repo (your repository copy) or
  --root (a root you trust); with neither, or when the repository moved on, nothing is signed (exit 5).
  At a terminal a mistyped confirmation or a wrong PIN is asked again (3 tries; a PIN from the
  profile's env or file is tried once), and "insert the token of <admin>" waits for that token.
  With --holders, one admin's failure does not stop the others: the run ends with who signed, who
  did not, and the command that goes on (exit code of the first failure); run again, it skips those
  who signed. Ctrl-C exits 130 with one line saying the same.
  --repo records each admin's signing in that repository's transcript.
  Right after each login, a key that can also decrypt, unwrap or derive gets a warning; when the
  plan (--plan, or --repo's) sets roles.<role>.sign_only, it is refused (exit 5) and it signs nothing.`,
});

export const merge = declare({
  name: ['event', 'merge'],
  summary: 'add the signatures from copies of a signing event carried back from other machines',
  options: {
    repo: { ...REPO, help: 'the repository state folder (records the merge in its transcript)' },
    json: JSON_OUTPUT,
  },
  positionals: [EVENT, { name: 'copy of the event', count: 'many' }],
  details: '  Copies whose payload differs from <event> are refused; every signature taken is verified.',
});

export const status = declare({
  name: ['event', 'status'],
  summary: 'show have/need for every threshold of a signing event and who is missing',
  options: { json: JSON_OUTPUT },
  positionals: [EVENT],
  details: `  Exit code 0 when every threshold is met, ${STATE_EXIT_CODES['event-incomplete']} while signatures are still missing.`,
});

export const finalize = declare({
  name: ['event', 'finalize'],
  summary: 'verify a fully signed event as a client would and write it into the repository state',
  options: { repo: { ...REPO, required: true }, at: AT, json: JSON_OUTPUT },
  positionals: [EVENT],
  details: `  Only when every threshold is met; verifies against the repository's own metadata and from its
  first root as a client would; writes N.<role>.json and never overwrites a version.`,
});
