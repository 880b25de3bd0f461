/**
 * `event merge`: bring the signatures from copies of one signing event, carried back from other
 * machines, into this copy. A copy whose payload differs is refused, and the message says which
 * role differs; every signature taken is verified first, and nothing changes unless all are good.
 */
import { RefusedError, VerificationError } from '../tuf/errors.js';
import type { Signature } from '../tuf/metadata.js';
import { SigningEvent } from './event.js';
import { ownerOf } from './holders.js';
import type { Repository } from './repository.js';
import { appendTranscript } from './transcript.js';

export interface MergedSignature {
  from: string;
  role: string;
  version: number;
  keyid: string;
  holder?: string;
}

export interface MergeResult {
  added: MergedSignature[];
  /** Signatures the copies hold by keys that have signed here already (kept as they are here). */
  alreadyPresent: MergedSignature[];
}

/** Load a copy, turning a tampered copy into a refusal that names it. */
function loadCopy(dir: string): SigningEvent {
  try {
    return SigningEvent.load(dir);
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'E_EVENT_TAMPERED') throw new RefusedError(`refusing the copy ${dir}: ${e.message}`, 'E_MERGE_PAYLOAD_DIFFERS', { cause: e });
    throw e;
  }
}

/** Why two copies are not the same event, in words. */
function differences(a: SigningEvent, b: SigningEvent): string {
  const out: string[] = [];
  for (const r of a.roles()) {
    const other = b.roles().find((x) => x.role === r.role && x.version === r.version);
    if (!other) out.push(`${r.role} v${r.version} is not in it`);
    else if (other.payloadSha256 !== r.payloadSha256) out.push(`the payload of ${r.role} v${r.version} differs (${other.payloadSha256} there, ${r.payloadSha256} here)`);
  }
  for (const r of b.roles()) if (!a.roles().some((x) => x.role === r.role && x.version === r.version)) out.push(`it has ${r.role} v${r.version}, which this event does not`);
  if (out.length === 0) out.push('its event.json differs (description, kind, creation time or base metadata)');
  return out.join('; ');
}

export function mergeEvents(target: SigningEvent, copyDirs: string[], repo?: Repository): MergeResult {
  const copies = copyDirs.map((dir) => ({ dir, event: loadCopy(dir) }));
  for (const c of copies) {
    if (c.event.id !== target.id) throw new RefusedError(`refusing the copy ${c.dir}: it is not a copy of this event: ${differences(target, c.event)}`, 'E_MERGE_PAYLOAD_DIFFERS');
  }
  const result: MergeResult = { added: [], alreadyPresent: [] };
  const incoming = new Map<string, Signature[]>();
  for (const c of copies) {
    for (const r of c.event.roles()) {
      const here = target.role(r.role);
      const list = incoming.get(r.role) ?? [];
      for (const sig of r.metadata.signatures.values()) {
        const key = here.thresholds.flatMap((a) => [...a.keys.entries()]).find(([id]) => id === sig.keyid)?.[1];
        const entry = { from: c.dir, role: r.role, version: r.version, keyid: sig.keyid, holder: ownerOf(key) };
        if (here.metadata.signatures.has(sig.keyid) || list.some((s) => s.keyid === sig.keyid)) result.alreadyPresent.push(entry);
        else {
          list.push(sig);
          result.added.push(entry);
        }
      }
      incoming.set(r.role, list);
    }
  }
  // addSignatures verifies every signature against the authorized keys before writing.
  for (const [role, sigs] of incoming) if (sigs.length > 0) target.addSignatures(role, sigs);
  if (repo && result.added.length > 0) {
    appendTranscript(repo.dir, {
      step: 'event-merge',
      inputs: { 'event.json': target.id },
      outputs: target.fileDigests(),
      details: { event: target.dir, copies: copyDirs, added: result.added.map((a) => ({ role: a.role, version: a.version, keyid: a.keyid, holder: a.holder ?? null })) },
    });
  }
  return result;
}
