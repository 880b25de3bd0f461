/** Declarations of the top-level commands (implemented in commands/<verb>.ts). */
import { declare } from '../declaration.js';
import { STATE_EXIT_CODES } from '../exit-codes.js';
import {
  AT,
  CLIENT_STATE,
  JSON_OUTPUT,
  METADATA,
  NEW_EVENT,
  PROFILE,
  REPO,
  THRESHOLD,
  TRUSTED_ROOT,
  WITHIN,
} from '../options.js';

export const verify = declare({
  name: ['verify'],
  summary: 'verify a metadata folder from a trusted root, as a TUF client would (no network)',
  options: { root: { ...TRUSTED_ROOT, required: true }, at: AT, json: JSON_OUTPUT },
  positionals: [{ name: 'metadata folder', count: 'one' }],
  details:
    'Exit 0 when everything holds, 3 naming each file that fails and why. --json lists every delegated role that has no file here.\n' +
    'Prints the SHA-256 of the trusted root (hex and words): compare it with the one the ceremony published.',
});

export const verifyDownload = declare({
  name: ['verify-download'],
  summary:
    'check a file downloaded from the index (pip download, curl) by the trusted metadata: accept (exit 0) or reject (exit 3, reason on stderr)',
  options: {
    metadata: { ...METADATA, required: true },
    root: { ...TRUSTED_ROOT, required: true },
    'target-path': {
      type: 'string',
      value: '<path>',
      help: 'the target path, instead of the one taken from the file name',
    },
    'simple-page': {
      type: 'string',
      value: '<file>',
      help: "the project's simple page (PEP 503 HTML or PEP 691 JSON): verified as the project's target, then the file checked by the hash it lists",
    },
    'allow-yanked': {
      type: 'boolean',
      help: 'with --simple-page, accept a file the page marks yanked (PEP 592: only when the requirement pins its version)',
    },
    state: CLIENT_STATE,
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [
    { name: 'file', count: 'one' },
    { name: 'url', count: 'optional' },
  ],
  details: `  The file name is the URL's last path component, or the file's own name without a URL. The
  target path is <project>/<file name>, the project read from the wheel or sdist file name and
  normalized as PEP 503 does (docs/pip.md, "Target paths"); for any other file, the URL's last
  components, as many as the repository's target path patterns have; or --target-path.
  With --simple-page (Warehouse's model): the page is the target at the project's name (or
  --target-path), and the file must match every hash the verified page lists for its name; a
  file the page marks yanked is refused unless --allow-yanked.
  The role trusted for a target is found through the delegation chain (terminating delegations end
  the search), and its length and every listed hash must match. Exit 0: accept; 3: reject.`,
});

export const init = declare({
  name: ['init'],
  summary: 'bootstrap: generate admin keys on tokens and prepare root, targets and claimed v1 as a signing event',
  options: {
    plan: { type: 'string', value: '<plan.json>', help: 'the reviewed ceremony plan', required: true },
    profile: { ...PROFILE, required: true },
    repo: { ...REPO, value: '<new state folder>', help: 'the repository state folder to create', required: true },
    event: { ...NEW_EVENT, help: 'the signing event folder (default: <repo>/events/bootstrap)' },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Checks the whole plan and its key files, generates (or imports) each admin's keys on their
  tokens, writes the repository state folder and a signing event holding root v1, targets v1 and
  an empty claimed v1 (default event folder: <repo>/events/bootstrap). Nothing is signed yet.
  At a terminal it waits for each admin's token and asks again after a wrong PIN. Stopped half-way
  (a token missing, three wrong PINs, Ctrl-C, a power cut), the same command goes on: the keys it
  made are read back from the tokens and matched with <repo>/init-journal.json, never made twice;
  any other key under a planned label is refused.`,
});

export const claim = declare({
  name: ['claim'],
  summary: 'take in developer key-delegation requests and propose claimed N+1 as a signing event (PEP 480)',
  options: {
    repo: { ...REPO, required: true },
    event: { ...NEW_EVENT, required: true },
    requests: { type: 'string', value: '<folder>', help: 'the folder of request files', required: true },
    'recently-claimed': {
      type: 'string',
      value: '<file>',
      help: "the online service's recently-claimed metadata (default: the newest in <repo>/online/)",
    },
    'no-online-check': {
      type: 'string',
      value: '<reason>',
      help: 'take requests without a recently-claimed list, saying why (recorded in the report, event and transcript)',
    },
    'allow-rekey': { type: 'boolean', help: 'accept requests that change the keys of a project already claimed' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Reads every file of the requests folder, checks each request (name, keys, threshold, proofs of
  possession, created/expires). It verifies the online service's recently-claimed metadata
  (--recently-claimed, or else the newest one a bundle brought into <repo>/online/, if any) with
  the key targets delegates it to, and requires each new project to be registered there with the
  same keys. Without such a list it refuses (exit 5) unless --no-online-check <reason> says why;
  then the report, the event and the transcript say the online registration was not checked.
  Two requests for one project with different keys are both rejected, whatever the online list
  says. Each request file's SHA-256 is shown (hex and words) to compare with what its developer
  sent by another channel. Decides per project: add, re-key (only with
  --allow-rekey), unchanged, or rejected with a reason. Prints the report and writes a signing
  event with claimed N+1 (and, for a sharded claimed role, each changed bin).
  Then: tuf-ceremony event show / event sign / event finalize on the event.`,
});

export const revoke = declare({
  name: ['revoke'],
  summary: 'revoke a compromised developer key or a project delegation from claimed (PEP 480)',
  options: {
    repo: { ...REPO, required: true },
    event: { ...NEW_EVENT, required: true },
    project: { type: 'string', value: '<name>', help: 'the project', required: true },
    key: {
      type: 'string',
      value: '<keyid>',
      help: 'the developer key to remove (a full keyid, or 8 or more of its first hex digits)',
    },
    reason: { type: 'string', value: '<text>', help: 'why, for the event description and the transcript' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  PEP 480 "In the Event of a Key Compromise": a signing event for claimed N+1 (or the project's
  bin) without the developer key --key (a full keyid, or 8 or more of its first hex digits), or
  without the project's delegation at all when --key is not given. Refused when the project would
  keep fewer keys than its threshold: revoke the whole project, or take a re-key request instead.`,
});

export const status = declare({
  name: ['status'],
  summary:
    'the repository at a glance: roles, keys and holders, claimed projects, pending events, bundles, transcript head',
  options: {
    repo: { ...REPO, required: true },
    'all-keys': { type: 'boolean', help: 'list every key of every role (else the first 7 of each)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Every role with its version, expiry and days left, threshold and keys (holder, key type, full
  keyid, and the token serial the transcript recorded for it); the claimed role's projects and
  bins; each signing event made and not finalized, with have/need when its folder is here; the
  last bundle exported and imported; token deviations accepted at init; the transcript's head
  as hex and words. Reads only. Exit 0, or 3 when the transcript's chain does not hold.`,
});

export const expiry = declare({
  name: ['expiry'],
  summary: 'report every offline role with its expiry, days left and the signers a renewal needs (exit 10/11 when due)',
  options: { repo: { ...REPO, required: true }, within: WITHIN, at: AT, json: JSON_OUTPUT },
  positionals: [],
  details: `Exit codes (for a reminder job):
  0   nothing expires within the window
  ${STATE_EXIT_CODES['expiry-due']}  a role expires within the window: prepare a re-sign (tuf-ceremony resign)
  ${STATE_EXIT_CODES['expiry-expired']}  a role has already expired: clients refuse it now
  2-5 and 1 as for every command (usage, verification, token, refused, internal)`,
});

export const resign = declare({
  name: ['resign'],
  summary: 'prepare a re-sign event: new version and expiry, no content change, for roles expiring soon',
  options: {
    repo: { ...REPO, required: true },
    event: { ...NEW_EVENT, required: true },
    within: WITHIN,
    role: {
      type: 'string',
      value: '<role>',
      multiple: true,
      help: 'renew this role (instead of those expiring within the window)',
    },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Every offline role expiring within the window (default: the plan's expiry_warning) gets version
  N+1 and expiry = --at + its period from the plan, content otherwise unchanged. --role picks roles
  explicitly instead. Then: tuf-ceremony event show / event sign / event finalize on the event.`,
});

export const rotate = declare({
  name: ['rotate'],
  summary: 'prepare a key rotation event for root, targets or claimed (guard rails on thresholds and keys)',
  options: {
    repo: { ...REPO, required: true },
    role: { type: 'string', value: 'root|targets|claimed', help: 'the role whose keys change', required: true },
    event: { ...NEW_EVENT, required: true },
    add: {
      type: 'string',
      value: '[<holder>=]<public key file>',
      multiple: true,
      help: 'a key to add (a TUF public key file, as key export writes)',
    },
    'add-token': {
      type: 'string',
      value: '<holder>[:<key label>]',
      multiple: true,
      help: "a key to add, read from the holder's token (needs --profile)",
    },
    profile: { ...PROFILE, help: 'the token profile (for --add-token)' },
    remove: { type: 'string', value: '<keyid>', multiple: true, help: 'a key to remove' },
    threshold: { ...THRESHOLD, help: 'the new threshold' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  root: root N+1, signed by a threshold of the old root keys AND of the new ones.
  targets: a root change (root N+1), and targets N+1 re-signed by the new targets keys.
  claimed: a targets change (targets N+1), and claimed N+1 re-signed by the new claimed keys.
  Key files are TUF public keys (tuf-ceremony key export); <holder>= names the holder when the file does not.
  --add-token logs in to the holder's token (PIN from the profile, or asked) and reads the key (default
  label: the profile's for the role). A key that can also decrypt, unwrap or derive gets a warning, and is
  refused (exit 5) when the repository's plan sets roles.<role>.sign_only (docs/tokens.md).`,
});

export const recover = declare({
  name: ['recover'],
  summary: 'plan the recovery from a compromised key (PEP 480) and prepare its signing event',
  options: {
    repo: { ...REPO, required: true },
    compromised: {
      type: 'string',
      value: '<role>[,<role>]',
      multiple: true,
      help: 'the roles whose keys are compromised',
    },
    'new-key': {
      type: 'string',
      value: '<role>=[<holder>=]<public key file>',
      multiple: true,
      help: 'a new key for a role',
    },
    threshold: { type: 'string', value: '<role>=N', multiple: true, help: 'a new threshold for a role' },
    event: { ...NEW_EVENT, help: 'write the recovery event here (else only the plan is printed)' },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  <role>: timestamp, snapshot, recently-claimed, unclaimed (online keys), targets, claimed, root.
  Without --event: print the plan (which roles change, which keys are replaced, which new keys are
  needed, the steps left to the online service). With --event and every new key: write the event.`,
});

export const rehearsal = declare({
  name: ['rehearsal'],
  summary: 'rehearse the whole ceremony on fresh SoftHSM tokens in a new folder, and verify the result',
  options: {
    out: { type: 'string', value: '<new folder>', help: 'the folder to rehearse in', required: true },
    plan: { type: 'string', value: '<plan.json>', help: 'the plan (default: ceremony-scripts/rehearsal-plan.json)' },
    profile: {
      ...PROFILE,
      value: '<SoftHSM profile>',
      help: 'the SoftHSM profile (default: ceremony-scripts/rehearsal-profile.json)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Makes three SoftHSM tokens and runs the bootstrap (2-of-3 root and claimed), developer requests,
  a claimed role signed at two "machines" and merged, a bundle export and its verification, all
  inside --out. Defaults: ceremony-scripts/rehearsal-plan.json and rehearsal-profile.json.`,
});

export const selfCheck = declare({
  name: ['self-check'],
  summary: 'check the installed release against its MANIFEST and print its digest to compare with SHA256SUMS',
  options: {
    root: {
      type: 'string',
      value: '<unpacked release>',
      help: 'the release folder (default: the one this command runs from)',
    },
    json: JSON_OUTPUT,
  },
  positionals: [],
  details: `  Checks every file of the installed release (default: the one this command runs from) against
  its MANIFEST, loads the PKCS#11 addon, and prints the MANIFEST's SHA-256 (the release digest)
  for two people to compare with the published SHA256SUMS. Exit 0 when everything matches, 3
  naming the first file that differs.`,
});
