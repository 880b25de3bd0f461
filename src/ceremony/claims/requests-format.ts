/**
 * The developer key-delegation request (docs/formats/request.md), format version 1:
 *
 *   {"signed": {"_type": "delegation-request", "format_version": 1, "project": "...",
 *               "keys": [<TUF public key>, ...], "threshold": n, "contact": "...",
 *               "created": "YYYY-MM-DDTHH:MM:SSZ", "expires": "YYYY-MM-DDTHH:MM:SSZ"},
 *    "signatures": [{"keyid": "...", "sig": "..."}, ...]}
 *
 * Every listed key signs the TUF canonical JSON of `signed` (TUF specification 1.0.x section 4.1), which proves
 * that whoever asks for the delegation holds each private key (docs/formats/request.md). Reading is
 * strict: a rejection names its reason, and nothing a file holds can make the reader throw
 * anything but a RequestRejected.
 */
import { canonicalize, parseStrictJson } from '../../tuf/json/index.js';
import {
  asObject,
  checkProjectName,
  describe,
  FieldReader,
  isLowerHex,
  join,
  type JsonObject,
  Key,
  reservedProjectName,
  type Signature,
  type Signer,
} from '../../tuf/model/index.js';
import { CeremonyError, FormatError, formatExpires, parseExpires } from '../../tuf/base/index.js';

export const REQUEST_TYPE = 'delegation-request';
export const REQUEST_FORMAT_VERSION = 1;
/** Requests are a few kilobytes; anything larger is refused before it is read. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_REQUEST_KEYS = 16;
export const MAX_CONTACT_LENGTH = 256;
/** Clock difference tolerated between a developer's machine and the ceremony machine. */
export const CREATED_SKEW_SECONDS = 10 * 60;

/** Why a request is not taken; stable, written as `reason_code` in the JSON report. */
export type RejectionCode =
  | 'not-a-file'
  | 'too-large'
  | 'unreadable'
  | 'not-json'
  | 'not-a-request'
  | 'unknown-version'
  | 'bad-format'
  | 'bad-name'
  | 'reserved-name'
  | 'bad-key'
  | 'unsupported-key'
  | 'bad-threshold'
  | 'missing-proof'
  | 'bad-proof'
  | 'expired'
  | 'not-yet-valid'
  | 'conflict'
  | 'duplicate'
  | 'claimed-with-other-keys'
  | 'not-registered-online'
  | 'online-keys-differ';

type Snake<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${Snake<B>}` : S;
/** The error code of each RejectionCode: `bad-proof` is `E_REQUEST_BAD_PROOF` (see src/tuf/base/errors.ts for the others). */
export type RequestRejectedCode = `E_REQUEST_${Uppercase<Snake<RejectionCode>>}`;

export function requestRejectedCode(reason: RejectionCode): RequestRejectedCode {
  return `E_REQUEST_${reason.toUpperCase().replaceAll('-', '_')}` as RequestRejectedCode;
}

export class RequestRejected extends CeremonyError<RequestRejectedCode> {
  /** The project's normal name, when the file got that far: the report names it. */
  project?: string;
  constructor(
    readonly reason: RejectionCode,
    message: string,
  ) {
    super(requestRejectedCode(reason), reason.endsWith('proof') ? 'verification' : 'usage', message);
  }
}

export interface DelegationRequest {
  /** The name as the file writes it. */
  projectAsWritten: string;
  /** PEP 503 normal form: what the project's role is named after. */
  project: string;
  /** In the order the file lists them; keyids computed from the key objects as written. */
  keys: Key[];
  threshold: number;
  contact: string;
  created: Date;
  expires: Date;
  signatures: Signature[];
  /** `x-` fields of `signed`, kept for the report. */
  extensions: JsonObject;
}

const reject = (reason: RejectionCode, message: string): never => {
  throw new RequestRejected(reason, message);
};

/** Run `fn`, turning a FormatError into a rejection with `reason`. */
function as<T>(reason: RejectionCode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError) return reject(reason, e.message);
    throw e;
  }
}

function readKeys(r: FieldReader): Key[] {
  const raw = as('bad-key', () => r.array('keys'));
  if (raw.length === 0) reject('bad-key', 'signed.keys: lists no key');
  if (raw.length > MAX_REQUEST_KEYS)
    reject('bad-key', `signed.keys: lists ${raw.length} keys; at most ${MAX_REQUEST_KEYS} are accepted`);
  const keys: Key[] = [];
  raw.forEach((v, i) => {
    const path = join(r.at('keys'), i);
    const key = as('bad-key', () => Key.fromJSON(v, path));
    if (key.kind === 'other')
      reject(
        'unsupported-key',
        `${path}: key type ${key.keytype}/${key.scheme} is not supported (ed25519, ecdsa-sha2-nistp256, rsassa-pss-sha256 are)`,
      );
    as('bad-key', () => key.assertUsable());
    // Guard rail (docs/formats/request.md): no key listed twice, under one keyid or two, in one encoding
    // or two (the decoded public key decides: docs/decisions/0004).
    const twin = keys.findIndex((k) => k.sameMaterial(key));
    if (twin >= 0) {
      const how =
        keys[twin]!.keyid === key.keyid
          ? `keyid ${key.keyid}`
          : `keyids ${keys[twin]!.keyid} and ${key.keyid}, the same public key written another way`;
      reject('bad-key', `${path}: the same key as signed.keys[${twin}] (${how})`);
    }
    keys.push(key);
  });
  return keys;
}

function readContact(r: FieldReader): string {
  const contact = r.string('contact').trim();
  if (contact.length === 0) throw new FormatError(r.at('contact'), 'is empty');
  if (contact.length > MAX_CONTACT_LENGTH)
    throw new FormatError(r.at('contact'), `is longer than ${MAX_CONTACT_LENGTH} characters`);
  // Control characters could rewrite what an admin sees on the terminal.
  if (/[\p{Cc}\p{Cf}]/u.test(contact)) throw new FormatError(r.at('contact'), 'holds control or formatting characters');
  return contact;
}

function readSignatures(envelope: FieldReader): Signature[] {
  const seen = new Set<string>();
  return as('bad-proof', () =>
    envelope.array('signatures').map((sv, i) => {
      const sr = FieldReader.of(sv, `signatures[${i}]`);
      const keyid = sr.string('keyid');
      const sig = sr.string('sig');
      if (!isLowerHex(sig) || sig.length === 0) throw new FormatError(sr.at('sig'), 'expected lowercase hex');
      if (seen.has(keyid)) throw new FormatError(sr.at('keyid'), `keyid ${keyid} signs twice`);
      seen.add(keyid);
      const extra = Object.keys(sr.rest());
      if (extra.length > 0) throw new FormatError(sr.at(extra[0]!), 'unknown field');
      return { keyid, sig };
    }),
  );
}

/** The exact bytes every proof-of-possession signature covers. */
export function requestPayload(signed: JsonObject): Buffer {
  return canonicalize(signed);
}

/** One proof-of-possession signature to check: by `key`, over the request's canonical payload. */
export interface Proof {
  key: Key;
  payload: Buffer;
  signature: Buffer;
}

/** A request whose structure is checked; its proofs and times are not yet (phase one of a batch). */
export interface UncheckedRequest {
  request: DelegationRequest;
  proofs: Proof[];
}

export interface ReadRequestOptions {
  /** The one "now" of the batch, for created and expires. */
  now: Date;
}

/** Attach the project name to a rejection of a request whose name was read. */
function naming<T>(project: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RequestRejected) e.project = project;
    throw e;
  }
}

/** Read one request and check everything but its proofs and times. Throws only RequestRejected. */
export function readUncheckedRequest(bytes: Uint8Array): UncheckedRequest {
  if (bytes.length > MAX_REQUEST_BYTES)
    reject('too-large', `${bytes.length} bytes; a request is at most ${MAX_REQUEST_BYTES}`);
  let json: unknown;
  try {
    json = parseStrictJson(bytes);
  } catch (e) {
    return reject('not-json', (e as Error).message);
  }
  const envelope = as('not-a-request', () => FieldReader.of(json, '(file)'));
  if (!envelope.has('signed')) reject('not-a-request', 'no "signed" field: not a delegation request');
  const r = as('not-a-request', () => FieldReader.of(envelope.raw('signed'), 'signed'));
  const type = r.optional('_type');
  if (type !== REQUEST_TYPE) reject('not-a-request', `signed._type is ${describe(type)}, not "${REQUEST_TYPE}"`);
  const version = r.optional('format_version');
  if (version !== REQUEST_FORMAT_VERSION) {
    reject(
      'unknown-version',
      `signed.format_version is ${describe(version)}; this tool reads format version ${REQUEST_FORMAT_VERSION}`,
    );
  }
  const projectAsWritten = as('bad-name', () => r.string('project'));
  const project = as('bad-name', () => checkProjectName(projectAsWritten, r.at('project')));
  return naming(project, () => readStructure(envelope, r, projectAsWritten, project));
}

function readStructure(
  envelope: FieldReader,
  r: FieldReader,
  projectAsWritten: string,
  project: string,
): UncheckedRequest {
  const keys = readKeys(r);
  const threshold = as('bad-threshold', () => r.integer('threshold', 1));
  if (threshold > keys.length)
    reject('bad-threshold', `signed.threshold: ${threshold} is more than the ${keys.length} keys listed`);
  const { contact, created, expires } = as('bad-format', () => ({
    contact: readContact(r),
    created: parseExpires(r.raw('created'), r.at('created')),
    expires: parseExpires(r.raw('expires'), r.at('expires')),
  }));
  if (expires.getTime() <= created.getTime())
    reject(
      'bad-format',
      `signed.expires (${formatExpires(expires)}) is not after signed.created (${formatExpires(created)})`,
    );
  // A versioned format: fields this version does not define are refused, except `x-` extensions,
  // so that an admin never approves a request on the strength of fields the tool ignored.
  const extensions: JsonObject = {};
  for (const [k, v] of Object.entries(r.rest())) {
    if (!k.startsWith('x-'))
      reject('bad-format', `${r.at(k)}: unknown field in format version ${REQUEST_FORMAT_VERSION}`);
    extensions[k] = v;
  }
  const signatures = readSignatures(envelope);
  const unknownTop = Object.keys(envelope.rest());
  if (unknownTop.length > 0) reject('bad-format', `${unknownTop[0]}: unknown field next to "signed" and "signatures"`);
  // A signature by a key the request does not list proves nothing and hides nothing: refused.
  const byKeyid = new Map(keys.map((k) => [k.keyid, k]));
  for (const sig of signatures)
    if (!byKeyid.has(sig.keyid)) reject('bad-proof', `signatures: keyid ${sig.keyid} is not one of the request's keys`);
  const payload = as('bad-format', () => requestPayload(r.obj));
  const proofs = signatures.map((sig) => ({
    key: byKeyid.get(sig.keyid)!,
    payload,
    signature: Buffer.from(sig.sig, 'hex'),
  }));
  return {
    request: { projectAsWritten, project, keys, threshold, contact, created, expires, signatures, extensions },
    proofs,
  };
}

/**
 * Finish a request once its proofs are checked (`verified[i]` for `proofs[i]`): each signature
 * must verify and every listed key must have signed; then the times, last, so that "expired" is
 * only said of an authentic request.
 */
export function finishRequest(
  u: UncheckedRequest,
  verified: readonly boolean[],
  options: ReadRequestOptions,
): DelegationRequest {
  const { request } = u;
  return naming(request.project, () => {
    u.proofs.forEach((p, i) => {
      if (!verified[i]) reject('bad-proof', `signatures: the signature by key ${p.key.keyid} does not verify`);
    });
    const signedBy = new Set(u.proofs.map((p) => p.key.keyid));
    const missing = request.keys.filter((k) => !signedBy.has(k.keyid));
    if (missing.length > 0) {
      reject(
        'missing-proof',
        `no proof of possession by ${missing.length === 1 ? 'key' : 'keys'} ${missing.map((k) => k.keyid).join(', ')}: every listed key must sign the request`,
      );
    }
    if (request.expires.getTime() <= options.now.getTime())
      reject('expired', `expired at ${formatExpires(request.expires)}; ask the developer for a new request`);
    if (request.created.getTime() > options.now.getTime() + CREATED_SKEW_SECONDS * 1000) {
      reject('not-yet-valid', `created ${formatExpires(request.created)}, which is in the future (is a clock wrong?)`);
    }
    return request;
  });
}

/** Parse and check one request completely. Throws only RequestRejected. */
export function parseRequest(bytes: Uint8Array, options: ReadRequestOptions): DelegationRequest {
  const u = readUncheckedRequest(bytes);
  return finishRequest(
    u,
    u.proofs.map((p) => p.key.verify(p.payload, p.signature)),
    options,
  );
}

export interface CreateRequestInit {
  project: string;
  signers: Signer[];
  threshold: number;
  contact: string;
  created: Date;
  expires: Date;
}

/**
 * A project name as a developer asks for it, in normal form: refused when it is not a valid name
 * or when intake would always refuse it (a role name of the repository, a bin's name), with the
 * reason intake gives. Checked before any passphrase or PIN is asked.
 */
export function checkRequestedProject(name: string, field = '--project'): string {
  const project = checkProjectName(name, field);
  const reserved = reservedProjectName(project);
  if (reserved) throw new FormatError(field, `${reserved}; the index refuses it (reserved-name)`);
  return project;
}

/**
 * Make a signed request (the developer side). Each signature is verified at once, and the
 * finished request is read back with the same checks the admins will run, so a request this
 * writes is never one intake would refuse.
 */
export async function createRequest(init: CreateRequestInit): Promise<JsonObject> {
  const project = checkProjectName(init.project, '--project');
  if (init.signers.length === 0) throw new FormatError('--key', 'give at least one key');
  // Guard rail (docs/formats/request.md): a threshold between 1 and the number of keys.
  if (!Number.isInteger(init.threshold) || init.threshold < 1 || init.threshold > init.signers.length) {
    throw new FormatError(
      '--threshold',
      `${init.threshold} is not between 1 and the ${init.signers.length} key${init.signers.length === 1 ? '' : 's'} given`,
    );
  }
  const signed: JsonObject = {
    _type: REQUEST_TYPE,
    format_version: REQUEST_FORMAT_VERSION,
    project,
    keys: init.signers.map((s) => s.key.toJSON()),
    threshold: init.threshold,
    contact: init.contact,
    created: formatExpires(init.created),
    expires: formatExpires(init.expires),
  };
  const payload = requestPayload(signed);
  const signatures: Signature[] = [];
  for (const signer of init.signers) {
    const sig = await signer.sign(payload);
    if (!signer.key.verifyMadeHere(payload, sig)) {
      throw new RequestRejected(
        'bad-proof',
        `the signature just made by ${signer.description ?? signer.key.keyid} does not verify`,
      );
    }
    signatures.push({ keyid: signer.key.keyid, sig: Buffer.from(sig).toString('hex') });
  }
  const request = { signed, signatures };
  parseRequest(encodeRequest(request), { now: init.created });
  return request;
}

/** The file form: indented for people; the signatures cover the canonical form, not this one. */
export function encodeRequest(request: JsonObject): Buffer {
  asObject(request, 'request');
  return Buffer.from(`${JSON.stringify(request, null, 2)}\n`, 'utf8');
}
