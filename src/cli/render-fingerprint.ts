/**
 * A digest or keyid for people to compare: its hex and numbered words, in the one form of
 * src/tuf/model/fingerprint-words.ts, and on request a QR code on the terminal for a phone or a
 * second machine to scan. Used for keyids, payload and event digests, manifests, transcript heads.
 */
import { fingerprintLines, fingerprintWords } from '../tuf/model/index.js';

export interface FingerprintView {
  hex: string;
  words: string[];
}

/** A digest or keyid for `--json`: its lowercase hex and its words. */
export function fingerprintView(hex: string): FingerprintView {
  return { hex: hex.toLowerCase(), words: fingerprintWords(hex) };
}

/**
 * The text block: a title, hex, words and, when `qr` is set, the QR code of the hex. Callers set
 * `qr` only for a person at a terminal (`io.interactive`): in a log the code is noise.
 */
export async function renderFingerprint(title: string, hex: string, options: { qr: boolean }): Promise<string> {
  const lines = [title, ...fingerprintLines(hex.toLowerCase())];
  if (options.qr) lines.push(await qrCode(hex));
  return lines.join('\n');
}

/**
 * The root a verification started from: its version and the SHA-256 of its file, which the
 * operator compares with the one the ceremony published (docs/runbook.md, "The first trusted root").
 */
export function trustedRootLines(version: number, hex: string): string[] {
  return [
    `trusted root v${version} SHA-256 (compare it with the one the ceremony published):`,
    ...fingerprintLines(hex),
  ];
}

/** The same for `--json`, in the shape `dev fetch` gives it too. */
export function trustedRootJson(file: string, version: number, hex: string) {
  return { trusted_root: { file, version, sha256: hex, words: fingerprintWords(hex) } };
}

/** The QR code of a digest's hex, for the terminal. */
export async function qrCode(hex: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  const qr = await QRCode.toString(hex.toLowerCase(), { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
  return qr.trimEnd();
}
