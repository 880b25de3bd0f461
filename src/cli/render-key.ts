/**
 * A key on a holder's token, for people (its TUF public key and keyid as hex, words and a QR code,
 * to compare with what later appears in metadata) and for `--json`.
 */
import type { TokenKeyInfo } from '../keys/index.js';
import type { CliIO } from './io.js';
import { renderFingerprint } from './render-fingerprint.js';

export function tokenKeyJson(info: TokenKeyInfo, holder: string) {
  return {
    holder,
    label: info.label,
    id: info.id,
    token: { label: info.tokenLabel, serial: info.tokenSerial },
    keyid: info.key.keyid,
    key: info.key.toJSON(),
  };
}

export async function renderKey(title: string, info: TokenKeyInfo, holder: string, io: CliIO): Promise<string> {
  return [
    title,
    `  holder: ${holder}`,
    `  token:  "${info.tokenLabel}" (serial ${info.tokenSerial})`,
    `  label:  ${info.label}   CKA_ID: ${info.id}`,
    `  TUF public key: ${JSON.stringify(info.key.toJSON())}`,
    await renderFingerprint('  keyid:', info.key.keyid, { qr: io.interactive }),
  ].join('\n');
}
