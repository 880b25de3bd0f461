/**
 * A digest or keyid shown three ways so that people can compare it: hex in groups of four, the
 * PGP words to read aloud (src/tuf/model/fingerprint-words.ts), and a QR code on the terminal for a
 * phone or a second machine to scan. Used for keyids and for payload digests.
 */
import { fingerprintWords, groupedHex } from '../tuf/model/fingerprint-words.js';

export interface FingerprintView {
  hex: string;
  words: string[];
}

export function fingerprintView(hex: string): FingerprintView {
  return { hex: hex.toLowerCase(), words: fingerprintWords(hex) };
}

/** Words in lines of eight, numbered by their first byte, so a reader can say where they are. */
export function wordLines(words: string[], indent = ''): string[] {
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 8)
    lines.push(`${indent}${String(i + 1).padStart(2)}: ${words.slice(i, i + 8).join(' ')}`);
  return lines;
}

/**
 * The text block: a title, hex, words and, when `qr` is set, the QR code of the hex. Callers set
 * `qr` only for a person at a terminal (`io.interactive`): in a log the code is noise.
 */
export async function renderFingerprint(title: string, hex: string, options: { qr: boolean }): Promise<string> {
  const view = fingerprintView(hex);
  const lines = [title, `  hex:   ${groupedHex(view.hex)}`, '  words:', ...wordLines(view.words, '    ')];
  if (options.qr) {
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(view.hex, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
    lines.push(qr.trimEnd());
  }
  return lines.join('\n');
}
