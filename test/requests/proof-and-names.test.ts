import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyEd25519Strict, verifyProof } from '../../src/ceremony/requests-proof.js';
import { POOL_MIN_PROOFS, verifyProofs } from '../../src/ceremony/requests-proof-pool.js';
import { PemSigner } from '../../src/keys/software-signer.js';
import { generateKeyPairSync } from 'node:crypto';
import { Ed25519Signer } from '../../src/keys/software-signer.js';
import { Key } from '../../src/tuf/key.js';
import { checkProjectName, normalizeProjectName } from '../../src/tuf/project-name.js';
import { loadVector } from '../helpers/vectors.js';

const edKey = (pub: Uint8Array) => new Key('ed25519', 'ed25519', { public: Buffer.from(pub).toString('hex') });

/** The fast path must never accept what the project's strict verifier (Key.verify) refuses. */
function agree(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const strict = edKey(pub).verify(msg, sig);
  const fast = verifyEd25519Strict(pub, msg, sig);
  expect({ fast, strict }).toEqual({ fast: strict, strict });
  return fast;
}

const P = 2n ** 255n - 19n;
const le = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

describe('fast strict Ed25519 proof check agrees with Key.verify', () => {
  it('on fresh signatures, and on every one-bit change of a signature', async () => {
    const s = Ed25519Signer.generate();
    const pub = Buffer.from(s.key.publicValue, 'hex');
    for (let i = 0; i < 20; i++) {
      const msg = randomBytes(100 + i);
      const sig = await s.sign(msg);
      expect(agree(pub, msg, sig)).toBe(true);
      const bad = Uint8Array.from(sig);
      bad[i * 3] = bad[i * 3]! ^ (1 << (i % 8));
      expect(agree(pub, msg, bad)).toBe(false);
    }
  });

  it('on the securesystemslib vector', () => {
    const c = loadVector('signatures.json').cases.find((x: any) => x.key.keytype === 'ed25519');
    expect(agree(Buffer.from(c.key.keyval.public, 'hex'), Buffer.from(c.payload_utf8, 'utf8'), Buffer.from(c.sig, 'hex'))).toBe(true);
  });

  it('refuses a small-order public key with a signature that passes the plain equation', () => {
    // A = identity, R = identity, S = 0: [0]B = R + [k]A holds for every message (a classic forgery).
    const identity = le(1n);
    const sig = Buffer.concat([identity, Buffer.alloc(32)]);
    expect(agree(identity, Buffer.from('any message'), sig)).toBe(false);
    // A of order 2 and order 8, same trick.
    for (const pub of [le(P - 1n), Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'), Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')]) {
      expect(agree(pub, Buffer.from('m'), Buffer.concat([identity, Buffer.alloc(32)]))).toBe(false);
    }
  });

  it('refuses S >= L and non-canonical encodings', async () => {
    const s = Ed25519Signer.generate();
    const pub = Buffer.from(s.key.publicValue, 'hex');
    const msg = Buffer.from('payload');
    const sig = Buffer.from(await s.sign(msg));
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sPlusL = le(BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L);
    expect(agree(pub, msg, Buffer.concat([sig.subarray(0, 32), sPlusL]))).toBe(false);
    // y = p + 1 is a non-canonical encoding of y = 1.
    expect(agree(le(P + 1n), msg, sig)).toBe(false);
  });
});

describe('a batch of proofs checked on every core', () => {
  it('gives exactly the answer of verifyProof for each proof, in order', async () => {
    const signers = [Ed25519Signer.generate(), Ed25519Signer.generate(), new PemSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())];
    const proofs = [];
    for (let i = 0; i < POOL_MIN_PROOFS + 100; i++) {
      const s = signers[i % 3]!;
      const payload = randomBytes(50 + (i % 70));
      const signature = Buffer.from(await s.sign(payload));
      if (i % 7 === 3) signature[i % signature.length] = signature[i % signature.length]! ^ 0x40; // a bad one now and then
      proofs.push({ key: i % 11 === 5 ? signers[(i + 1) % 3]!.key : s.key, payload, signature });
    }
    // The forgery of the small-order key, in the batch too.
    proofs.push({ key: edKey(le(1n)), payload: Buffer.from('x'), signature: Buffer.concat([le(1n), Buffer.alloc(32)]) });
    const expected = proofs.map((p) => verifyProof(p.key, p.payload, p.signature));
    expect(expected.filter((x) => !x).length).toBeGreaterThan(100);
    expect(verifyProofs(proofs)).toEqual(expected);
    // The workers alone, so that their answers are the ones checked.
    expect(verifyProofs(proofs, { workers: 2, mainHelps: false })).toEqual(expected);
  });
});

describe('project names (PEP 503 normalization, PEP 508 validity)', () => {
  it('normalizes as PEP 503 does', () => {
    expect(normalizeProjectName('Friendly-Bard')).toBe('friendly-bard');
    expect(normalizeProjectName('FRIENDLY-BARD')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly.bard')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly_bard')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly--bard')).toBe('friendly-bard');
    expect(normalizeProjectName('FrIeNdLy-._.-bArD')).toBe('friendly-bard');
  });

  it('refuses names that are not valid, naming the field', () => {
    for (const bad of ['', '-lead', 'trail_', 'space name', 'ünïcode', 'a/b', '*', 'x'.repeat(201)]) {
      expect(() => checkProjectName(bad, 'signed.project')).toThrow(/signed\.project/);
    }
    expect(checkProjectName('Zope.Interface')).toBe('zope-interface');
    expect(checkProjectName('a')).toBe('a');
  });
});
