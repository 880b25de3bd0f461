/**
 * `event sign`: an admin signs every role of a signing event that their key is authorized for,
 * after seeing the summary and confirming the exact payload digest, before any PIN is asked
 * (docs/formats/event.md; the IANA KSK ceremony's exact "yes"). Several admins can sign in turn at one
 * machine: "insert the token of admin-b", then a check that the token holds admin-b's key.
 */
import { RefusedError, TokenError, UsageError } from '../../tuf/model/errors.js';
import type { Key } from '../../tuf/model/key.js';
import type { Signature } from '../../tuf/model/metadata.js';
import type { EventRole, EventStatus, SigningEvent } from './event.js';
import { checkGivenConfirmation, confirmInteractively } from './event-confirm.js';
import { describeKey, ownerOf } from '../state/holders.js';
import type { CeremonyPrompter } from './prompts.js';
import type { Repository } from '../state/repository.js';
import {
  beyondSigning,
  MORE_THAN_SIGNING,
  purposeForRole,
  type HolderKeys,
  type KeyPurpose,
  type SignerProvider,
} from '../signers/signer-provider.js';
import { appendTranscript } from '../state/transcript.js';

/** Signatures made before the event's files are written: 128 roles' files at a time. */
const SIGNATURES_PER_WRITE = 128;

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
}

export interface SignedEntry {
  holder: string;
  role: string;
  version: number;
  keyid: string;
  serial: string;
}

export interface SignResult {
  signed: SignedEntry[];
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
          `the token opened for ${holder} (serial ${serial}) holds ${owner}'s ${purpose} key ${describeKey(other![0], other![1])}, not ${holder}'s: insert ${holder}'s token`,
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
    if (todo.length === 0) {
      throw new RefusedError(
        `${holder} has already signed every role of this event they can sign (${done.map((t) => `${t.role.role} v${t.role.version}`).join(', ')}); the same key never signs twice`,
        'E_ALREADY_SIGNED',
      );
    }
    return { holder, todo, done };
  });
  const rolesToSign = [...new Set(plans.flatMap((p) => p.todo.map((t) => t.role)))];
  const given = req.confirm ? checkGivenConfirmation(req.confirm, rolesToSign, event) : undefined;
  if (!given && !req.prompter)
    throw new RefusedError(
      `nothing was signed without a confirmation: run at a terminal, or check and pass --confirm <event digest> (event show prints it)`,
      'E_CONFIRMATION',
    );

  const signed: SignedEntry[] = [];
  for (const [i, plan] of plans.entries()) {
    const { holder, todo } = plan;
    if (plans.length > 1) {
      const msg = `Insert the token of ${holder}${i > 0 ? ` (remove the token of ${plans[i - 1]!.holder})` : ''}.`;
      if (req.prompter) await req.prompter.waitForEnter(msg);
      else log(msg);
    }
    const myRoles = [...new Set(todo.map((t) => t.role))];
    // Once per admin and event, right before the PIN; the digest covers every role (event-confirm.ts).
    const typed = given ? undefined : await confirmInteractively(req.prompter!, holder, event, log);
    // Only the tokens holding keys this event needs are opened (an admin's keys may be on several).
    const session = await provider.open(holder, [...new Set(todo.map((t) => t.purpose))]);
    const mine: SignedEntry[] = [];
    // Signatures are written in batches (one wait for the device per batch, not per role); what
    // was signed before a failure is still written.
    const pending: { sig: Signature; entry: SignedEntry; t: (typeof todo)[number] }[] = [];
    const flush = () => {
      const batch = pending.splice(0);
      event.addSignaturesToRoles(batch.map((p) => ({ role: p.t.role.role, sigs: [p.sig] })));
      for (const p of batch) {
        mine.push(p.entry);
        log(`  signed ${p.t.role.role} v${p.t.role.version} as ${describeKey(p.t.keyid, p.t.key)}; signature verified`);
      }
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
    } catch (e) {
      try {
        flush();
      } catch {
        /* the first failure is the one to report */
      }
      throw e;
    } finally {
      await session.close();
    }
    for (const s of mine) signed.push(s);
    if (req.repo && mine.length > 0) {
      appendTranscript(req.repo.dir, {
        step: 'event-sign',
        operator: holder,
        confirmation: typed ?? `--confirm with the ${given}`,
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
  }
  return { signed, status: event.status() };
}
