/**
 * Files write control characters escaped (`\n`, `\u001b`) and canonical JSON writes them raw
 * (docs/decisions/0001-canonical-json.md). The reader tells escapes in the file form's own way from every other
 * departure, and the payload is the canonical JSON of what was parsed either way.
 */
import { describe, expect, it } from 'vitest';
import { PemSigner } from '../../../src/keys/software-signer.js';
import { canonicalize, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { Metadata, Targets } from '../../../src/tuf/model/metadata.js';
import { Delegations, DelegatedRole } from '../../../src/tuf/model/roles.js';
import { parseStrictJson, unescapeControls } from '../../../src/tuf/json/strict-json.js';
import { verifyRole } from '../../../src/tuf/verify/verification.js';
import { loadVector } from '../../helpers/vectors.js';

function rangeOf(text: string): { canonical: boolean; controls: number; value: unknown; bytes: Buffer } {
  const bytes = Buffer.from(text, 'utf8');
  let seen = { canonical: false, controls: -1 };
  const value = parseStrictJson(bytes, 't', {
    range: (_s, _e, canonical, controls) => (seen = { canonical, controls }),
  });
  return { ...seen, value, bytes };
}

describe('escapes of control characters', () => {
  it('in the file form are counted, not departures, and unescape to the canonical bytes', () => {
    for (const value of [{ a: 'x\ny' }, { a: '\u001b[0m\t\b\f\r', b: ['\u0000', 'q"\\'] }, { k: 'é\n😀' }]) {
      const r = rangeOf(serializeJson(value).toString('utf8').trimEnd());
      expect(r.canonical).toBe(true);
      expect(r.controls).toBeGreaterThan(0);
      expect(unescapeControls(r.bytes).equals(canonicalize(r.value))).toBe(true);
    }
  });

  it('in any other form are departures', () => {
    for (const text of ['{"a":"\\u000a"}', '{"a":"\\u001B"}', '{"a":"\\u0041"}', '{"a":"\\/"}', '{"a":"x\\u0009"}']) {
      expect(rangeOf(text).canonical, text).toBe(false);
    }
    expect(rangeOf('{"a":"\\u001b\\n"}')).toMatchObject({ canonical: true, controls: 2 });
  });

  it('a targets role with PEM keys (newlines in strings) reads back to its own payload and verifies', async () => {
    const sigs = loadVector('signatures.json');
    const ecdsa = new PemSigner(
      sigs.cases.find((c: { name: string }) => c.name === 'ecdsa-p256-der').private_pkcs8_pem,
    );
    const key = ecdsa.key;
    const roles = [new DelegatedRole('pem-project', [key.keyid], 1, true, ['pem-project/*'], undefined)];
    const md = new Metadata(
      new Targets({
        version: 3,
        expires: new Date('2031-01-01T00:00:00Z'),
        delegations: new Delegations(new Map([[key.keyid, key]]), roles, undefined),
      }),
    );
    await md.sign(ecdsa, 'replace');
    const file = md.toBytes();
    expect(file.includes(Buffer.from('\\n'))).toBe(true);
    const back = Metadata.fromBytes<Targets>(file, 'pem.json', 'targets');
    expect(back.payload().equals(md.payload())).toBe(true);
    expect(back.payload().equals(canonicalize(back.signed.toJSON()))).toBe(true);
    expect(verifyRole(back, 'targets', { keyids: [key.keyid], threshold: 1 }, () => key).verified).toBe(true);
    expect(back.toBytes().equals(file)).toBe(true);
    expect(back.signed.delegations!.keys.get(key.keyid)!.publicValue).toBe(key.publicValue);
  });
});
