/**
 * A second opinion on hostile repositories. Each case is an honest PEP 480 repository (root →
 * targets → claimed, flat or through hashed bins → example-project; recently-claimed online) with
 * one mutation. The repository is served on 127.0.0.1 to a fresh tuf-js client, which is asked for
 * one target, and the tool's downstream commands run on the same folder:
 *   verify-download   must give the client's verdict on the offered file;
 *   verify            the verdict on the whole folder (refused when the client refuses for the
 *                     metadata; accepted when only the search for one target comes up empty);
 *   dev check         for example-project with the developer's key, where it is concerned.
 * The tool always answers with exit 0 or 3 (never an internal error, never a usage error for a
 * hostile folder) and no stack trace. Where the client departs from the TUF specification, the
 * expected verdict is the specification's (python-tuf's) and the departure is asserted as such; where
 * the tool is deliberately stricter than the clients, the case says why.
 */
import { constants, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PemSigner } from '../../src/keys/software-signer.js';
import { Key } from '../../src/tuf/model/key.js';
import { MetaFile } from '../../src/tuf/model/metadata.js';
import { Delegations, SuccinctRoles } from '../../src/tuf/model/roles.js';
import type { Signer } from '../../src/tuf/model/signer.js';
import { clientVerdict, RepoServer, toolRuns } from './hostile/harness.js';
import {
  addDelegation,
  delegation,
  delegations,
  ecdsaSigner,
  EVIL,
  FAR,
  HONEST,
  HONEST_PATH,
  honestRepo,
  PAST,
  PROJECT,
  reencoded,
  RepoKeys,
  roleFile,
  signerAs,
  SUCCINCT_PREFIX,
  signRole,
  signSnapshot,
  targetFile,
  writeRepo,
  type Layout,
  type RepoDraft,
  type RoleDraft,
  type WrittenRepo,
} from './hostile/repo.js';

type Answer = 'accept' | 'refuse';

interface HostileCase {
  /** What must happen, as a sentence. */
  name: string;
  layout?: Layout;
  /** Change the honest draft before it is written. */
  draft?: (d: RepoDraft) => void;
  /** Change the written files. */
  files?: (r: WrittenRepo) => void | Promise<void>;
  target?: string;
  /** The file the tool is asked about; the client's verdict is whether it installs exactly these bytes. */
  offer?: Uint8Array;
  /** What a client that follows the TUF specification (python-tuf) does. */
  client: Answer;
  /** tuf-js departs from the specification here and gives the other verdict, for this reason. */
  tufjsDeparts?: string;
  /** verify-download refuses although clients accept, deliberately, for this reason. */
  downloadStricter?: string;
  /** verify's verdict on the whole folder. */
  verify: Answer;
  /** dev check's verdict for example-project with the developer's key; not asked when undefined. */
  dev?: Answer;
  /** Why verify or dev check refuse although the clients accept (the tool is stricter). */
  stricter?: string;
  /**
   * Why verify accepts a folder the clients refuse, and what its report must then say: verify
   * audits a folder that may be an offline repository, which has no timestamp of its own.
   */
  verifyAudit?: { why: string; note: RegExp };
  /** Which developer key dev check is given. */
  devKey?: 'ed25519' | 'ecdsa';
  /** What a refusal names (a file or a role). */
  names?: RegExp;
  /** verify-download answers within this many milliseconds. */
  withinMs?: number;
}

const keys = new RepoKeys();

/** One RSA key as two signers: under rsassa-pss-sha256 and under rsa-pkcs1v15-sha256 (two keyids). */
const rsaUnderTwoSchemes: [Signer, Signer] = (() => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pss = new PemSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const pkcs1Key = new Key('rsa', 'rsa-pkcs1v15-sha256', { public: pss.key.publicValue });
  const pkcs1: Signer = {
    key: pkcs1Key,
    sign: async (payload) => nodeSign('sha256', payload, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }),
  };
  return [pss, pkcs1];
})();

/** A key of a scheme no implementation knows, whose keytype and scheme would rewrite the screen. */
const escapingKey = new Key('\u001b[2J\u001b[Hsphincs', 'sphincs\u001b]0;all verified\u0007\r\u001b[32mOK', {
  public: 'x',
});
const ecdsaDeveloper = ecdsaSigner();

const role = (d: RepoDraft, name: string): RoleDraft => d.roles.get(name)!;
const project = (d: RepoDraft) => role(d, PROJECT);
const projectDelegation = (signers: Signer[] = [keys.developer], terminating = true) =>
  delegation(PROJECT, signers, { terminating, paths: [`${PROJECT}/*`] });
const empty = (signers: RoleDraft['signers']): RoleDraft => ({ version: 1, expires: FAR, targets: new Map(), signers });

/** recently-claimed (online, held by the attacker) delegates `name` to the attacker's key for `paths`. */
function onlineDelegates(d: RepoDraft, name: string, paths = [`${PROJECT}/*`]): void {
  addDelegation(role(d, 'recently-claimed'), delegation(name, [keys.attacker], { paths }));
}

/** recently-claimed delegates `name` (for `paths`) to the attacker, whose role lists EVIL as `path`. */
function onlineLists(d: RepoDraft, path: string, name = 'evil-role', paths = [`${PROJECT}/*`]): void {
  onlineDelegates(d, name, paths);
  d.roles.set(name, { ...empty([keys.attacker]), targets: new Map([[path, targetFile(EVIL)]]) });
  d.targetFiles.push([path, EVIL]);
}

/** The attacker's own file for example-project, listing the back-doored release. */
function attackerProject(d: RepoDraft, signer = keys.attacker): void {
  project(d).signers = [signer];
  project(d).targets = new Map([[HONEST_PATH, targetFile(EVIL)]]);
  d.targetFiles.push([HONEST_PATH, EVIL]);
}

/** claimed v2 delegates example-project to the current developer key; v1 delegated it to the revoked one. */
function claimedAtV2(d: RepoDraft): void {
  role(d, 'claimed').version = 2;
  d.targetFiles.push([HONEST_PATH, EVIL]);
}

/** The attacker serves claimed v1 as `claimedFile`, and a project file signed by the revoked key. */
async function revokedKeyBack(r: WrittenRepo, claimedFile: string, projectVersion: number): Promise<void> {
  r.write(
    claimedFile,
    await signRole({ ...empty(keys.claimed), delegations: delegations([projectDelegation([keys.revokedDeveloper])]) }),
  );
  const files = new Map([[HONEST_PATH, targetFile(EVIL)]]);
  r.write(
    roleFile(PROJECT, projectVersion),
    await signRole({ ...empty([keys.revokedDeveloper]), version: projectVersion, targets: files }),
  );
}

/** Snapshot lists lengths and hashes, and the entry of `name` is changed. */
function editSnapshotEntry(d: RepoDraft, name: string, edit: (m: MetaFile) => MetaFile): void {
  d.snapshot.withHashes = true;
  d.snapshot.edit = (meta) => meta.set(`${name}.json`, edit(meta.get(`${name}.json`)!));
}

/** The client refuses for the metadata, and so do verify and dev check, naming `names`. */
const refused = (names: RegExp) => ({ client: 'refuse', verify: 'refuse', dev: 'refuse', names }) as const;

const DOCS = 'example-project docs%';
const DOCS_PATH = 'example-project-docs/index.html';
const DOCS_NEW = Buffer.from('<p>docs 2</p>\n');
const DOCS_OLD = Buffer.from('<p>docs 1, with the script injection</p>\n');
function withDocsRole(d: RepoDraft, version: number): void {
  addDelegation(
    role(d, 'claimed'),
    delegation(DOCS, [keys.developer], { terminating: true, paths: ['example-project-docs/*'] }),
  );
  d.roles.set(DOCS, { ...empty([keys.developer]), version, targets: new Map([[DOCS_PATH, targetFile(DOCS_NEW)]]) });
  d.targetFiles.push([DOCS_PATH, DOCS_NEW], [DOCS_PATH, DOCS_OLD]);
}

const EMOJI_PATH = `${PROJECT}/\u{1F600}.tar.gz`;
const LONG_PATH = `${PROJECT}/${'a'.repeat(46)}`;
const LATER_PATH = `${PROJECT}/${PROJECT}-2.0.tar.gz`;
const OTHER_PATH = 'other-project/other-project-1.0.tar.gz';

/** claimed delegates 33 roles, all for example-project's paths and none terminating; role `at` lists the target. */
function manyRoles(d: RepoDraft, at: number): void {
  const names = [...Array(33).keys()].map((i) => `mirror-${String(i + 1).padStart(2, '0')}`);
  role(d, 'claimed').delegations = delegations(
    names.map((n) => delegation(n, [keys.developer], { paths: [`${PROJECT}/*`] })),
  );
  d.roles.delete(PROJECT);
  names.forEach((n, i) =>
    d.roles.set(n, {
      ...empty([keys.developer]),
      targets: i + 1 === at ? new Map([[HONEST_PATH, targetFile(HONEST)]]) : new Map(),
    }),
  );
}

const NO_TIMESTAMP_AUDIT = {
  why:
    'verify audits a folder that may be the offline repository, which has no timestamp or ' +
    'snapshot (docs/decisions/0006-trusted-set.md, "Two modes"); verify-download and dev ' +
    'check are the client side and refuse',
  note: /no freshness or rollback protection/,
};
const BAD_NAME =
  'a metadata folder holding a file whose name is not the percent-encoding of a role name, ' +
  'or not UTF-8, is refused naming that file: no client could ask for it by that name, and ' +
  'a mirror serving it is broken or hostile';

const CASES: HostileCase[] = [
  // Honest baselines: both accept, or the builder is wrong.
  { name: 'an honest repository with claimed flat is accepted', client: 'accept', verify: 'accept', dev: 'accept' },
  {
    name: 'an honest repository with claimed in succinct hash bins (TAP 15) is accepted',
    layout: 'succinct',
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
  },
  {
    name: 'an honest repository with claimed in path_hash_prefixes bins (PEP 458) is accepted',
    layout: 'hashed',
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
  },
  {
    name: 'an honest project signed with an ECDSA P-256 developer key is accepted',
    draft: (d) => {
      role(d, 'claimed').delegations = delegations([projectDelegation([ecdsaDeveloper])]);
      project(d).signers = [ecdsaDeveloper];
    },
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
    devKey: 'ecdsa',
  },

  // 1. The online role re-delegates a claimed project's name (spec 5.6.7: the delegator on the
  //    depth-first search path decides, here the claimed bin).
  ...(['succinct', 'hashed', 'flat'] as const).map((layout): HostileCase => ({
    name: `recently-claimed delegating example-project to the attacker does not make the attacker's file trusted (claimed ${layout})`,
    layout,
    draft: (d) => {
      onlineDelegates(d, PROJECT);
      attackerProject(d);
    },
    offer: EVIL,
    ...refused(/example-project/),
  })),
  {
    name: 'the claimed bin, first on the depth-first path, decides example-project even when recently-claimed also delegates it',
    layout: 'succinct',
    draft: (d) => onlineDelegates(d, PROJECT),
    client: 'accept',
    verify: 'accept',
    dev: 'refuse',
    stricter:
      'dev check: recently-claimed names another key for a claimed project, and the developer ' +
      "must hear it; verify agrees with the client (the claimed bin's delegation comes first " +
      'and decides) and reports the later delegation as a warning',
    names: /example-project/,
  },

  // 2. One key under two keyids meets a threshold of 2 in python-tuf and tuf-js (they count keyids).
  ...(['compressed-point', 'trailing-text'] as const).map((how): HostileCase => ({
    name:
      'one ECDSA key listed twice ' +
      `(${how === 'compressed-point' ? 'compressed and uncompressed point' : 'PEM with trailing text'}) ` +
      'does not meet a threshold of 2',
    draft: (d) => {
      const twin = signerAs(ecdsaDeveloper, reencoded(ecdsaDeveloper, how));
      role(d, 'claimed').delegations = delegations([
        delegation(PROJECT, [ecdsaDeveloper, twin], { threshold: 2, terminating: true, paths: [`${PROJECT}/*`] }),
      ]);
      project(d).signers = [ecdsaDeveloper, twin];
    },
    client: 'accept',
    downloadStricter:
      'the tool counts each public key once whatever its encoding (decision 0004): one key holder alone cannot meet a threshold of 2',
    verify: 'refuse',
    stricter: 'the same: a threshold of 2 met by one key is refused',
    names: /example-project/,
  })),

  // One RSA key under two schemes (two keyids) as the two keys of a threshold of 2: python-tuf
  // counts keyids and accepts; here one key is one key (decision 0009, "One key under two schemes").
  ...(['flat', 'succinct'] as const).map((layout): HostileCase => ({
    name: `one RSA key listed as rsassa-pss-sha256 and as rsa-pkcs1v15-sha256 does not meet a threshold of 2 (claimed ${layout})`,
    layout,
    draft: (d) => {
      const claimed = d.roles.get('claimed')!;
      const [pss, pkcs1] = rsaUnderTwoSchemes;
      if (layout === 'flat') {
        claimed.delegations = delegations([
          delegation(PROJECT, [pss, pkcs1], { threshold: 2, terminating: true, paths: [`${PROJECT}/*`] }),
        ]);
        project(d).signers = [pss, pkcs1];
        return;
      }
      // Every bin is delegated to the one key, twice, with a threshold of 2 (TAP 15).
      const ids = [pss.key.keyid, pkcs1.key.keyid];
      claimed.delegations = new Delegations(
        new Map([pss, pkcs1].map((s) => [s.key.keyid, s.key])),
        undefined,
        new SuccinctRoles(ids, 2, 2, SUCCINCT_PREFIX),
      );
      for (const [name, r] of d.roles) if (name.startsWith(`${SUCCINCT_PREFIX}-`)) r.signers = [pss, pkcs1];
    },
    client: 'accept',
    tufjsDeparts: 'tuf-js verifies RSA only as rsassa-pss-sha256: the PKCS#1 v1.5 keyid counts for nothing there',
    downloadStricter:
      'one key counts once whatever its scheme (decision 0009): one holder alone meets no threshold of 2',
    verify: 'refuse',
    stricter: 'the same: a threshold of 2 met by one key is refused',
    names: layout === 'flat' ? /example-project/ : /claimed-bins/,
  })),
  {
    name:
      'a developer key of an unknown scheme beside the honest one counts as no signature, and its ' +
      'name, full of terminal escapes, reaches no terminal as such',
    draft: (d) => {
      const odd = { key: escapingKey } as Signer;
      role(d, 'claimed').delegations = delegations([
        delegation(PROJECT, [keys.developer, odd], { terminating: true, paths: [`${PROJECT}/*`] }),
      ]);
    },
    files: (r) => {
      // A signature by the unknown key: nothing can check it, so it counts for nothing (spec 5.3.4).
      const name = roleFile(PROJECT, 1);
      const doc = JSON.parse(readFileSync(join(r.metadata, name), 'utf8'));
      doc.signatures.push({ keyid: escapingKey.keyid, sig: 'ab'.repeat(64) });
      r.write(name, Buffer.from(JSON.stringify(doc)));
    },
    client: 'accept',
    verify: 'accept',
    dev: 'refuse',
    stricter: 'dev check: a key the developer does not hold is listed for their project, which they must hear of',
  },

  {
    name:
      'a developer key of an unknown scheme whose keyval has no "public" (a later scheme\'s own ' +
      'fields) counts as no signature and leaves the repository verifiable',
    draft: (d) => {
      const later = { key: new Key('sphincs', 'sphincs-shake-128s', { root: 'ab'.repeat(16), seed: 'cd' }) } as Signer;
      role(d, 'claimed').delegations = delegations([
        delegation(PROJECT, [keys.developer, later], { terminating: true, paths: [`${PROJECT}/*`] }),
      ]);
    },
    client: 'accept',
    verify: 'accept',
  },

  // 3. Without timestamp there is no freshness and no rollback protection (spec 5.4).
  {
    name: 'a mirror without timestamp, snapshot and the newest claimed does not bring back a revoked developer key',
    draft: claimedAtV2,
    files: async (r) => {
      for (const f of ['timestamp.json', '1.snapshot.json', roleFile('claimed', 2), roleFile(PROJECT, 1)]) r.remove(f);
      await revokedKeyBack(r, roleFile('claimed', 1), 2);
    },
    offer: EVIL,
    client: 'refuse',
    verify: 'accept',
    verifyAudit: NO_TIMESTAMP_AUDIT,
    dev: 'refuse',
    names: /timestamp/,
  },
  {
    name: 'a folder without timestamp.json is refused',
    files: (r) => r.remove('timestamp.json'),
    client: 'refuse',
    verify: 'accept',
    verifyAudit: NO_TIMESTAMP_AUDIT,
    dev: 'refuse',
    names: /timestamp/,
  },
  {
    name: 'a folder without the snapshot timestamp lists is refused',
    files: (r) => r.remove('1.snapshot.json'),
    ...refused(/snapshot/),
  },

  // 4. Snapshot meta keys are the role name as it is; only the file name is percent-encoded.
  {
    name: 'a role whose name has a space and a % is found and verified under its snapshot entry',
    draft: (d) => withDocsRole(d, 1),
    target: DOCS_PATH,
    offer: DOCS_NEW,
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
  },
  {
    name: 'a role whose name has a space and a % cannot be rolled back to a version snapshot does not list',
    draft: (d) => withDocsRole(d, 2),
    files: async (r) => {
      r.remove(roleFile(DOCS, 2));
      r.write(
        roleFile(DOCS, 1),
        await signRole({ ...empty([keys.developer]), targets: new Map([[DOCS_PATH, targetFile(DOCS_OLD)]]) }),
      );
    },
    target: DOCS_PATH,
    offer: DOCS_OLD,
    client: 'refuse',
    verify: 'refuse',
    names: /docs/,
  },

  // 5. Path patterns are fnmatch per component (TUF specification 4.5; decision 0007).
  {
    name: 'the pattern [!] is the literal text "[!]" and delegates nothing else',
    draft: (d) => {
      onlineLists(d, 'x/x-1.0.tar.gz', 'x', ['[!]/*']);
    },
    target: 'x/x-1.0.tar.gz',
    offer: EVIL,
    client: 'refuse',
    verify: 'accept',
    dev: 'accept',
    names: /x\/x-1\.0\.tar\.gz/,
  },
  {
    name: '? matches an emoji (one code point), so the terminating claimed project decides and the online role is never asked',
    draft: (d) => {
      role(d, 'claimed').delegations = delegations([
        delegation(PROJECT, [keys.developer], { terminating: true, paths: [`${PROJECT}/?.tar.gz`] }),
      ]);
      project(d).targets = new Map([[EMOJI_PATH, targetFile(HONEST)]]);
      d.targetFiles.push([EMOJI_PATH, HONEST]);
      onlineLists(d, EMOJI_PATH);
    },
    target: EMOJI_PATH,
    offer: EVIL,
    client: 'refuse',
    tufjsDeparts:
      'tuf-js matches with minimatch, whose ? is one UTF-16 code unit: it skips ' +
      "example-project and installs evil-role's file; python-tuf's fnmatch matches one code point",
    verify: 'accept',
    dev: 'accept',
    names: /example-project/,
  },
  {
    name: 'a reversed range [z-a] matches nothing and the search goes on to the next role',
    draft: (d) => {
      addDelegation(role(d, 'claimed'), delegation('decoy', [keys.developer], { paths: [`${PROJECT}/[z-a]*`] }), true);
      d.roles.set('decoy', empty([keys.developer]));
    },
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
  },
  {
    name: 'a pattern of many stars (*a*a*a…b) is matched in linear time',
    draft: (d) => {
      addDelegation(
        role(d, 'claimed'),
        delegation('decoy', [keys.developer], { paths: [`${PROJECT}/${'*a'.repeat(8)}b`] }),
        true,
      );
      d.roles.set('decoy', empty([keys.developer]));
      project(d).targets = new Map([[LONG_PATH, targetFile(HONEST)]]);
      d.targetFiles.push([LONG_PATH, HONEST]);
    },
    target: LONG_PATH,
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
    // A backtracking regular expression takes seconds on this pattern, and exponentially longer with each star.
    withinMs: 1500,
  },

  // 6. Hostile names in the folder. A client never asks for them; the tool refuses them by name
  //    (docs/decisions/0006-trusted-set.md, "Names"), with exit 3 and never an internal error.
  {
    name: 'a file whose name has a malformed percent escape is refused by name',
    layout: 'hashed',
    files: (r) => r.write('1.claimed-bin-%zz.json', Buffer.from('{}')),
    client: 'accept',
    downloadStricter: BAD_NAME,
    verify: 'refuse',
    dev: 'refuse',
    stricter: BAD_NAME,
    names: /claimed-bin-%zz/,
  },
  {
    name: 'a file whose name is not UTF-8 is refused by name',
    files: (r) => r.write(Buffer.from([0x31, 0x2e, 0xff, 0xfe, 0x2e, 0x6a, 0x73, 0x6f, 0x6e]), Buffer.from('{}')),
    client: 'accept',
    downloadStricter: BAD_NAME,
    verify: 'refuse',
    dev: 'refuse',
    stricter: BAD_NAME,
    names: /UTF-8|312efffe2e6a736f6e/,
  },

  // Rollback, hashes and lengths, expiry (spec 5.4 to 5.6).
  {
    name: 'targets cannot be rolled back to a version snapshot does not list',
    draft: (d) => (role(d, 'targets').version = 2),
    files: async (r) => {
      r.remove(roleFile('targets', 2));
      r.write(roleFile('targets', 1), await signRole({ ...role(r.draft, 'targets'), version: 1 }));
    },
    ...refused(/targets/),
  },
  {
    name: 'snapshot cannot be rolled back under the name of the version timestamp lists',
    draft: (d) => (d.snapshot.version = 2),
    files: async (r) => r.write('2.snapshot.json', await signSnapshot(keys, 1, FAR, r.snapshotMeta)),
    ...refused(/snapshot/),
  },
  {
    name: 'a snapshot whose sha256 differs from the one timestamp lists is refused',
    draft: (d) => (d.timestamp.edit = (m) => new MetaFile(m.version, m.length, { sha256: '0'.repeat(64) })),
    ...refused(/snapshot/),
  },
  {
    name: 'claimed whose length differs from the one snapshot lists is refused',
    draft: (d) => editSnapshotEntry(d, 'claimed', (m) => new MetaFile(m.version, m.length! + 1, m.hashes)),
    ...refused(/claimed/),
  },
  {
    name: 'example-project whose sha256 differs from the one snapshot lists is refused',
    draft: (d) => editSnapshotEntry(d, PROJECT, (m) => new MetaFile(m.version, m.length, { sha256: 'f'.repeat(64) })),
    ...refused(/example-project/),
  },
  { name: 'an expired timestamp is refused', draft: (d) => (d.timestamp.expires = PAST), ...refused(/timestamp/) },
  { name: 'an expired snapshot is refused', draft: (d) => (d.snapshot.expires = PAST), ...refused(/snapshot/) },
  { name: 'an expired targets is refused', draft: (d) => (role(d, 'targets').expires = PAST), ...refused(/targets/) },
  {
    name: 'an expired project role is refused',
    draft: (d) => (project(d).expires = PAST),
    ...refused(/example-project/),
  },
  {
    name: 'a project role fast-forwarded past the version snapshot lists is refused',
    files: async (r) => r.write(roleFile(PROJECT, 1), await signRole({ ...project(r.draft), version: 2 })),
    ...refused(/example-project/),
  },
  {
    name: 'a project role signed by a key claimed did not delegate it to is refused',
    draft: (d) => attackerProject(d),
    offer: EVIL,
    ...refused(/example-project/),
  },
  {
    name: "a project role's targets outside the paths claimed delegated to it are not trusted, nor are its sub-delegations'",
    draft: (d) => {
      project(d).targets.set(OTHER_PATH, targetFile(EVIL));
      project(d).delegations = delegations([delegation('example-project-sub', [keys.developer], { paths: ['*/*'] })]);
      d.roles.set('example-project-sub', {
        ...empty([keys.developer]),
        targets: new Map([[OTHER_PATH, targetFile(EVIL)]]),
      });
      d.targetFiles.push([OTHER_PATH, EVIL]);
    },
    target: OTHER_PATH,
    offer: EVIL,
    client: 'refuse',
    verify: 'accept',
    dev: 'accept',
    names: /other-project/,
  },
  {
    name: 'an old claimed served under the name of the version snapshot lists (mix and match) is refused',
    draft: claimedAtV2,
    files: (r) => revokedKeyBack(r, roleFile('claimed', 2), 1),
    offer: EVIL,
    ...refused(/claimed/),
  },
  {
    name: 'with consistent snapshots, claimed only under its unversioned name is not found',
    files: (r) => renameSync(join(r.metadata, roleFile('claimed', 1)), join(r.metadata, 'claimed.json')),
    ...refused(/claimed/),
  },

  // The delegation search (spec 5.6.7).
  {
    name: 'a terminating claimed project ends the search: a file it lacks is not taken from the online role',
    draft: (d) => {
      onlineLists(d, LATER_PATH);
    },
    target: LATER_PATH,
    offer: EVIL,
    client: 'refuse',
    verify: 'accept',
    dev: 'accept',
    names: /example-project-2\.0/,
  },
  {
    name: 'a claimed project that is not terminating lets the search fall through to the online role',
    draft: (d) => {
      role(d, 'claimed').delegations = delegations([projectDelegation([keys.developer], false)]);
      onlineLists(d, LATER_PATH);
    },
    target: LATER_PATH,
    offer: EVIL,
    client: 'accept',
    verify: 'accept',
    dev: 'accept',
  },
  {
    name: 'the 32nd delegated role visited is still searched',
    draft: (d) => manyRoles(d, 31),
    client: 'accept',
    verify: 'accept',
  },
  {
    name: 'the 33rd delegated role is beyond the search',
    draft: (d) => manyRoles(d, 32),
    client: 'refuse',
    verify: 'accept',
    names: /example-project-1\.0|mirror|32|delegat/,
  },
];

const server = new RepoServer();
let work: string;
const devKeyFiles: Record<'ed25519' | 'ecdsa', string> = { ed25519: '', ecdsa: '' };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hostile-repos-'));
  devKeyFiles.ed25519 = join(work, 'developer.pub.json');
  devKeyFiles.ecdsa = join(work, 'developer-ecdsa.pub.json');
  writeFileSync(devKeyFiles.ed25519, JSON.stringify(keys.developer.key.toJSON()));
  writeFileSync(devKeyFiles.ecdsa, JSON.stringify(ecdsaDeveloper.key.toJSON()));
  await server.start();
});

afterAll(async () => {
  await server.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const verdict = (code: number): Answer => (code === 0 ? 'accept' : 'refuse');
const TRACE = /^ {4}at /m;
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('hostile repositories: the tool answers as a TUF client does', () => {
  it('every case that expects the tool to refuse what clients accept says why', () => {
    for (const c of CASES) {
      if (c.client === 'accept' && (c.verify === 'refuse' || c.dev === 'refuse'))
        expect(c.stricter, c.name).toBeTruthy();
      if (c.downloadStricter) expect(c.client, c.name).toBe('accept');
    }
  });

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const draft = honestRepo(c.layout ?? 'flat', keys);
      c.draft?.(draft);
      const repo = await writeRepo(draft, join(work, `case-${i}`));
      await c.files?.(repo);
      const url = server.serve(`case-${i}`, repo);
      const target = c.target ?? HONEST_PATH;
      const offer = c.offer ?? HONEST;

      // The client, first: if an honest baseline is refused here, the builder is wrong.
      const client = await clientVerdict(repo, url, target, offer);
      const tufjsExpected: Answer = c.tufjsDeparts ? (c.client === 'accept' ? 'refuse' : 'accept') : c.client;
      expect(client.accepted ? 'accept' : 'refuse', `tuf-js (${client.why})`).toBe(tufjsExpected);

      const runs = await toolRuns(
        repo,
        url,
        target,
        offer,
        c.dev ? { project: PROJECT, keyFile: devKeyFiles[c.devKey ?? 'ed25519'] } : undefined,
      );
      const all = [
        ['verify-download', runs.download],
        ['verify', runs.verify],
        ...(runs.dev ? [['dev check', runs.dev] as const] : []),
      ] as const;
      for (const [cmd, run] of all) {
        const output = `${run.stderr}${run.stdout}`;
        expect
          .soft(run.code === 0 || run.code === 3, `${cmd} exits 0 or 3, not ${run.code}: ${run.stderr.slice(0, 300)}`)
          .toBe(true);
        expect.soft(TRACE.test(output), `${cmd} prints no stack trace`).toBe(false);
        expect.soft(/internal error/.test(output), `${cmd} reports no internal error`).toBe(false);
        // Text from hostile files is escaped (docs/threat-model.md section 7, "Escapes").
        expect.soft(output, `${cmd} writes no control character to the terminal`).not.toMatch(TERMINAL_CONTROLS);
      }

      const download = runs.download;
      expect
        .soft(verdict(download.code), `verify-download (${download.stderr.trim()})`)
        .toBe(c.downloadStricter ? 'refuse' : c.client);
      if (download.code !== 0) {
        expect
          .soft(download.stderr, 'verify-download says why in one line')
          .toMatch(/^tuf-ceremony verify-download: [^\n]+\n$/);
        if (c.names) expect.soft(download.stderr, 'verify-download names the file or role').toMatch(c.names);
      }
      if (c.verifyAudit)
        expect.soft(runs.verify.stdout, 'verify says the folder has no freshness').toMatch(c.verifyAudit.note);
      expect
        .soft(
          verdict(runs.verify.code),
          `verify (${runs.verify.stdout
            .split('\n')
            .filter((l) => l.includes('✗'))
            .join(' | ')})`,
        )
        .toBe(c.verify);
      if (runs.verify.code !== 0) {
        expect
          .soft(runs.verify.stderr.split('\n').filter(Boolean).length, 'verify writes at most one line on stderr')
          .toBeLessThanOrEqual(1);
        if (c.names)
          expect.soft(`${runs.verify.stdout}${runs.verify.stderr}`, 'verify names the file or role').toMatch(c.names);
      }
      if (runs.dev) {
        expect
          .soft(verdict(runs.dev.code), `dev check (${runs.dev.stderr.trim() || runs.dev.stdout.trim()})`)
          .toBe(c.dev);
        if (runs.dev.code !== 0 && c.names)
          expect.soft(runs.dev.stderr, 'dev check names the file or role').toMatch(c.names);
      }
      if (c.withinMs !== undefined)
        expect.soft(download.ms, 'verify-download answers quickly').toBeLessThan(c.withinMs);
    });
  });
});
