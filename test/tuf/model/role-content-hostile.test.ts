/**
 * "Re-sign only" on files from a medium: the content compared on the canonical payload (slices
 * without the top-level version and expires) against the content made from the parsed tree, for
 * re-signs and changes written in hostile file forms: escaped member names that decode to
 * version or expires, version and expires nested in custom fields, names that differ from them by
 * a control character, a space or a unicode look-alike, pretty-printed and escaped payloads.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proveResign } from '../../../src/ceremony/events/resign-proof.js';
import { canonicalize, serializeJson } from '../../../src/tuf/json/canonical-json.js';
import { Metadata, type Targets } from '../../../src/tuf/model/metadata.js';
import { contentSha256, sameContent } from '../../../src/tuf/model/role-content.js';
import { sha256Hex } from '../../../src/tuf/model/digest.js';

const vectors = resolve(import.meta.dirname, '..', '..', 'vectors', 'pep480-repo');
const base = JSON.parse(readFileSync(join(vectors, '1.claimed.json'), 'utf8'));

/** The reference: canonical JSON of the parsed signed without its top-level version and expires. */
function treeContent(md: Metadata): string {
  const json = md.signed.toJSON();
  delete json['version'];
  delete json['expires'];
  return sha256Hex(canonicalize(json));
}

/** The file text of `signed`, in one of several forms a medium may hold. */
function file(signed: object, form: 'canonical' | 'pretty' | 'escaped'): Buffer {
  const doc = { signatures: [], signed };
  if (form === 'pretty') return Buffer.from(JSON.stringify(doc, null, 2));
  const text = serializeJson(doc).toString('utf8');
  // Every top-level name written with a \u escape of its first letter: the same document.
  if (form === 'escaped')
    return Buffer.from(
      text.replace(
        /"(version|expires|x-[a-z]+)":/g,
        (_, n: string) => `"\\u00${n.charCodeAt(0).toString(16)}${n.slice(1)}":`,
      ),
    );
  return Buffer.from(text);
}

const next = (edit: (s: any) => void = () => {}) => {
  const s = structuredClone(base.signed);
  s.version += 1;
  s.expires = '2031-01-01T00:00:00Z';
  edit(s);
  return s;
};

const CASES: Array<[string, (s: any) => void, boolean]> = [
  ['a plain re-sign', () => {}, true],
  ['version nested in a custom field', (s) => (s['x-meta'] = { version: 7, expires: 'never' }), false],
  ['a custom field named version with a control character', (s) => (s['version\u0001'] = 1), false],
  ['a custom field named version with a trailing space', (s) => (s['version '] = 1), false],
  ['a custom field named with a look-alike of version', (s) => (s['vеrsion'] = 1), false],
  ['a custom field named expires in another case', (s) => (s['Expires'] = '2030-01-01T00:00:00Z'), false],
  ['a custom field whose value holds a quote and "version":', (s) => (s['x-note'] = '","version":9,"a":"'), false],
  ['a delegation path with a raw control character', (s) => (s.delegations.roles[0].paths = ['a\u001fb']), false],
  [
    'a key copied under another keyid',
    (s) => {
      const keys = s.delegations.keys;
      const id = Object.keys(keys)[0]!;
      keys[`00${id.slice(2)}`] = keys[id];
    },
    false,
  ],
];

describe('re-sign only, on files from a medium', () => {
  for (const form of ['canonical', 'pretty', 'escaped'] as const) {
    it(`${form} files: the payload comparison gives the tree's verdict`, () => {
      const previous = Metadata.fromBytes<Targets>(file(base.signed, 'canonical'), '1.claimed.json');
      for (const [what, edit, resign] of CASES) {
        const md = Metadata.fromBytes<Targets>(file(next(edit), form), '2.claimed.json');
        expect(contentSha256(md), what).toBe(treeContent(md));
        expect(sameContent(previous, md), what).toBe(resign);
        expect(proveResign(previous, md).contentUnchanged, what).toBe(resign);
        if (!resign) expect(proveResign(previous, md).differences.length, what).toBeGreaterThan(0);
      }
    });
  }

  it('the same custom fields on both sides, in other file forms: still a re-sign', () => {
    for (const [what, edit] of CASES) {
      const before = next(edit);
      const after = structuredClone(before);
      after.version += 1;
      const a = Metadata.fromBytes<Targets>(file(before, 'escaped'), '2.claimed.json');
      const b = Metadata.fromBytes<Targets>(file(after, 'pretty'), '3.claimed.json');
      expect(sameContent(a, b), what).toBe(true);
      expect(proveResign(a, b).contentUnchanged, what).toBe(true);
    }
  });
});
