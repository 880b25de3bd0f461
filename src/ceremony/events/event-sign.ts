/**
 * `event sign`: an admin signs every role of a signing event that their key is authorized for,
 * after seeing the summary and confirming the exact payload digest, before any PIN is asked
 * (docs/formats/event.md; the IANA KSK ceremony's exact "yes"). Several admins can sign in turn at one
 * machine: "insert the token of admin-b" (at a terminal the tool waits for it), then a check that
 * the token holds admin-b's key. With `goOn`, one admin's failure does not end the others' turns,
 * and a rerun of the same command skips those who signed.
 */
import { CeremonyError, InterruptedError, RefusedError, TokenError, UsageError } from '../../tuf/base/index.js';
import type { Key, Signature } from '../../tuf/model/index.js';
import type { EventRole, EventStatus, SigningEvent } from './event.js';
import { checkGivenConfirmation, confirmInteractively } from './event-confirm.js';
import { describeKey, ownerOf } from '../state/holders.js';
import type { CeremonyPrompter } from '../signers/prompts.js';
import type { Repository } from '../state/repository.js';
import {
  beyondSigning,
  MORE_THAN_SIGNING,
  purposeForRole,
  type HolderKeys,
  type KeyPurpose,
  type SignerProvider,
} from '../signers/signer-provider.js';
import { waitForToken } from '../signers/token-wait.js';
import { appendTranscript, recordFailure } from '../state/transcript.js';

/** Signatures made before the event's files are written: 128 roles' files at a time. */
const SIGNATURES_PER_WRITE = 128;
/** Roles named one by one as they are signed; past that a count (a 2^14 claim signs 7,000 bins). */
const SIGNED_ROLES_LOGGED = 20;

export interface SignRequest {
  event: SigningEvent;
  holders: string[];
  provider: SignerProvider;
  /** Non-interactive confirmation: the event digest (or the full payload SHA-256 of every role to be signed). */
  confirm?: string[];
  /** Asks each admin to type the digest; needed when `confirm` is not given. */
  prompter?: CeremonyPrompter;
  /** Progress and instructions for people (stderr). */
  log: (text: string) => void;
  /** When given, each admin's signing is recorded in this repository's transcript. */
  repo?: Repository;
  /** Purposes whose keys must be sign-only (the plan's `roles.<role>.sign_only`). */
  signOnly?: readonly KeyPurpose[];
  /**
   * With several holders: when one holder's turn fails (a PIN typed wrong three times, a refused
   * confirmation, a token not inserted), go on with the next and report it in `failed`.
   */
  goOn?: boolean;
}

export interface SignedEntry {
  holder: string;
  role: string;
  version: number;
  keyid: string;
  serial: string;
}

export interface HolderFailure {
  holder: string;
  error: CeremonyError;
}

export interface SignResult {
  signed: SignedEntry[];
  /** Holders named who had signed every role they can before this run. */
  skipped: string[];
  /** Holders whose turn failed (only with `goOn`; without it the first failure is thrown). */
  failed: HolderFailure[];
  status: EventStatus;
}

interface Task {
  role: EventRole;
  keyid: string;
  key: Key;
  purpose: KeyPurpose;
}

/** The keys of `holder` that may still sign some role of the event. */
function tasksFor(event: SigningEvent, holder: string): { todo: Task[]; done: Task[] } {
  const todo: Task[] = [];
  const done: Task[] = [];
  for (const role of event.roles()) {
    const seen = new Set<string>();
    for (const a of role.thresholds) {
      for (const [keyid, key] of a.keys) {
        if (ownerOf(key) !== holder || seen.has(keyid)) continue;
        seen.add(keyid);
        // A root rotation: the same person may sign as an old and as a new root key.
        const t = { role, keyid, key, purpose: purposeForRole(role.role) };
        (role.metadata.signatures.has(keyid) ? done : todo).push(t);
      }
    }
  }
  return { todo, done };
}

/**
 * Right after the login, before the session does anything else: what each key to be used allows.
 * A key that can also decrypt, unwrap or derive (made by another tool) gets a warning, or is
 * refused when the plan requires sign-only keys for its role (docs/formats/plan.md, "sign_only").
 */
async function checkCapabilities(
  session: HolderKeys,
  holder: string,
  tasks: Task[],
  signOnly: readonly KeyPurpose[],
  log: (text: string) => void,
): Promise<void> {
  if (!session.capabilities) return;
  for (const purpose of new Set(tasks.map((t) => t.purpose))) {
    const found = await session.capabilities(purpose);
    if (!found) continue;
    const extra = beyondSigning(found.capabilities);
    if (extra.length === 0) continue;
    const what = `${holder}'s ${purpose} key "${found.label}" (token serial ${await session.serialFor(purpose)}) can also ${extra.join(', ')}, not only sign`;
    if (signOnly.includes(purpose)) {
      throw new RefusedError(
        `${what}; the plan requires sign-only ${purpose} keys (roles.${purpose}.sign_only): nothing was signed by ${holder}`,
        'E_KEY_NOT_SIGN_ONLY',
      );
    }
    log(`warning: ${what}: ${MORE_THAN_SIGNING}`);
  }
}

/**
 * Before any signature: the token opened for `holder` must hold the holder's own keys. A token of
 * another admin is named as such (issue 4: "check that the inserted token holds B's key").
 */
async function checkTokenIdentity(
  session: HolderKeys,
  holder: string,
  tasks: Task[],
  event: SigningEvent,
): Promise<Map<KeyPurpose, Key>> {
  const found = new Map<KeyPurpose, Key>();
  const everyKey = [...event.authorizedKeys().entries()];
  for (const purpose of new Set(tasks.map((t) => t.purpose))) {
    const onToken = await session.publicKey(purpose);
    const serial = await session.serialFor(purpose);
    if (!onToken)
      throw new TokenError(
        'E_KEY_NOT_FOUND',
        `the token opened for ${holder} (serial ${serial}) holds no ${purpose} key; is it ${holder}'s token?`,
      );
    const mine = tasks.filter((t) => t.purpose === purpose).some((t) => t.key.sameMaterial(onToken));
    if (!mine) {
      const other = everyKey.find(([, k]) => k.sameMaterial(onToken));
      const owner = other ? ownerOf(other[1]) : undefined;
      if (owner && owner !== holder) {
        throw new TokenError(
          'E_WRONG_TOKEN',
          `the token opened for ${holder} (serial ${serial}) holds ${owner}'s ${purpose} key ` +
            `${describeKey(other![0], other![1])}, not ${holder}'s: insert ${holder}'s token`,
        );
      }
      throw new TokenError(
        'E_WRONG_TOKEN',
        `the token opened for ${holder} (serial ${serial}) holds a ${purpose} key that is not ${holder}'s key in this event`,
      );
    }
    found.set(purpose, onToken);
  }
  return found;
}

/** The holders among `holders` who can still sign some role of the event (in their order). */
export function holdersStillToSign(event: SigningEvent, holders: readonly string[]): string[] {
  return holders.filter((h) => tasksFor(event, h).todo.length > 0);
}

const rolesOf = (tasks: readonly Task[]): string =>
  [...new Set(tasks.map((t) => `${t.role.role} v${t.role.version}`))].join(', ');

/** "admin-a (root v1, targets v1)" for each holder who signed something here. */
function whoSigned(signed: readonly SignedEntry[]): string {
  const by = new Map<string, string[]>();
  for (const s of signed) by.set(s.holder, [...(by.get(s.holder) ?? []), `${s.role} v${s.version}`]);
  return [...by].map(([h, roles]) => `${h} (${[...new Set(roles)].join(', ')})`).join(', ');
}

export async function signEvent(req: SignRequest): Promise<SignResult> {
  const { event, holders, provider, log } = req;
  if (holders.length === 0) throw new UsageError('name at least one holder');
  if (new Set(holders).size !== holders.length) throw new UsageError(`a holder is named twice in ${holders.join(',')}`);
  // Plan everything before any token or PIN: who signs what, and whether it was confirmed.
  const plans = holders.map((holder) => {
    const { todo, done } = tasksFor(event, holder);
    if (todo.length === 0 && done.length === 0) {
      throw new RefusedError(`${holder} holds no key that signs any role of this event`, 'E_NOT_A_SIGNER');
    }
    return { holder, todo, done };
  });
  const active = plans.filter((p) => p.todo.length > 0);
  if (active.length === 0) {
    const who = plans.map((p) => `${p.holder} (${rolesOf(p.done)})`).join(', ');
    throw new RefusedError(
      `${plans.length === 1 ? `${plans[0]!.holder} has` : 'every holder named has'} already ` +
        `signed every role of this event they can sign: ${who}; the same key never signs twice ` +
        '(event status shows who is still missing)',
      'E_ALREADY_SIGNED',
    );
  }
  // A rerun of the same command after a failure: those who signed then are skipped, and say so.
  const skipped = plans.filter((p) => p.todo.length === 0).map((p) => p.holder);
  for (const p of plans.filter((x) => x.todo.length === 0))
    log(`${p.holder} has already signed ${rolesOf(p.done)}; skipped`);
  const rolesToSign = [...new Set(active.flatMap((p) => p.todo.map((t) => t.role)))];
  const given = req.confirm ? checkGivenConfirmation(req.confirm, rolesToSign, event) : undefined;
  if (!given && !req.prompter)
    throw new RefusedError(
      `nothing was signed without a confirmation: run at a terminal, or check and pass --confirm <event digest> (event show prints it)`,
      'E_CONFIRMATION',
    );

  const signed: SignedEntry[] = [];
  const failed: HolderFailure[] = [];
  for (const [i, plan] of active.entries()) {
    const { holder, todo } = plan;
    try {
      if (active.length > 1)
        log(`Insert the token of ${holder}${i > 0 ? ` (remove the token of ${active[i - 1]!.holder})` : ''}.`);
      const purposes = [...new Set(todo.map((t) => t.purpose))];
      await waitForToken({ provider, holder, purposes, prompter: req.prompter, log });
      // Once per admin and event, right before the PIN; the digest covers every role (event-confirm.ts).
      const typed = given ? undefined : await confirmInteractively(req.prompter!, holder, event, log);
      const confirmation = typed ?? `--confirm with the ${given}`;
      await signAsHolder(req, holder, todo, confirmation, (s) => signed.push(s));
    } catch (e) {
      // The transcript keeps what ended a holder's turn (wrong PINs, an aborted confirmation, a
      // missing token, Ctrl-C), chained like every record (docs/formats/transcript.md).
      if (req.repo)
        recordFailure(req.repo.dir, {
          step: 'event-sign',
          operator: holder,
          error: e,
          inputs: { 'event.json': event.id, 'event digest': event.digest },
          details: { folder: event.dir, kind: event.kind },
        });
      if (e instanceof InterruptedError) {
        const left = active.slice(i).map((p) => p.holder);
        throw new InterruptedError(
          `interrupted (Ctrl-C) at ${holder}'s turn; ` +
            `${signed.length ? `signed here: ${whoSigned(signed)}` : 'nothing was signed here'}; not ` +
            `signed: ${[...failed.map((f) => f.holder), ...left].join(', ')}`,
          { cause: e },
        );
      }
      if (!req.goOn || !(e instanceof CeremonyError)) throw e;
      failed.push({ holder, error: e as CeremonyError<string> });
      const next = active[i + 1]?.holder;
      log(`${holder}: ${e.message}${next ? `; going on with ${next}` : ''}`);
    }
  }
  return { signed, skipped, failed, status: event.status() };
}

/**
 * One holder's turn, once confirmed: open their token (PIN), check it holds their keys, sign and
 * verify each role. The transcript records whatever was signed, even when a later role fails.
 */
async function signAsHolder(
  req: SignRequest,
  holder: string,
  todo: Task[],
  confirmation: string,
  onSigned: (s: SignedEntry) => void,
): Promise<void> {
  const { event, provider, log } = req;
  // Only the tokens holding keys this event needs are opened (an admin's keys may be on several).
  const session = await provider.open(holder, [...new Set(todo.map((t) => t.purpose))]);
  const mine: SignedEntry[] = [];
  // Signatures are written in batches (one wait for the device per batch, not per role); what
  // was signed before a failure is still written.
  const pending: { sig: Signature; entry: SignedEntry; t: Task }[] = [];
  const flush = () => {
    const batch = pending.splice(0);
    event.addSignaturesToRoles(batch.map((p) => ({ role: p.t.role.role, sigs: [p.sig] })));
    for (const p of batch) {
      mine.push(p.entry);
      onSigned(p.entry);
      if (mine.length <= SIGNED_ROLES_LOGGED)
        log(`  signed ${p.t.role.role} v${p.t.role.version} as ${describeKey(p.t.keyid, p.t.key)}; signature verified`);
    }
  };
  const logRest = () => {
    if (mine.length > SIGNED_ROLES_LOGGED)
      log(
        `  … and ${mine.length - SIGNED_ROLES_LOGGED} more roles signed, each signature verified (${mine.length} in all)`,
      );
  };
  try {
    await checkCapabilities(session, holder, todo, req.signOnly ?? [], log);
    const onToken = await checkTokenIdentity(session, holder, todo, event);
    for (const t of todo) {
      if (!t.key.sameMaterial(onToken.get(t.purpose)!)) {
        log(
          `  ${holder}: ${t.role.role} v${t.role.version} also lists ${describeKey(t.keyid, t.key)}, which is not on this token; skipped`,
        );
        continue;
      }
      const tokenSigner = await session.signerFor(t.purpose, t.key);
      // Sign under the event's key (keyid with owner field) and verify at once (docs/threat-model.md section 2).
      const sig = await t.role.metadata.signatureBy({
        key: t.key,
        description: `${holder}'s ${t.purpose} key`,
        sign: (p) => tokenSigner.sign(p),
      });
      const entry = {
        holder,
        role: t.role.role,
        version: t.role.version,
        keyid: t.keyid,
        serial: await session.serialFor(t.purpose),
      };
      pending.push({ sig, entry, t });
      if (pending.length >= SIGNATURES_PER_WRITE) flush();
    }
    flush();
    logRest();
  } catch (e) {
    try {
      flush();
    } catch {
      /* the first failure is the one to report */
    }
    logRest();
    throw e;
  } finally {
    await session.close();
    if (req.repo && mine.length > 0) recordSigning(req.repo, event, holder, todo, mine, confirmation);
  }
}

function recordSigning(
  repo: Repository,
  event: SigningEvent,
  holder: string,
  todo: Task[],
  mine: SignedEntry[],
  confirmation: string,
): void {
  const myRoles = [...new Set(todo.map((t) => t.role))];
  appendTranscript(repo.dir, {
    step: 'event-sign',
    operator: holder,
    confirmation,
    inputs: {
      'event.json': event.id,
      'event digest': event.digest,
      ...Object.fromEntries(myRoles.map((r) => [`${r.file} payload`, r.payloadSha256])),
    },
    outputs: event.fileDigests(),
    tokens: [...new Set(mine.map((m) => m.serial))].map((serial) => ({
      holder,
      serial,
      keyids: mine.filter((m) => m.serial === serial).map((m) => m.keyid),
    })),
    details: { event: event.dir, kind: event.kind },
  });
}
