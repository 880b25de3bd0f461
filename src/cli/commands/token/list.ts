/** `tuf-ceremony token list`: slots, tokens and the public keys on each, without a PIN. */
import { MORE_THAN_SIGNING } from '../../../ceremony/signers/index.js';
import {
  type ListedKey,
  type ListedToken,
  listProfileTokens,
  listTokens,
  loadProfile,
  type TokenListing,
  type TokenProfile,
} from '../../../keys/index.js';
import type { Run } from '../../declaration.js';
import { out, printJson } from '../../io.js';
import { cliPinSource } from '../../prompter.js';
import { UsageError } from '../../../tuf/base/index.js';
import { fingerprintLines } from '../../../tuf/model/index.js';
import { DEFAULT_MODULE, type list } from './declarations.js';

/** "sign, verify" or, without a login, the public key's and a note (private keys need C_Login). */
function renderCapabilities(k: ListedKey, loggedIn: boolean): string {
  const pub = k.publicCapabilities.length ? k.publicCapabilities.join(',') : 'none';
  if (k.privateCapabilities) return `private: ${k.privateCapabilities.join(',') || 'none'}; public: ${pub}`;
  return `public: ${pub}; ${loggedIn ? 'no private key found' : 'private: not visible'}`;
}

/** The warning for a key that also decrypts, unwraps or derives (shared with event sign's wording). */
export function beyondSigningWarning(label: string, extra: readonly string[]): string {
  return `warning: key "${label}" can also ${extra.join(', ')}, not only sign: ${MORE_THAN_SIGNING}`;
}

function renderToken(t: ListedToken): string[] {
  const token = t.initialized ? `token "${t.label}" serial ${t.serial}` : 'no initialized token';
  const head = `slot ${t.slotId}: ${token}${t.holder ? ` (holder ${t.holder})` : ''}`;
  if (!t.initialized) return [head];
  const pin = t.pin === 'ok' ? 'PIN ok' : `PIN ${t.pin}`;
  const lines = [`${head}, ${t.model}, ${t.userPinInitialized ? pin : 'no user PIN'}`];
  if (t.keys.length === 0) return [...lines, '  no public keys'];
  const w = Math.max(5, ...t.keys.map((k) => k.label.length));
  lines.push(`  ${'label'.padEnd(w)}  ${'type'.padEnd(10)}  ${'CKA_ID'.padEnd(32)}  capabilities`);
  for (const k of t.keys) {
    lines.push(
      `  ${k.label.padEnd(w)}  ${k.type.padEnd(10)}  ${k.id.padEnd(32)}  ${renderCapabilities(k, t.loggedIn)}`,
    );
    // The TUF keyid in the form people compare it with init, key generate and event show.
    if (k.keyid) lines.push(['    TUF keyid:', ...fingerprintLines(k.keyid, '      ')].join('\n'));
    else lines.push(`    no TUF keyid: ${k.problem}`);
    if (k.beyondSigning) lines.push(`  ${beyondSigningWarning(k.label, k.beyondSigning)}`);
  }
  if (!t.loggedIn) lines.push('  log in to see private-key attributes (--login with --profile)');
  return lines;
}

function renderListing(listings: Array<TokenListing & { name?: string }>, withProfile: boolean): string {
  const lines: string[] = [];
  for (const listing of listings) {
    if (lines.length) lines.push('');
    lines.push(`module ${listing.name ? `"${listing.name}" ` : ''}${listing.module} (${listing.description})`);
    for (const t of listing.tokens) lines.push(...renderToken(t));
    if (listing.tokens.length === 0) lines.push('no slot holds a token');
  }
  lines.push(
    withProfile
      ? 'keyids include the holder (x-ceremony-owner) named by the profile'
      : 'keyids are of the bare keys; give --profile to include each holder as the plan writes them',
  );
  return lines.join('\n');
}

function tokenJson(t: ListedToken) {
  return {
    slot_id: t.slotId,
    slot_description: t.slotDescription,
    initialized: t.initialized,
    label: t.label,
    serial: t.serial,
    model: t.model,
    manufacturer: t.manufacturer,
    holder: t.holder ?? null,
    user_pin_initialized: t.userPinInitialized,
    pin: t.pin,
    logged_in: t.loggedIn,
    keys: t.keys.map((k) => ({
      label: k.label,
      type: k.type,
      id: k.id,
      holder: k.holder ?? null,
      keyid: k.keyid ?? null,
      problem: k.problem ?? null,
      // null: the private key was not visible (no login), not "no capability".
      capabilities: { public: k.publicCapabilities, private: k.privateCapabilities ?? null },
      beyond_signing: k.beyondSigning ?? [],
    })),
  };
}

export const run: Run<typeof list> = async ({ values }, io) => {
  const profile: TokenProfile | undefined = values.profile ? loadProfile(values.profile) : undefined;
  if (values.login && !profile)
    throw new UsageError('--login needs --profile: it names the tokens and where their PINs come from');
  const pins = values.login ? cliPinSource(io) : undefined;
  // With a profile and no --module: every module the profile names, in its order.
  const listings: Array<TokenListing & { name?: string }> =
    profile && values.module === undefined
      ? await listProfileTokens(profile, { pins })
      : [await listTokens(values.module ?? DEFAULT_MODULE, { profile, pins })];
  const first = listings[0]!;
  if (values.json) {
    const modules = listings.map((l) => ({
      name: l.name ?? null,
      module: l.module,
      description: l.description,
      tokens: l.tokens.map(tokenJson),
    }));
    // The first module's fields stay at the top for readers of the one-module document.
    printJson(io, {
      ok: true,
      module: first.module,
      description: first.description,
      tokens: modules[0]!.tokens,
      modules,
    });
  } else out(io, renderListing(listings, profile !== undefined));
  return 0;
};
