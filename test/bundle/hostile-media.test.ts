/**
 * Bundles tampered with on the way (issue "Tests of hostile media"): each is refused with its
 * reason, exit code 3, and nothing is written to the target folder.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { importBundle } from '../../src/bundle/import.js';
import { defaultStatePath, readImportState } from '../../src/bundle/import-state.js';
import { MANIFEST_NAME } from '../../src/bundle/manifest.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { CATEGORY_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { VerificationError } from '../../src/tuf/base/errors.js';
import { recordLine, type TranscriptRecord } from '../../src/bundle/transcript-chain.js';
import { chainedTranscript, makeBundle, NOW, snapshotFolder, tempDir, trustedRoot, vectorFiles } from './fixtures.js';

let parent: string;
let target: string;

beforeEach(async () => {
  parent = tempDir('hostile-');
  target = join(parent, 'target');
  mkdirSync(target);
  writeFileSync(join(target, 'already-here.txt'), 'published before');
});

/** Rewrite the manifest as an attacker would (it is not signed: see docs/threat-model.md). */
function editManifest(dir: string, edit: (m: any) => void): void {
  const m = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8'));
  edit(m);
  unlinkSync(join(dir, MANIFEST_NAME));
  writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify(m));
}

/** Change the expiry year 2050 to 2051 in place: still valid JSON, no longer what was signed. */
function changeOneByte(path: string): Buffer {
  const bytes = readFileSync(path);
  const at = bytes.indexOf('2050-01-01');
  expect(at).toBeGreaterThan(0);
  bytes[at + 3] = '1'.charCodeAt(0);
  writeFileSync(path, bytes);
  return bytes;
}

/** The import is refused with a message matching `reason`, and the target folder is untouched. */
function expectRefused(dir: string, reason: RegExp): void {
  const before = snapshotFolder(target);
  let error: unknown;
  try {
    importBundle(dir, { target, trustedRoot: trustedRoot(), at: NOW });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(VerificationError);
  expect(CATEGORY_EXIT_CODES[(error as VerificationError).category]).toBe(3);
  expect((error as Error).message).toMatch(reason);
  expect(snapshotFolder(target)).toEqual(before);
  // verify alone, given the target's import state, refuses with the same reason.
  const lastSequence = readImportState(defaultStatePath(target))['offline-to-online']?.sequence;
  expect(() => verifyBundle(dir, { trustedRoot: trustedRoot(), at: NOW, lastSequence })).toThrow(reason);
}

describe('hostile media', () => {
  it('accepts the untouched bundle (the control case)', async () => {
    const b = await makeBundle(parent, 1);
    importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expect(readFileSync(join(target, '1.claimed.json')).equals(readFileSync(join(b.dir, '1.claimed.json')))).toBe(true);
  });

  it('an extra file', async () => {
    const b = await makeBundle(parent, 1);
    writeFileSync(join(b.dir, '3.claimed.json'), '{}');
    expectRefused(b.dir, /^3\.claimed\.json: is not in the manifest/);
  });

  it('an extra hidden file', async () => {
    const b = await makeBundle(parent, 1);
    writeFileSync(join(b.dir, '.autorun'), 'x');
    expectRefused(b.dir, /^\.autorun: is not in the manifest/);
  });

  it('a missing file', async () => {
    const b = await makeBundle(parent, 1);
    unlinkSync(join(b.dir, '1.claimed.json'));
    expectRefused(b.dir, /^1\.claimed\.json: listed in the manifest but missing/);
  });

  it('a symlink to /etc/passwd in place of a listed file', async () => {
    const b = await makeBundle(parent, 1);
    unlinkSync(join(b.dir, '1.claimed.json'));
    symlinkSync('/etc/passwd', join(b.dir, '1.claimed.json'));
    expectRefused(b.dir, /^1\.claimed\.json: is a symbolic link/);
  });

  it('a symlink to /etc/passwd listed in the manifest with the size and hash of /etc/passwd', async () => {
    const b = await makeBundle(parent, 1);
    const passwd = readFileSync('/etc/passwd');
    symlinkSync('/etc/passwd', join(b.dir, 'passwd.json'));
    editManifest(b.dir, (m) => (m.files['passwd.json'] = { length: passwd.length, sha256: sha256Hex(passwd) }));
    expectRefused(b.dir, /^passwd\.json: is a symbolic link/);
  });

  it('a manifest that is a symlink', async () => {
    const b = await makeBundle(parent, 1);
    renameSync(join(b.dir, MANIFEST_NAME), join(parent, 'real-manifest.json'));
    symlinkSync(join(parent, 'real-manifest.json'), join(b.dir, MANIFEST_NAME));
    expectRefused(b.dir, /bundle\.json: is a symbolic link/);
  });

  it('a ../ name in the manifest', async () => {
    const b = await makeBundle(parent, 1);
    const bytes = readFileSync(join(b.dir, '1.claimed.json'));
    editManifest(b.dir, (m) => (m.files['../outside.json'] = { length: bytes.length, sha256: sha256Hex(bytes) }));
    expectRefused(b.dir, /files\.\.\.\/outside\.json.*not a plain file name/);
  });

  // Names that would put something other than metadata into the published folder, each present
  // in the bundle and listed with its true size and hash (docs/formats/bundle.md, "Layout").
  for (const [name, reason] of [
    ['.tuf-ceremony-import.json', /not a plain file name/],
    ['Transcript.jsonl', /neither metadata \(\*\.json\) nor transcript\.jsonl/],
    ['TRANSCRIPT.JSONL', /neither metadata/],
    ['transcript.JSON', /neither metadata/],
    ['index.html', /neither metadata/],
    ['import-state.json', /import-state\.json: is not reached from the trusted root/],
    ['transcript.jsonl.json', /transcript\.jsonl\.json: is not reached from the trusted root/],
    ['1.ROOT.json', /1\.ROOT\.json: is not reached from the trusted root/],
  ] as const) {
    it(`a file named ${name}, listed with its true hash`, async () => {
      const b = await makeBundle(parent, 1);
      const bytes = readFileSync(join(b.dir, '1.claimed.json'));
      writeFileSync(join(b.dir, name), bytes);
      editManifest(b.dir, (m) => (m.files[name] = { length: bytes.length, sha256: sha256Hex(bytes) }));
      expectRefused(b.dir, reason);
    });
  }

  it('a name with a path separator or an absolute path in the manifest', async () => {
    const b = await makeBundle(parent, 1);
    editManifest(b.dir, (m) => (m.files['/etc/cron.d/x.json'] = { length: 1, sha256: '0'.repeat(64) }));
    expectRefused(b.dir, /not a plain file name/);
  });

  it('a sub-folder', async () => {
    const b = await makeBundle(parent, 1);
    mkdirSync(join(b.dir, 'metadata'));
    expectRefused(b.dir, /^metadata: is not a plain file/);
  });

  it('a named pipe in place of a listed file (never opened for blocking reads)', async () => {
    const b = await makeBundle(parent, 1);
    unlinkSync(join(b.dir, '1.claimed.json'));
    execFileSync('mkfifo', [join(b.dir, '1.claimed.json')]);
    expectRefused(b.dir, /^1\.claimed\.json: is not a plain file/);
  });

  it('a changed byte in a metadata file', async () => {
    const b = await makeBundle(parent, 1);
    changeOneByte(join(b.dir, '1.claimed.json'));
    expectRefused(b.dir, /^1\.claimed\.json: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} in the manifest/);
  });

  it('a changed byte in a metadata file with the manifest rewritten to match: TUF verification refuses', async () => {
    const b = await makeBundle(parent, 1);
    const bytes = changeOneByte(join(b.dir, '1.claimed.json'));
    editManifest(b.dir, (m) => (m.files['1.claimed.json'] = { length: bytes.length, sha256: sha256Hex(bytes) }));
    expectRefused(b.dir, /claimed: 1\.claimed\.json: 0 of 2 required signatures/);
  });

  it('a truncated file', async () => {
    const b = await makeBundle(parent, 1);
    const path = join(b.dir, '1.targets.json');
    const size = readFileSync(path).length;
    truncateSync(path, size - 10);
    expectRefused(b.dir, new RegExp(`^1\\.targets\\.json: the manifest says ${size} bytes, the file has ${size - 10}`));
  });

  it('a manifest claiming a wrong size', async () => {
    const b = await makeBundle(parent, 1);
    const size = readFileSync(join(b.dir, '1.targets.json')).length;
    editManifest(b.dir, (m) => (m.files['1.targets.json'].length = size - 1));
    expectRefused(
      b.dir,
      new RegExp(`^1\\.targets\\.json: the manifest says ${size - 1} bytes, the file has more than ${size - 1}`),
    );
  });

  it('a manifest with a field this tool would not check', async () => {
    const b = await makeBundle(parent, 1);
    editManifest(b.dir, (m) => (m.signed_by = 'trust me'));
    expectRefused(b.dir, /bundle\.json\.signed_by: unknown field/);
  });

  it('a stale bundle: 2.root.json removed, so its newest root is older than the trusted root', async () => {
    const b = await makeBundle(parent, 1, { names: ['1.root.json', '2.root.json', '1.targets.json'] });
    unlinkSync(join(b.dir, '2.root.json'));
    editManifest(b.dir, (m) => delete m.files['2.root.json']);
    expect(() => verifyBundle(b.dir, { trustedRoot: trustedRoot(2), at: NOW })).toThrow(
      /older than the trusted root version 2/,
    );
  });

  it('an older sequence than the last import', async () => {
    const older = await makeBundle(parent, 4);
    const newer = await makeBundle(parent, 5);
    importBundle(newer.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expectRefused(older.dir, /bundle\.json: sequence 4 is not newer than 5, the last one imported/);
  });

  it('the same bundle imported twice (a replay)', async () => {
    const b = await makeBundle(parent, 1);
    importBundle(b.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expectRefused(b.dir, /sequence 1 is not newer than 1/);
  });

  it('a bundle re-ordered between two exports: files of the first put into the second', async () => {
    // Two exports whose claimed files differ in bytes (the second re-serialized with whitespace,
    // which keeps the signature valid): a file moved from one bundle to the other is caught.
    const claimed = vectorFiles(['1.claimed.json'])[0]!;
    const spaced = { name: '1.claimed.json', bytes: Buffer.from(JSON.stringify(JSON.parse(claimed.bytes.toString()))) };
    const first = await makeBundle(parent, 1);
    const second = await makeBundle(parent, 2, {
      files: [...vectorFiles(['1.root.json', '2.root.json', '1.targets.json']), spaced],
    });
    rmSync(join(second.dir, '1.claimed.json'));
    writeFileSync(join(second.dir, '1.claimed.json'), readFileSync(join(first.dir, '1.claimed.json')));
    expectRefused(second.dir, /^1\.claimed\.json: the manifest says \d+ bytes|^1\.claimed\.json: sha256/);
  });

  it('a bundle re-ordered between two exports: the second imported, then the first', async () => {
    const first = await makeBundle(parent, 1);
    const second = await makeBundle(parent, 2);
    importBundle(second.dir, { target, trustedRoot: trustedRoot(), at: NOW });
    expectRefused(first.dir, /sequence 1 is not newer than 2/);
  });

  it('metadata that does not chain from the trusted root (a foreign root)', async () => {
    const b = await makeBundle(parent, 1);
    const path = join(b.dir, '2.root.json');
    const md = JSON.parse(readFileSync(path, 'utf8'));
    md.signatures = md.signatures.slice(0, 1);
    const bytes = Buffer.from(JSON.stringify(md));
    unlinkSync(path);
    writeFileSync(path, bytes);
    editManifest(b.dir, (m) => (m.files['2.root.json'] = { length: bytes.length, sha256: sha256Hex(bytes) }));
    expectRefused(b.dir, /root: 2\.root\.json: .*required signatures/);
  });

  it('a transcript appended to after export', async () => {
    const files = [
      ...vectorFiles(['1.root.json', '2.root.json', '1.targets.json']),
      { name: 'transcript.jsonl', bytes: chainedTranscript(['init']) },
    ];
    const b = await makeBundle(parent, 1, { files });
    const length = readFileSync(join(b.dir, 'transcript.jsonl')).length;
    appendFileSync(join(b.dir, 'transcript.jsonl'), '{"seq":2}\n');
    expectRefused(
      b.dir,
      new RegExp(`^transcript\\.jsonl: the manifest says ${length} bytes, the file has more than ${length}`),
    );
  });
});

/**
 * The transcript rewritten together with its manifest entry, as someone who can write the medium
 * would: only its chain and the manifest's transcript_head, which the admins initialled on the
 * printed record, stand in the way.
 */
describe('a transcript and its manifest entry rewritten together', () => {
  const STEPS = ['init', 'event-sign', 'event-finalize', 'bundle-export'];

  async function rewritten(edit: (lines: Buffer[]) => Buffer[]): Promise<string> {
    const b = await makeBundle(parent, 1, {
      files: [
        ...vectorFiles(['1.root.json', '2.root.json', '1.targets.json']),
        { name: 'transcript.jsonl', bytes: chainedTranscript(STEPS) },
      ],
    });
    const path = join(b.dir, 'transcript.jsonl');
    const lines = readFileSync(path)
      .toString()
      .split('\n')
      .slice(0, -1)
      .map((l) => Buffer.from(l));
    const bytes = Buffer.concat(edit(lines).map((l) => Buffer.concat([l, Buffer.from('\n')])));
    unlinkSync(path);
    writeFileSync(path, bytes);
    editManifest(b.dir, (m) => (m.files['transcript.jsonl'] = { length: bytes.length, sha256: sha256Hex(bytes) }));
    return b.dir;
  }

  it('cut: its last records removed', async () => {
    const dir = await rewritten((lines) => lines.slice(0, 2));
    expectRefused(
      dir,
      /^transcript\.jsonl: ends at [0-9a-f]{64}, not at the transcript_head [0-9a-f]{64} of bundle\.json \(records were removed or added\)$/,
    );
  });

  it('extended: a forged record chained after the last one', async () => {
    const dir = await rewritten((lines) => {
      const rec: TranscriptRecord = {
        seq: lines.length + 1,
        time: '2030-01-01T00:00:01Z',
        step: 'note',
        inputs: {},
        outputs: {},
        prev: sha256Hex(lines.at(-1)!),
      };
      rec.hash = sha256Hex(recordLine(rec));
      return [...lines, recordLine(rec)];
    });
    expectRefused(
      dir,
      /^transcript\.jsonl: ends at [0-9a-f]{64}, not at the transcript_head .* \(records were removed or added\)$/,
    );
  });

  it('reordered: two records swapped, the last one kept', async () => {
    const dir = await rewritten((lines) => [lines[0]!, lines[2]!, lines[1]!, lines[3]!]);
    expectRefused(dir, /^transcript\.jsonl: the hash chain does not hold \(record 2: holds seq 3 at line 2/);
  });

  it('replaced: a whole chain of its own, ending at a head the admins never initialled', async () => {
    const forged = chainedTranscript(['init', 'event-sign', 'event-finalize', 'bundle-export', 'note']);
    const dir = await rewritten(() =>
      forged
        .toString()
        .split('\n')
        .slice(0, -1)
        .map((l) => Buffer.from(l)),
    );
    expectRefused(dir, /^transcript\.jsonl: ends at .* not at the transcript_head/);
  });

  it('the head dropped from the manifest', async () => {
    const dir = await rewritten((lines) => lines.slice(0, 2));
    editManifest(dir, (m) => delete m.transcript_head);
    expectRefused(
      dir,
      new RegExp(
        String.raw`^bundle\.json\.transcript_head: missing; it anchors the end of transcript\.jsonl ` +
          String.raw`\(a bundle without it, from an earlier release or edited on the way, is refused`,
      ),
    );
  });

  it('the transcript and its head both dropped from an offline-to-online bundle', async () => {
    const dir = await rewritten((lines) => lines);
    unlinkSync(join(dir, 'transcript.jsonl'));
    editManifest(dir, (m) => {
      delete m.transcript_head;
      delete m.files['transcript.jsonl'];
    });
    expectRefused(
      dir,
      /^bundle\.json\.files: no transcript\.jsonl: an offline-to-online bundle carries the ceremony transcript$/,
    );
  });
});
