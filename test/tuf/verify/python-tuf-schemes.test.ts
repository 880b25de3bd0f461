/**
 * Signature schemes as python-tuf accepts them (docs/decisions/0009-signature-schemes.md): the
 * repositories under test/generated/python-tuf/schemes were written by python-tuf 5.1 with
 * securesystemslib 1.3 (scripts/python-tuf/make-scheme-vectors.py), which recorded its client's
 * verdict on each. This tool's verdict must equal it but where the decision record says why not;
 * tuf-js (@tufjs/models) is asked too, and where it differs from python-tuf it is recorded here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tufjs from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { Metadata, type Root } from '../../../src/tuf/model/metadata.js';
import { TrustedSet } from '../../../src/tuf/verify/trusted-set.js';
import { verifyWithRoot } from '../../../src/tuf/verify/verification.js';

const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated', 'python-tuf');
interface Case {
  name: string;
  what: string;
  python_tuf: { ok: boolean; error: string | null };
}
const manifest = JSON.parse(readFileSync(join(GENERATED, 'schemes.json'), 'utf8')) as { cases: Case[] };
const read = (c: string, file: string) => readFileSync(join(GENERATED, 'schemes', c, file));
const AT = new Date('2030-01-01T00:00:00Z');

/** This tool's verdict: the client order of the TUF specification, 5.3 to 5.6. */
function ours(name: string): { ok: boolean; error?: string } {
  try {
    const set = new TrustedSet(read(name, '1.root.json'), { at: AT, mode: 'client', trustedRootName: '1.root.json' });
    set.updateTimestamp(read(name, 'timestamp.json'), 'timestamp.json');
    set.updateSnapshot(read(name, '1.snapshot.json'), '1.snapshot.json');
    set.updateDelegatedTargets('targets', 'root', read(name, '1.targets.json'), '1.targets.json');
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** tuf-js's verdict: root by itself, then each top-level role by root (Metadata.verifyDelegate). */
function tufjsVerdict(name: string): boolean {
  const load = (file: string, kind: tufjs.MetadataKind) =>
    tufjs.Metadata.fromJSON(kind as any, JSON.parse(read(name, file).toString()));
  try {
    const root = load('1.root.json', tufjs.MetadataKind.Root);
    root.verifyDelegate('root', root);
    root.verifyDelegate('timestamp', load('timestamp.json', tufjs.MetadataKind.Timestamp));
    root.verifyDelegate('snapshot', load('1.snapshot.json', tufjs.MetadataKind.Snapshot));
    root.verifyDelegate('targets', load('1.targets.json', tufjs.MetadataKind.Targets));
    return true;
  } catch {
    return false;
  }
}

/** Where this tool's verdict differs from python-tuf's, and why (decision 0009). */
const DIFFERS_FROM_PYTHON_TUF: Record<string, string> = {
  'rsassa-pss-sha224': 'SHA-224 schemes are not accepted here',
  'rsa-pkcs1v15-sha224': 'SHA-224 schemes are not accepted here',
  'rsa-pkcs1v15-sha256-1024': 'RSA keys under 2048 bits are not accepted here',
  'unknown-scheme-threshold-met':
    'python-tuf cannot load a root with a key of an unknown scheme; here (and in tuf-js) the key counts as no signature',
  'same-rsa-key-two-schemes':
    'python-tuf counts keyids; here one key listed under two schemes counts once (decision 0004)',
};

/** Why this tool refuses, for every case it refuses: the one line a person reads. */
const REFUSED_BECAUSE: Record<string, RegExp> = {
  'rsassa-pss-sha224':
    /^1\.root\.json: 0 of 1 required signatures by its own root keys \(unsupported signature scheme rsassa-pss-sha224 for key [0-9a-f]{64}\)$/,
  'rsa-pkcs1v15-sha224': /unsupported signature scheme rsa-pkcs1v15-sha224 for key [0-9a-f]{64}/,
  'rsa-pkcs1v15-sha256-1024': /0 of 1 required signatures by its own root keys \(bad signature from [0-9a-f]{64}\)$/,
  'rsa-pkcs1v15-sha384-signed-sha256': /bad signature from/,
  'rsassa-pss-sha256-signed-pkcs1v15': /bad signature from/,
  'unknown-scheme-threshold-not-met':
    /^1\.root\.json: 1 of 2 required signatures by its own root keys \(unsupported signature scheme sphincs-shake-128s for key [0-9a-f]{64}\)$/,
  'same-rsa-key-two-schemes':
    /1 of 2 required signatures by its own root keys \(1 not counted: the same key as another\)$/,
};

/** tuf-js 4 (@tufjs/models) verdicts that differ from python-tuf's: it verifies fewer schemes. */
const TUFJS_DIFFERS_FROM_PYTHON_TUF: Record<string, string> = {
  'rsa-pkcs1v15-sha256': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsa-pkcs1v15-sha384': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsa-pkcs1v15-sha512': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'ecdsa-sha2-nistp384':
    'tuf-js reads P-384 keys but verifies with no digest named, which OpenSSL takes as SHA-256, not SHA-384',
  'ecdsa-sha2-nistp384-keytype':
    'tuf-js reads P-384 keys but verifies with no digest named, which OpenSSL takes as SHA-256, not SHA-384',
  'ecdsa-sha2-nistp521': 'tuf-js reads no P-521 keytype, and as keytype ecdsa verifies with SHA-256, not SHA-512',
  'rsassa-pss-sha384': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsassa-pss-sha512': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsassa-pss-sha224': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsa-pkcs1v15-sha224': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'rsa-pkcs1v15-sha256-1024': 'tuf-js verifies RSA only as rsassa-pss-sha256',
  'unknown-scheme-threshold-met': 'tuf-js counts a key it cannot use as no signature, as this tool does',
  'same-rsa-key-two-schemes': 'tuf-js does not verify the rsa-pkcs1v15-sha256 copy',
};

describe('signature schemes: the verdict on repositories written by python-tuf', () => {
  it('every recorded difference and refusal names a case python-tuf wrote', () => {
    const names = new Set(manifest.cases.map((c) => c.name));
    for (const table of [DIFFERS_FROM_PYTHON_TUF, REFUSED_BECAUSE, TUFJS_DIFFERS_FROM_PYTHON_TUF])
      for (const name of Object.keys(table)) expect(names, name).toContain(name);
    expect(manifest.cases.filter((c) => c.python_tuf.ok).length).toBeGreaterThan(10);
  });

  for (const c of manifest.cases) {
    const differs = DIFFERS_FROM_PYTHON_TUF[c.name];
    const expected = differs ? !c.python_tuf.ok : c.python_tuf.ok;
    it(`${c.name}: ${c.what}: ${expected ? 'accepted' : 'refused'}${differs ? ` (python-tuf differs: ${differs})` : ''}`, () => {
      const v = ours(c.name);
      expect(v.ok, v.error).toBe(expected);
      if (!v.ok) expect(v.error).toMatch(REFUSED_BECAUSE[c.name]!);
      else expect(REFUSED_BECAUSE[c.name]).toBeUndefined();
    });

    const tufjsDiffers = TUFJS_DIFFERS_FROM_PYTHON_TUF[c.name];
    it(`${c.name}: tuf-js ${tufjsDiffers ? `differs from python-tuf (${tufjsDiffers})` : 'agrees with python-tuf'}`, () => {
      expect(tufjsVerdict(c.name)).toBe(tufjsDiffers ? !c.python_tuf.ok : c.python_tuf.ok);
    });
  }
});

describe('one key in two schemes is one key (decision 0004, "Key identity")', () => {
  it('an RSA key listed as rsassa-pss-sha256 and rsa-pkcs1v15-sha256 signs validly twice but counts once', () => {
    const md = Metadata.fromBytes<Root>(read('same-rsa-key-two-schemes', '1.root.json'), '1.root.json', 'root');
    const keys = [...md.signed.keys.values()];
    expect(keys.map((k) => k.scheme).sort()).toEqual(['rsa-pkcs1v15-sha256', 'rsassa-pss-sha256']);
    expect(keys[0]!.keyid).not.toBe(keys[1]!.keyid);
    // Each signature is valid on its own: the refusal is the count, not the signatures.
    for (const k of keys)
      expect(k.verify(md.payload(), Buffer.from(md.signatures.get(k.keyid)!.sig, 'hex'))).toBe(true);
    const res = verifyWithRoot(md.signed, 'root', md);
    expect(res).toMatchObject({ threshold: 2, bad: [], unsupported: [], verified: false });
    expect(res.signed).toHaveLength(1);
    expect(res.duplicateMaterial).toHaveLength(1);
  });
});

describe('a key of an unknown scheme', () => {
  it('is reported as unsupported, not bad, and the threshold met by another key passes', () => {
    const md = Metadata.fromBytes<Root>(read('unknown-scheme-threshold-met', '1.root.json'), '1.root.json', 'root');
    const res = verifyWithRoot(md.signed, 'root', md);
    const unknown = [...md.signed.keys.values()].find((k) => k.scheme === 'sphincs-shake-128s')!;
    expect(res).toMatchObject({
      verified: true,
      bad: [],
      unsupported: [{ keyid: unknown.keyid, keytype: 'sphincs', scheme: 'sphincs-shake-128s' }],
    });
    expect(res.signed).toHaveLength(1);
  });
});

describe('the unsupported scheme named in a refusal is the file’s text, made safe', () => {
  it('escapes control characters and cuts a long scheme name, so a file cannot write the screen', () => {
    const doc = JSON.parse(read('unknown-scheme-threshold-not-met', '1.root.json').toString());
    const unknown = Object.values(doc.signed.keys as Record<string, any>).find((k) => k.keytype === 'sphincs');
    unknown.scheme = `\u001b[8mhidden\r\n${'x'.repeat(500)}`;
    const bytes = Buffer.from(JSON.stringify(doc));
    let message = '';
    try {
      new TrustedSet(bytes, { at: AT, mode: 'client', trustedRootName: '1.root.json' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('unsupported signature scheme \\u001b[8mhidden\\u000d\\u000axxx');
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message).not.toContain('x'.repeat(100));
  });
});
