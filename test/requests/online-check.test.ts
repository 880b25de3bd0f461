/**
 * Intake that cannot skip the online check silently (PEP 480: a new project is registered online,
 * in recently-claimed, before the admins claim it), each request file's SHA-256 in the report, and
 * two requests with different keys rejected whatever the online registration says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { readTranscript } from '../../src/ceremony/state/transcript.js';
import { sha256Hex } from '../../src/tuf/model/digest.js';
import { fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';
import { formatExpires } from '../../src/tuf/base/time.js';
import { runCli } from '../helpers/cli.js';
import { makeRepository, recentlyClaimed, signer, writeRequest, type Fixture } from './fixtures.js';

const now = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
const at = formatExpires(now);
let tmp: string;
let f: Fixture;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'online-check-'));
  f = await makeRepository(join(tmp, 'repo'), now);
  await writeRequest(join(tmp, 'inbox'), 'alpha.json', { project: 'alpha', signers: [signer(40)] }, now);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const claimFrom = (inbox: string, extra: string[], event: string) =>
  runCli(['claim', '--repo', f.dir, '--requests', inbox, '--event', join(tmp, event), '--at', at, ...extra]);
const claim = (extra: string[], event: string) => claimFrom(join(tmp, 'inbox'), extra, event);

describe('claim without the online service’s recently-claimed list', () => {
  it('refuses unless told why, and writes nothing but the refusal', async () => {
    const transcript = () => (existsSync(f.repo.transcriptPath) ? readFileSync(f.repo.transcriptPath) : undefined);
    const before = transcript();
    const r = await claim([], 'refused-event');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no recently-claimed list to check new projects against');
    expect(r.stderr).toContain('--no-online-check <reason>');
    expect(existsSync(join(tmp, 'refused-event'))).toBe(false);
    // The transcript gains the refusal only (docs/formats/transcript.md, "Refusals and failures").
    const after = transcript()!;
    expect(after.subarray(0, before?.length ?? 0)).toEqual(before ?? Buffer.alloc(0));
    expect(readTranscript(f.repo.transcriptPath).at(-1)).toMatchObject({
      step: 'claim',
      outputs: {},
      details: { outcome: 'refused', error: { code: 'E_NO_ONLINE_LIST' } },
    });
    expect(
      after
        .toString('utf8')
        .slice(before?.length ?? 0)
        .split('\n'),
    ).toHaveLength(2);
    const blank = await claim(['--no-online-check', ' '], 'blank-event');
    expect(blank.code).toBe(2);
  });

  it('with --no-online-check, says so in the report, the event and the transcript; shows each file’s SHA-256', async () => {
    const r = await claim(['--no-online-check', 'the upload service is not running yet'], 'event');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '!!! THE ONLINE REGISTRATION WAS NOT CHECKED (--no-online-check: the upload service is not running yet).',
    );
    const digest = sha256Hex(readFileSync(join(tmp, 'inbox', 'alpha.json')));
    expect(r.stdout).toContain(`    sha256 ${digest}\n    words  ${fingerprintWords(digest).join(' ')}`);
    const event = SigningEvent.load(join(tmp, 'event'));
    expect(event.description).toContain(
      'THE ONLINE REGISTRATION WAS NOT CHECKED (the upload service is not running yet)',
    );
    const record = readTranscript(f.repo.transcriptPath).at(-1)!;
    expect(JSON.stringify(record)).toContain('not checked: the upload service is not running yet');

    const json = await claim(['--no-online-check', 'still no service', '--json'], 'event-json');
    const doc = JSON.parse(json.stdout);
    expect(doc.online_check).toEqual({ checked: false, reason: 'still no service' });
    expect(doc.requests[0]).toMatchObject({ sha256: digest, sha256_words: fingerprintWords(digest) });
  });

  it('refuses --no-online-check beside a list', async () => {
    const list = join(tmp, '7.recently-claimed.json');
    writeFileSync(list, await recentlyClaimed(f, [{ name: 'alpha', keys: [signer(40).key] }], now));
    const r = await claim(['--recently-claimed', list, '--no-online-check', 'why not'], 'both-event');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give one or the other');
  });
});

describe('two requests for one project with different keys', () => {
  it('are both rejected, even when the online list registered one of the two key sets', async () => {
    const inbox = join(tmp, 'conflict-inbox');
    mkdirSync(inbox);
    await writeRequest(inbox, 'a-genuine.json', { project: 'gamma', signers: [signer(41)] }, now);
    await writeRequest(inbox, 'b-other.json', { project: 'gamma', signers: [signer(42)] }, now);
    const list = join(tmp, '8.recently-claimed.json');
    writeFileSync(list, await recentlyClaimed(f, [{ name: 'gamma', keys: [signer(41).key] }], now));
    const r = await claimFrom(inbox, ['--recently-claimed', list, '--json'], 'conflict-event');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.online_check).toEqual({ checked: true, reason: null });
    expect(doc.requests.map((x: { file: string; reason_code: string }) => [x.file, x.reason_code])).toEqual([
      ['a-genuine.json', 'conflict'],
      ['b-other.json', 'conflict'],
    ]);
  });

  it('a single request whose keys differ from the online registration is still refused', async () => {
    const inbox = join(tmp, 'differ-inbox');
    await writeRequest(inbox, 'only.json', { project: 'gamma', signers: [signer(42)] }, now);
    const r = await claimFrom(
      inbox,
      ['--recently-claimed', join(tmp, '8.recently-claimed.json'), '--json'],
      'differ-event',
    );
    expect(JSON.parse(r.stdout).requests[0]).toMatchObject({ decision: 'rejected', reason_code: 'online-keys-differ' });
  });
});
