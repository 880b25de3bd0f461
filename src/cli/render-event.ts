/**
 * A signing event (docs/formats/event.md) for people and for `--json`: the summary shown before
 * any confirmation or PIN, the have/need of every threshold, and what to do next.
 */
import {
  type DelegationRef,
  differenceLine,
  type EventStatus,
  type EventSummary,
  type KeyRef,
  renderSummary,
  type ResignProof,
  type RoleSummary,
  type SigningEvent,
  summarizeEvent,
} from '../ceremony/events/index.js';
import { keyChangesToWire, maintenanceDetails, maintenanceNotes } from '../ceremony/lifecycle/index.js';
import { escapeLines } from '../tuf/base/index.js';
import { fingerprintWords, groupedHex } from '../tuf/model/index.js';
import { qrCode, renderFingerprint } from './render-fingerprint.js';
import { boundedRows } from './render-report.js';

/**
 * A terminal of 50 lines: the summary takes at most this many, so that the event digest and, at
 * `event sign`, each admin's question below it stay on the screen with it.
 */
export const SCREEN_SUMMARY_LINES = 34;

/** The notes of a maintenance event on a screen: the first lines and every one that says NOT. */
function screenNotes(notes: string[], max: number): string[] {
  if (notes.length <= max) return notes;
  const loud = notes.slice(2).filter((l) => /\bNOT\b/.test(l));
  const shown = [...notes.slice(0, 2), ...loud.slice(0, max - 3)];
  return [...shown, `  … and ${notes.length - shown.length} more lines (event show --all lists them)`];
}

export interface PeopleView {
  /** A QR code of the event digest, after everything else. */
  qr: boolean;
  /** Cap on each list (every item with --all). */
  limit?: number;
  /** Every role one by one (--all); otherwise many roles are shown together. */
  everyRole?: boolean;
  /** A person at a terminal reads it: it fits SCREEN_SUMMARY_LINES; the per-role digests are left to --all. */
  screen?: boolean;
  /** The event digest as hex and words (off when each admin's question prints it right above). */
  eventDigest?: boolean;
}

/** The summary, the payload digests and the event digest that each signer confirms. */
export async function renderEventForPeople(event: SigningEvent, options: PeopleView): Promise<string> {
  const summary = summarizeEvent(event);
  const notes = maintenanceNotes(event);
  const shownNotes = options.screen ? screenNotes(notes, 10) : notes;
  const parts = [
    renderSummary(summary, {
      limit: options.limit,
      everyRole: options.everyRole,
      digests: false,
      maxLines: options.screen ? SCREEN_SUMMARY_LINES - shownNotes.length : undefined,
    }),
    ...(shownNotes.length ? [escapeLines(shownNotes)] : []),
    '',
  ];
  const limit = options.limit ?? 50;
  if (options.screen && summary.roles.length > 0)
    parts.push("Each role's payload SHA-256 as hex and words: event show --all (or --json).");
  else {
    // Per role, the payload digest; a QR code only for the event digest, which is what is confirmed.
    for (const r of summary.roles.slice(0, limit))
      parts.push(
        await renderFingerprint(`${r.role} v${r.version} payload SHA-256 (${r.file}):`, r.payloadSha256, { qr: false }),
      );
    if (summary.roles.length > limit)
      parts.push(`… and ${summary.roles.length - limit} more payload digests (event show --json lists all)`);
  }
  if (options.eventDigest !== false)
    parts.push(
      '',
      await renderFingerprint(
        `Event digest, over all ${summary.roles.length} payload digests (docs/formats/event.md); each signer confirms this:`,
        event.digest,
        { qr: false },
      ),
    );
  if (options.qr) parts.push(await qrCode(event.digest));
  return parts.join('\n');
}

/** `event show --raw`: every difference of each role from the version it replaces, values whole. */
export function renderRawDifferences(event: SigningEvent): string {
  const lines: string[] = [];
  for (const r of summarizeEvent(event).roles) {
    lines.push(
      `${r.file}${r.replaces ? ` against ${r.role} v${r.replaces}` : ' (new role: nothing to compare with)'}, version and expires aside:`,
    );
    if (r.delegationOrder)
      lines.push(
        `  order of delegations from position ${r.delegationOrder.from + 1}: ${r.delegationOrder.before.join(', ')} → ${r.delegationOrder.after.join(', ')}`,
      );
    for (const f of r.differences) lines.push(`  ${differenceLine(f, Number.MAX_SAFE_INTEGER)}`);
    if (r.replaces && r.differences.length === 0 && !r.delegationOrder) lines.push('  (no difference)');
  }
  return escapeLines(lines);
}

export function renderStatus(status: EventStatus): string {
  const lines: string[] = [];
  // A role with a bad signature is always shown; the others up to OK_ROWS_SHOWN, as verify lists roles, then counted.
  const { shown, hidden } = boundedRows(status.roles, (r) => r.thresholds.some((t) => t.bad.length));
  const complete = hidden.filter((r) => r.complete).length;
  for (const r of shown) {
    lines.push(`${r.role} v${r.version} (${r.file}): ${r.complete ? 'complete' : 'incomplete'}`);
    for (const t of r.thresholds) {
      const names = (list: typeof t.signed) => list.map((s) => s.holder ?? groupedHex(s.keyid)).join(', ') || 'nobody';
      lines.push(
        `  ${t.met ? '✓' : '✗'} ${t.have} of ${t.threshold} needed from ` +
          `${t.label}${t.met ? '' : `, ${t.need} more`}; signed: ` +
          `${names(t.signed)}${t.met ? '' : `; not yet: ${names(t.missing)}`}`,
      );
      if (t.bad.length) lines.push(`    bad signatures from: ${names(t.bad)}`);
    }
  }
  if (hidden.length > 0)
    lines.push(
      `… and ${hidden.length} more roles: ${complete} complete, ${hidden.length - complete} incomplete ` +
        '(event status --json lists every role)',
    );
  lines.push(
    status.complete
      ? 'Every threshold is met: ready for event finalize.'
      : `Still missing signatures; admins who can still sign: ${status.missingHolders.join(', ')}`,
  );
  return escapeLines(lines);
}

/** What the people do with a maintenance event once it is written. */
export function signingSteps(eventDir: string, repoDir: string): string[] {
  return [
    `Next: tuf-ceremony event show ${eventDir} --repo ${repoDir}`,
    `      each signer: tuf-ceremony event sign ${eventDir} --profile <token profile> --holder <name> --repo ${repoDir}`,
    `      then: tuf-ceremony event finalize ${eventDir} --repo ${repoDir}, and tuf-ceremony bundle export`,
  ];
}

const signerJson = (s: { keyid: string; holder?: string }) => ({ keyid: s.keyid, holder: s.holder ?? null });

export function statusJson(status: EventStatus) {
  return {
    complete: status.complete,
    missing_holders: status.missingHolders,
    roles: status.roles.map((r) => ({
      role: r.role,
      version: r.version,
      file: r.file,
      payload_sha256: r.payloadSha256,
      complete: r.complete,
      thresholds: r.thresholds.map((t) => ({
        label: t.label,
        threshold: t.threshold,
        have: t.have,
        need: t.need,
        met: t.met,
        signed: t.signed.map(signerJson),
        missing: t.missing.map(signerJson),
        bad: t.bad.map(signerJson),
      })),
    })),
  };
}

const keyJson = (k: KeyRef) => ({
  keyid: k.keyid,
  keytype: k.keytype,
  holder: k.holder ?? null,
  ...(k.ownKeyid ? { own_keyid: k.ownKeyid } : {}),
});

function delegationJson(d: DelegationRef) {
  return {
    name: d.name,
    threshold: d.threshold,
    keys: d.keys.map(keyJson),
    paths: d.paths ?? null,
    path_hash_prefixes: d.pathHashPrefixes ?? null,
    terminating: d.terminating,
  };
}

function roleSummaryJson(r: RoleSummary) {
  const d = r.delegations;
  return {
    role: r.role,
    version: r.version,
    replaces: r.replaces ?? null,
    file: r.file,
    expires: r.expires,
    previous_expires: r.previousExpires ?? null,
    payload_sha256: r.payloadSha256,
    payload_words: r.payloadWords,
    content_unchanged: r.contentUnchanged,
    signers: r.signers.map((s) => ({ label: s.label, threshold: s.threshold, keys: s.keys.map(keyJson) })),
    keys_added: r.keysAdded.map((c) => ({ role: c.role, key: keyJson(c.key) })),
    keys_removed: r.keysRemoved.map((c) => ({ role: c.role, key: keyJson(c.key) })),
    thresholds: r.thresholds.map((t) => ({ role: t.role, from: t.from ?? null, to: t.to })),
    delegations: d
      ? {
          added: d.added.map(delegationJson),
          removed: d.removed.map(delegationJson),
          rekeyed: d.rekeyed.map((x) => ({ name: x.name, from: delegationJson(x.from), to: delegationJson(x.to) })),
          changed: d.changed.map((x) => ({ name: x.name, from: delegationJson(x.from), to: delegationJson(x.to) })),
          succinct: d.succinct
            ? {
                bit_length: d.succinct.bitLength,
                name_prefix: d.succinct.namePrefix,
                threshold: d.succinct.threshold,
                keys: d.succinct.keys.map(keyJson),
                changed_from: d.succinct.changedFrom ?? null,
              }
            : null,
        }
      : null,
    targets: r.targets ?? null,
    other: r.other,
    delegation_order: r.delegationOrder ?? null,
    differences: r.differences.map((f) => ({ path: f.path, from: f.from ?? null, to: f.to ?? null })),
  };
}

export function summaryJson(s: EventSummary) {
  return {
    event_id: s.eventId,
    event_digest: s.eventDigest,
    event_digest_words: fingerprintWords(s.eventDigest),
    kind: s.kind,
    description: s.description,
    repository: s.repository,
    created: s.created,
    roles: s.roles.map(roleSummaryJson),
  };
}

export function resignProofJson(p: { role: string } & ResignProof) {
  return {
    role: p.role,
    content_unchanged: p.contentUnchanged,
    version_from: p.versionFrom,
    version_to: p.versionTo,
    version_ok: p.versionOk,
    expires_from: p.expiresFrom,
    expires_to: p.expiresTo,
    content_sha256_from: p.contentSha256From,
    content_sha256_to: p.contentSha256To,
    differences: p.differences,
  };
}

/** What a re-sign or key-change event proves or changes, beside its summary (null for other kinds). */
export function maintenanceJson(event: SigningEvent) {
  const m = maintenanceDetails(event);
  return {
    resign_proofs: m.resignProofs ? m.resignProofs.map(resignProofJson) : null,
    key_changes: m.keyChanges ? keyChangesToWire(m.keyChanges) : null,
  };
}
