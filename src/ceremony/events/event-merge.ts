/**
 * `event merge`: bring the signatures from copies of one signing event, carried back from other
 * machines, into this copy. A copy whose payload differs is refused, and the message says which
 * role differs; every signature taken is verified first, and nothing changes unless all are good.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, sha256Hex, type Signature } from '../../tuf/model/index.js';
import { RefusedError, UsageError, VerificationError, withContext } from '../../tuf/base/index.js';
import { EVENT_FILE, SigningEvent } from './event.js';
import { ownerOf } from '../state/holders.js';
import type { Repository } from '../state/repository.js';
import { appendTranscript } from '../state/transcript.js';

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
    if (e instanceof VerificationError && e.code === 'E_EVENT_TAMPERED')
      throw new RefusedError(`refusing the copy ${dir}: ${e.message}`, 'E_MERGE_PAYLOAD_DIFFERS', { cause: e });
    throw e;
  }
}

/** Why two copies are not the same event, in words. */
function differences(a: SigningEvent, b: SigningEvent): string {
  const out: string[] = [];
  for (const r of a.roles()) {
    const other = b.roles().find((x) => x.role === r.role && x.version === r.version);
    if (!other) out.push(`${r.role} v${r.version} is not in it`);
    else if (other.payloadSha256 !== r.payloadSha256)
      out.push(
        `the payload of ${r.role} v${r.version} differs (${other.payloadSha256} there, ${r.payloadSha256} here)`,
      );
  }
  for (const r of b.roles())
    if (!a.roles().some((x) => x.role === r.role && x.version === r.version))
      out.push(`it has ${r.role} v${r.version}, which this event does not`);
  if (out.length === 0) out.push('its event.json differs (description, kind, creation time or base metadata)');
  return out.join('; ');
}

/**
 * The roles of a copy of `target`, read one at a time. A copy whose event.json is the same bytes
 * (the same event id) names the same roles and payload digests, so only each role file is read and
 * its payload checked against the digest; the copy's base/ is never used by a merge. Any other
 * copy is loaded whole, to say how it differs.
 */
function* copyRoles(
  target: SigningEvent,
  dir: string,
): Generator<{ role: string; version: number; metadata: Metadata }> {
  let eventJson: Buffer;
  try {
    eventJson = readFileSync(join(dir, EVENT_FILE));
  } catch {
    eventJson = Buffer.alloc(0);
  }
  if (sha256Hex(eventJson) !== target.id) {
    const copy = loadCopy(dir);
    throw new RefusedError(
      `refusing the copy ${dir}: it is not a copy of this event: ${differences(target, copy)}`,
      'E_MERGE_PAYLOAD_DIFFERS',
    );
  }
  for (const r of target.roles()) {
    const path = join(dir, r.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new UsageError(`${dir}: cannot read ${r.file}: ${(e as NodeJS.ErrnoException).code}`, 'E_EVENT_FILE', {
        cause: e,
      });
    }
    const metadata = withContext(path, () => Metadata.fromBytes(bytes, path, r.role === 'root' ? 'root' : 'targets'));
    const actual = sha256Hex(metadata.payload());
    if (actual !== r.payloadSha256 || metadata.signed.version !== r.version) {
      throw new RefusedError(
        `refusing the copy ${dir}: ${r.file} in ${dir}: its payload SHA-256 ${actual} is not the ` +
          `${r.payloadSha256} recorded in ${EVENT_FILE}; the metadata was changed`,
        'E_MERGE_PAYLOAD_DIFFERS',
      );
    }
    yield { role: r.role, version: r.version, metadata };
  }
}

export function mergeEvents(target: SigningEvent, copyDirs: string[], repo?: Repository): MergeResult {
  const result: MergeResult = { added: [], alreadyPresent: [] };
  const incoming = new Map<string, Signature[]>();
  // One role of one copy in memory at a time, keeping only its signatures: an event with a bin
  // of every 2^10 of a 600k-project claimed role holds 400 MB of metadata (docs/performance.md).
  for (const dir of copyDirs) {
    for (const r of copyRoles(target, dir)) {
      const here = target.role(r.role);
      const list = incoming.get(r.role) ?? [];
      for (const sig of r.metadata.signatures.values()) {
        const key = here.thresholds.flatMap((a) => [...a.keys.entries()]).find(([id]) => id === sig.keyid)?.[1];
        const entry = { from: dir, role: r.role, version: r.version, keyid: sig.keyid, holder: ownerOf(key) };
        if (here.metadata.signatures.has(sig.keyid) || list.some((s) => s.keyid === sig.keyid))
          result.alreadyPresent.push(entry);
        else {
          list.push(sig);
          result.added.push(entry);
        }
      }
      incoming.set(r.role, list);
    }
  }
  // Every signature is verified against the authorized keys before any file is written.
  target.addSignaturesToRoles([...incoming].map(([role, sigs]) => ({ role, sigs })));
  if (repo && result.added.length > 0) {
    appendTranscript(repo.dir, {
      step: 'event-merge',
      inputs: { 'event.json': target.id },
      outputs: target.fileDigests(),
      details: {
        event: target.dir,
        copies: copyDirs,
        added: result.added.map((a) => ({
          role: a.role,
          version: a.version,
          keyid: a.keyid,
          holder: a.holder ?? null,
        })),
      },
    });
  }
  return result;
}
