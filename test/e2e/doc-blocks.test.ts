/**
 * Every command the runbooks mark to run (a code block whose info string is `sh test`) runs as
 * written, in order, at a real pseudo-terminal in a fresh folder on fresh SoftHSM tokens: the
 * bootstrap of docs/runbook.md, then the claim ceremony and the revocation of a developer's key
 * from docs/runbook-maintenance.md. The shell variables the runbooks use ($P, $F, $R, $E, $M, and
 * $IN, $REQ, $KEY for the claim and the revocation) are set here as the ceremony administrator
 * sets them; each `##` section of a runbook gets a new event folder $E. What arrives from outside
 * is made here: a developer's request with two keys (docs/developer-guide.md, whose commands
 * test/e2e/developer-guide.test.ts runs) and the online service's bundle registering the project.
 * The people answer what the tool asks: the event digest's words, Enter for the next token.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningEvent } from '../../src/ceremony/events/event.js';
import { readTranscript } from '../../src/ceremony/state/transcript.js';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { onlineBundle } from '../helpers/ceremony-steps.js';
import { writeRequest } from '../requests/fixtures.js';
import { makeAdmins, type Admins } from '../helpers/softhsm-admins.js';
import { builtCli, plain, PtyRun, removeBuiltCli } from '../helpers/pty.js';
import { Room } from '../helpers/room.js';

const DOCS = resolve(import.meta.dirname, '..', '..', 'docs');

interface Block {
  doc: string;
  section: string;
  line: number;
  text: string;
}

/** The blocks marked `sh test`, with the `##` section each is in (indented blocks in lists too). */
function testedBlocks(doc: string): Block[] {
  const lines = readFileSync(join(DOCS, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.*)/.exec(lines[i]!);
    if (heading) section = heading[1]!;
    const open = /^(\s*)```sh test\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    for (i++; !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    blocks.push({ doc, section, line: i - body.length, text: body.join('\n') });
  }
  return blocks;
}

let a: Admins;
let bin: string;
const env: Record<string, string> = {};

/** Run one block in bash at a terminal, the people answering; its exit code and screen. */
async function runBlock(b: Block): Promise<{ code: number; screen: string }> {
  const run = new PtyRun([], {
    cwd: a.dir,
    env: { ...env, PATH: `${bin}:${process.env['PATH']}` },
    command: ['bash', '-euo', 'pipefail', '-c', b.text],
  });
  const room = new Room(run, {
    administrator: 'Dana Park',
    witness: 'Sam Lee',
    eventDigest: () => SigningEvent.load(env['E']!).digest,
  });
  const code = await room.until();
  if (code === 'stopped') throw new Error('stopped');
  const answers = room.answered.map((x) => `${x.question}: ${x.answer}`).join('\n');
  return { code, screen: `${plain(run.raw)}\n-- answered:\n${answers}` };
}

async function runDoc(doc: string, eventFor?: (section: string) => string): Promise<string> {
  let screens = '';
  for (const b of testedBlocks(doc)) {
    if (eventFor) env['E'] = eventFor(b.section);
    const { code, screen } = await runBlock(b);
    expect(code, `${doc}:${b.line} (${b.section}) exited ${code}:\n${b.text}\n${screen.slice(-2500)}`).toBe(0);
    screens += screen;
  }
  return screens;
}

beforeAll(() => {
  builtCli();
  a = makeAdmins('doc-blocks');
  bin = join(a.dir, 'bin');
  mkdirSync(bin);
  // `tuf-ceremony` on PATH, as the release installs it (docs/release.md).
  writeFileSync(join(bin, 'tuf-ceremony'), `#!/bin/sh\nexec '${process.execPath}' '${builtCli()}' "$@"\n`, {
    mode: 0o755,
  });
  mkdirSync(join(a.dir, 'home'));
  mkdirSync(join(a.dir, 'medium'));
  Object.assign(env, {
    HOME: join(a.dir, 'home'),
    P: a.planPath,
    F: a.profilePath,
    R: join(a.dir, 'repo'),
    M: join(a.dir, 'medium'),
  });
}, 120_000);
afterAll(() => {
  removeBuiltCli();
  rmSync(a.dir, { recursive: true, force: true });
});

describe('the command blocks of the docs run as written', () => {
  it('finds the marked blocks', () => {
    expect(testedBlocks('runbook.md').length).toBeGreaterThanOrEqual(8);
    expect(new Set(testedBlocks('runbook-maintenance.md').map((b) => b.section))).toEqual(
      new Set(["5. The claim ceremony: developers' requests into claimed", "6. Revoking a developer's key"]),
    );
  });

  it('runbook.md: the bootstrap ceremony, step by step', async () => {
    env['E'] = join(env['R']!, 'events', 'bootstrap');
    const screens = await runDoc('runbook.md');
    expect(readdirSync(join(env['R']!, 'metadata')).sort()).toEqual([
      '1.claimed.json',
      '1.root.json',
      '1.targets.json',
    ]);
    expect(screens).toContain('Insert the token of admin-c (remove the token of admin-b)');
    expect(readdirSync(a.dir)).toContain('bootstrap-record.html');
    expect(readdirSync(env['M']!)).toEqual(['bundle-000001']);
  }, 600_000);

  it('runbook-maintenance.md: the claim ceremony, then the revocation of a developer key', async () => {
    // A developer's request with two keys, either of which may sign (threshold 1), and the online
    // service's bundle that registered the project with them.
    const keys = [Ed25519Signer.generate('key file'), Ed25519Signer.generate('second maintainer')];
    env['REQ'] = join(a.dir, 'requests');
    await writeRequest(env['REQ'], 'my-project-request.json', { project: 'My_Project', signers: keys }, new Date());
    env['IN'] = await onlineBundle({
      repo: env['R']!,
      dir: a.dir,
      signer: a.online['recently-claimed'],
      projects: [{ name: 'my-project', keys: keys.map((k) => k.key) }],
    });
    // The developer reports the keyid of the key to revoke (dev keygen printed it).
    env['KEY'] = keys[0]!.key.keyid;
    await runDoc('runbook-maintenance.md', (section) => join(a.dir, 'events', section.split('.')[0]!));
    const records = readTranscript(join(env['R']!, 'transcript.jsonl'));
    expect(records.find((r) => r.step === 'claim')?.details?.['added_projects']).toEqual(['my-project']);
    expect(records.findLast((r) => r.step === 'revoke')?.details).toMatchObject({
      project: 'my-project',
      keyid: env['KEY'],
      reason: 'key file on a stolen laptop, reported by the maintainer on 2026-05-01',
    });
    expect(readdirSync(join(env['R']!, 'metadata'))).toContain('3.claimed.json');
  }, 600_000);
});
