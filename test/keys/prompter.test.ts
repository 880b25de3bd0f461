/** The CLI prompter: hidden answers are never echoed; exact confirmations; no terminal, no prompt. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { terminalPrompter } from '../../src/cli/prompter.js';
import { InterruptedError } from '../../src/tuf/base/errors.js';
import { renderFingerprint } from '../../src/cli/render-fingerprint.js';
import { fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';

function terminal(interactive = true) {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let shown = '';
  stderr.on('data', (d) => (shown += d));
  const io: CliIO = { stdin, stderr, stdout: new PassThrough(), env: {}, interactive, cwd: '/' };
  return { io, stdin, shown: () => shown };
}

/** Type a line once the prompt is on screen. */
function typeLine(stdin: PassThrough, text: string): void {
  setTimeout(() => stdin.write(`${text}\n`), 20);
}

describe('terminal prompter', () => {
  it('asks for a secret without echoing it', async () => {
    const t = terminal();
    const p = terminalPrompter(t.io);
    typeLine(t.stdin, 's3cret-PIN');
    expect(await p.askSecret('PIN of token "a":')).toBe('s3cret-PIN');
    expect(t.shown()).toContain('PIN of token "a":');
    expect(t.shown()).not.toContain('s3cret-PIN');
  });

  it('confirms only on the exact answer', async () => {
    const t = terminal();
    const p = terminalPrompter(t.io);
    typeLine(t.stdin, 'yes');
    expect(await p.confirmExact('Sign root v2?', 'yes')).toBe(true);
    typeLine(t.stdin, 'y');
    expect(await p.confirmExact('Sign root v2?', 'yes')).toBe(false);
  });

  it('waits for what it is told; what is typed meanwhile is not kept for the next question', async () => {
    const t = terminal();
    const p = terminalPrompter(t.io);
    let looks = 0;
    setTimeout(() => t.stdin.write('typed-too-early\n'), 20);
    const ready = async () => ++looks === 5;
    expect(await p.waitUntil('Insert the token of admin B', ready, 5000, 20)).toBe(true);
    expect(t.shown()).toContain('Insert the token of admin B');
    typeLine(t.stdin, 's3cret-PIN');
    expect(await p.askSecret('PIN of token "b":')).toBe('s3cret-PIN');
    expect(await p.waitUntil('Insert the token of admin C', async () => false, 120, 10)).toBe(false);
  });

  it('Ctrl-C while it waits is an interruption (exit 130)', async () => {
    const t = terminal();
    const p = terminalPrompter(t.io);
    setTimeout(() => t.stdin.write('\x03'), 30);
    const e = await p.waitUntil('Insert the token of admin B', async () => false, 5000, 10).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InterruptedError);
  });

  it('refuses to prompt when nobody is at a terminal', () => {
    expect(() => terminalPrompter(terminal(false).io)).toThrow('needs a person at a terminal');
  });
});

describe('fingerprint rendering', () => {
  it('hex in groups, 32 numbered words eight a line, and a QR code', async () => {
    const hex = 'ec72420d'.padEnd(64, '0');
    const text = await renderFingerprint('keyid:', hex, { qr: true });
    expect(text).toContain('hex:   ec72 420d 0000');
    const words = fingerprintWords(hex);
    expect(text).toContain(`    1:${words[0]} 2:${words[1]} 3:${words[2]}`);
    expect(text).toContain(`    25:${words[24]}`);
    expect(text.split('\n').filter((l) => /^ {4}\d+:/.test(l))).toHaveLength(4);
    expect(text).toMatch(/[▀▄█]/);
    expect(await renderFingerprint('keyid:', hex, { qr: false })).not.toMatch(/[▀▄█]/);
  });
});
