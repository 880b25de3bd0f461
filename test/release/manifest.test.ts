/**
 * The MANIFEST of a release (docs/release.md): written and checked by one module, in sha256sum's
 * format, strict about what it reads. A small folder stands in for an unpacked release.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkRelease,
  manifestText,
  parseManifest,
  releaseCheckError,
} from '../../src/ceremony/state/release-check.js';
import { FormatError, UsageError, VerificationError } from '../../src/tuf/base/errors.js';

const dirs: string[] = [];
function fakeRelease(): string {
  const root = mkdtempSync(join(tmpdir(), 'manifest-'));
  dirs.push(root);
  mkdirSync(join(root, 'dist', 'src'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"name":"tuf-ceremony","version":"9.9.9"}\n');
  writeFileSync(join(root, 'dist', 'src', 'a.js'), 'export {};\n');
  writeFileSync(join(root, 'dist', 'src', 'B.js'), 'export {};\n');
  writeFileSync(join(root, 'MANIFEST'), manifestText(root));
  return root;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the release MANIFEST', () => {
  it('lists every file but itself by SHA-256, in byte order, as sha256sum writes it', () => {
    const text = manifestText(fakeRelease());
    expect(text.split('\n').map((l) => l.slice(66))).toEqual(['dist/src/B.js', 'dist/src/a.js', 'package.json', '']);
    expect(text).toMatch(/^[0-9a-f]{64} {2}dist\/src\/B\.js\n/);
    expect(parseManifest(text).map((e) => e.path)).toEqual(['dist/src/B.js', 'dist/src/a.js', 'package.json']);
  });

  it('refuses a line out of order, listed twice, escaping the folder or not in the format', () => {
    const h = 'a'.repeat(64);
    for (const bad of [
      `${h}  b\n${h}  a\n`,
      `${h}  a\n${h}  a\n`,
      `${h}  ../a\n`,
      `${h}  /etc/passwd\n`,
      `${h} a\n`,
      `${h}  a`,
      `${h.toUpperCase()}  a\n`,
      `${h}  a b\n`,
    ]) {
      expect(() => parseManifest(bad), JSON.stringify(bad)).toThrow(FormatError);
    }
  });

  it('refuses to list a link, which a release never holds', () => {
    const root = fakeRelease();
    symlinkSync('a.js', join(root, 'dist', 'src', 'link.js'));
    expect(() => manifestText(root)).toThrow(/dist\/src\/link\.js: not a regular file/);
  });

  it('checks a release: the first difference in MANIFEST order is named, then files it does not list', () => {
    const root = fakeRelease();
    expect(checkRelease(root).differences).toEqual([]);
    writeFileSync(join(root, 'dist', 'src', 'a.js'), 'export {}; \n');
    writeFileSync(join(root, 'dist', 'src', 'c.js'), 'export {};\n');
    rmSync(join(root, 'package.json'));
    const check = checkRelease(root);
    expect(check.differences.map((d) => `${d.path}: ${d.reason}`)).toEqual([
      'dist/src/a.js: content differs',
      'package.json: missing',
      'dist/src/c.js: not in the MANIFEST',
    ]);
    const e = releaseCheckError(check);
    expect(e).toBeInstanceOf(VerificationError);
    expect(e!.message).toMatch(
      /^dist\/src\/a\.js: content differs: SHA-256 [0-9a-f]{64}, the MANIFEST says [0-9a-f]{64} \(and 2 more difference\(s\)\)$/,
    );
  });

  it('is a failed check (exit 3), not a usage error, when the MANIFEST itself was edited', () => {
    const root = fakeRelease();
    writeFileSync(join(root, 'MANIFEST'), 'not a manifest\n');
    expect(() => checkRelease(root)).toThrow(VerificationError);
  });

  it('names the addon that does not load when every file matches', () => {
    const check = checkRelease(fakeRelease());
    expect(check.addon.loads).toBe(false);
    expect(releaseCheckError(check)!.message).toMatch(
      /^node_modules\/pkcs11js\/build\/Release\/pkcs11\.node: the PKCS#11 addon does not load/,
    );
  });

  it('says a folder without a MANIFEST is not a release', () => {
    const root = fakeRelease();
    rmSync(join(root, 'MANIFEST'));
    expect(() => checkRelease(root)).toThrow(UsageError);
  });
});
