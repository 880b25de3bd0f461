/** `tuf-ceremony token list`: slots, tokens and the public keys on each, without a PIN. */
import { loadProfile, type TokenProfile } from '../../keys/profile.js';
import { listTokens, type ListedToken, type TokenListing } from '../../keys/token-keys.js';
import { parse } from '../args.js';
import { out, printJson, type CliIO } from '../io.js';
import type { Command } from './index.js';

const usage = 'tuf-ceremony token list [--module <PKCS#11 module> | --profile <token profile>] [--json]';
export const DEFAULT_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

function renderToken(t: ListedToken): string[] {
  const head = `slot ${t.slotId}: ${t.initialized ? `token "${t.label}" serial ${t.serial}` : 'no initialized token'}${t.holder ? ` (holder ${t.holder})` : ''}`;
  if (!t.initialized) return [head];
  const pin = t.pin === 'ok' ? 'PIN ok' : `PIN ${t.pin}`;
  const lines = [`${head}, ${t.model}, ${t.userPinInitialized ? pin : 'no user PIN'}`];
  if (t.keys.length === 0) return [...lines, '  no public keys'];
  const w = Math.max(5, ...t.keys.map((k) => k.label.length));
  lines.push(`  ${'label'.padEnd(w)}  ${'type'.padEnd(10)}  ${'CKA_ID'.padEnd(32)}  TUF keyid`);
  for (const k of t.keys) lines.push(`  ${k.label.padEnd(w)}  ${k.type.padEnd(10)}  ${k.id.padEnd(32)}  ${k.keyid ?? `- (${k.problem})`}`);
  return lines;
}

export function renderListing(listing: TokenListing, withProfile: boolean): string {
  const lines = [`module ${listing.module} (${listing.description})`];
  for (const t of listing.tokens) lines.push(...renderToken(t));
  if (listing.tokens.length === 0) lines.push('no slot holds a token');
  lines.push(withProfile ? 'keyids include the holder (x-ceremony-owner) named by the profile' : 'keyids are of the bare keys; give --profile to include each holder as the plan writes them');
  return lines.join('\n');
}

export const tokenListCommand: Command = {
  name: ['token', 'list'],
  summary: 'list PKCS#11 slots, tokens (label, serial, PIN state) and their keys with TUF keyids',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parse(argv, { module: { type: 'string' }, profile: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const profile: TokenProfile | undefined = values.profile ? loadProfile(values.profile) : undefined;
    const module = values.module ?? profile?.module ?? DEFAULT_MODULE;
    const listing = await listTokens(module, { profile });
    if (values.json) printJson(io, listing);
    else out(io, renderListing(listing, profile !== undefined));
    return 0;
  },
};
