/**
 * `rotate --add-token` checks what the new key allows, as `event sign` and `token list` do
 * (docs/tokens.md, "Keys made by other tools"): on a real SoftHSM token, a P-256 key made as
 * another tool would (CKA_DECRYPT and CKA_DERIVE true) gets a warning recorded with the event, and
 * is refused (exit 5, nothing written) when the repository's plan requires sign-only keys for the
 * role; a key made by `key generate` is added without a word. The repositories' own keys are
 * software keys: only the added key is on a token.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { generateTokenKey } from '../../src/keys/token-keys.js';
import { runCli } from '../helpers/cli.js';
import { generateAsOtherTool, SOFTHSM, type BackendTokens } from '../keys/token-backends.js';
import { bootstrap, day, iso, softwareProvider, type Bootstrapped } from './fixture.js';

let fx: BackendTokens;
let profilePath: string;
let lenient: Bootstrapped;
let strict: Bootstrapped;

beforeAll(async () => {
  fx = SOFTHSM.create(['dave']);
  const profile = fx.profile('profile.json', {
    dave: { token: 'dave', keys: { root: 'root-dave', targets: 'targets-dave' }, pin: 'file' },
    // The same token without a PIN source: the PIN would be asked.
    'dave-asked': { token: 'dave', keys: { root: 'root-dave' } },
  });
  profilePath = profile.path;
  await generateTokenKey(profile, 'dave', 'root', 'ecdsa-p256', 'root-dave', fx.pins);
  fx.withSession('dave', (session) => {
    generateAsOtherTool(session, 'targets-dave', { decrypt: true, derive: true });
    generateAsOtherTool(session, 'root-dave-other', { derive: true });
  });
  for (const d of ['lenient', 'strict']) mkdirSync(join(fx.dir, d));
  lenient = await bootstrap(softwareProvider(), { dir: join(fx.dir, 'lenient') });
  strict = await bootstrap(softwareProvider(), { dir: join(fx.dir, 'strict'), signOnly: ['root', 'targets'] });
}, 240_000);
afterAll(() => fx?.cleanup());

const rotate = (b: Bootstrapped, role: string, event: string, ...more: string[]) =>
  runCli([
    'rotate',
    '--repo',
    b.repoDir,
    '--role',
    role,
    '--at',
    iso(day(1)),
    '--event',
    join(b.dir, event),
    '--profile',
    profilePath,
    ...more,
  ]);
const transcriptLines = (b: Bootstrapped) => readFileSync(join(b.repoDir, 'transcript.jsonl'), 'utf8').split('\n');

describe('rotate --add-token checks what the key allows', () => {
  it('a key another tool made that can also decrypt and derive: a warning, recorded with the event', async () => {
    const r = await rotate(lenient, 'targets', 'targets-warned', '--add-token', 'dave');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const warning =
      `--add-token dave: dave's key "targets-dave" (token serial ${fx.token('dave').serial}) ` +
      'can also decrypt, derive, not only sign: it was made for more than TUF signatures ' +
      '(docs/tokens.md, "Keys made by other tools")';
    expect(r.stdout).toContain(`warning: ${warning}\n`);
    const event = SigningEvent.load(join(lenient.dir, 'targets-warned'));
    expect(event.details?.['warnings']).toEqual([warning]);
  });

  it('refused when the plan requires sign-only keys for the role: exit 5, one line naming the plan field, nothing written but the refusal', async () => {
    const before = transcriptLines(strict);
    const r = await rotate(strict, 'root', 'root-refused', '--add-token', 'dave:root-dave-other', '--json');
    expect(r.code).toBe(5);
    const message =
      `--add-token dave:root-dave-other: dave's key "root-dave-other" (token serial ` +
      `${fx.token('dave').serial}) can also derive, not only sign; ` +
      `${join(strict.repoDir, 'plan.json')} requires sign-only root keys ` +
      '(roles.root.sign_only): nothing was written';
    expect(r.stderr).toBe(`tuf-ceremony rotate: ${message}\n`);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'E_KEY_NOT_SIGN_ONLY', message, exit_code: 5 });
    expect(existsSync(join(strict.dir, 'root-refused'))).toBe(false);
    // The transcript gains the refusal only (docs/formats/transcript.md, "Refusals and failures").
    const after = transcriptLines(strict);
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after).toHaveLength(before.length + 1);
    expect(JSON.parse(after.at(-2)!)).toMatchObject({
      step: 'rotate',
      outputs: {},
      details: { outcome: 'refused', error: { code: 'E_KEY_NOT_SIGN_ONLY', message } },
    });
  });

  it('a key made by key generate is added without a warning, under the same sign-only plan', async () => {
    const r = await rotate(strict, 'root', 'root-added', '--add-token', 'dave', '--threshold', '2', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.details.warnings).toEqual([]);
    expect(doc.details.key_changes[0].added.map((k: { holder: string }) => k.holder)).toEqual(['dave']);
  });

  it('the login needs a PIN: without a PIN source and nobody at a terminal, exit 2 and nothing written', async () => {
    const r = await rotate(lenient, 'root', 'root-no-pin', '--add-token', 'dave-asked');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no PIN for holder "dave-asked"');
    expect(existsSync(join(lenient.dir, 'root-no-pin'))).toBe(false);
  });
});
