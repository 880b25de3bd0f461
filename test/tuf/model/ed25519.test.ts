/**
 * The strict Ed25519 verifier (OpenSSL plus encoding rules) against a second implementation:
 * @noble/ed25519 in its strict RFC 8032 mode. Whatever this project accepts, noble's strict mode
 * must accept too; on honest signatures and their mutations the two agree exactly.
 */
import { randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { Ed25519Signer } from '../../../src/keys/software-signer.js';
import { Key } from '../../../src/tuf/model/key.js';
import { loadVector } from '../../helpers/vectors.js';

const edKey = (pub: Uint8Array) => new Key('ed25519', 'ed25519', { public: Buffer.from(pub).toString('hex') });
const nobleStrict = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean => {
  try {
    return ed.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
};

function both(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): { ours: boolean; noble: boolean } {
  return { ours: edKey(pub).verify(msg, sig), noble: nobleStrict(pub, msg, sig) };
}

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

describe('strict Ed25519 verification agrees with noble strict mode', () => {
  it('on fresh signatures and on every single-bit change of them', async () => {
    const s = Ed25519Signer.generate();
    const pub = Buffer.from(s.key.publicValue, 'hex');
    for (let i = 0; i < 16; i++) {
      const msg = randomBytes(40 + i);
      const sig = await s.sign(msg);
      expect(both(pub, msg, sig)).toEqual({ ours: true, noble: true });
      for (let bit = 0; bit < 512; bit += 37 + i) {
        const bad = Uint8Array.from(sig);
        bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
        expect(both(pub, msg, bad)).toEqual({ ours: false, noble: false });
      }
    }
  });

  it('on the securesystemslib vector', () => {
    const c = loadVector('signatures.json').cases.find((x: any) => x.key.keytype === 'ed25519');
    expect(
      both(Buffer.from(c.key.keyval.public, 'hex'), Buffer.from(c.payload_utf8, 'utf8'), Buffer.from(c.sig, 'hex')),
    ).toEqual({ ours: true, noble: true });
  });

  it('refuses small-order public keys, whose "signatures" fit every message', () => {
    const identity = le(1n);
    const forged = Buffer.concat([identity, Buffer.alloc(32)]); // R = identity, S = 0
    for (const pub of [
      identity,
      le(P - 1n),
      le(0n),
      Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
      Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
    ]) {
      expect(both(pub, Buffer.from('any message'), forged).ours).toBe(false);
      expect(() => edKey(pub).assertUsable()).toThrow(/small order/);
    }
  });

  it('refuses S >= L and non-canonical encodings of A', async () => {
    const s = Ed25519Signer.generate();
    const pub = Buffer.from(s.key.publicValue, 'hex');
    const msg = Buffer.from('payload');
    const sig = Buffer.from(await s.sign(msg));
    const sPlusL = le(BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L);
    expect(both(pub, msg, Buffer.concat([sig.subarray(0, 32), sPlusL]))).toEqual({ ours: false, noble: false });
    expect(both(le(P + 1n), msg, sig)).toEqual({ ours: false, noble: false });
  });

  it('refuses wrong lengths', async () => {
    const s = Ed25519Signer.generate();
    const pub = Buffer.from(s.key.publicValue, 'hex');
    const sig = await s.sign(Buffer.from('m'));
    expect(edKey(pub).verify(Buffer.from('m'), sig.subarray(0, 63))).toBe(false);
    expect(edKey(pub).verify(Buffer.from('m'), Buffer.concat([sig, Buffer.alloc(1)]))).toBe(false);
  });
});
