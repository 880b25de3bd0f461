/**
 * The dependency direction: cli → {ceremony, online} → {bundle, keys} → tuf.
 * src/tuf is a pure model: no file system, no PKCS#11, no prompts, no other src folder.
 * Inside src/ceremony and src/tuf, the subfolders have an order of their own (SUBFOLDERS).
 * Another folder is imported only through its facade (ENTRANCE_OF).
 * The layout is drawn in docs/architecture.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string, isText = false): string[] {
  const text = isText ? file : readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:^|[^.\w])import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  return specs;
}

const LAYER_OF = (file: string): string => relative(SRC, file).split('/')[0]!;

/** Which src folders each layer may import. */
const ALLOWED: Record<string, string[]> = {
  tuf: ['tuf'],
  keys: ['keys', 'tuf'],
  bundle: ['bundle', 'tuf'],
  ceremony: ['ceremony', 'bundle', 'keys', 'tuf'],
  // The reference online side stands beside ceremony: neither imports the other.
  online: ['online', 'bundle', 'keys', 'tuf'],
  cli: ['cli', 'ceremony', 'online', 'bundle', 'keys', 'tuf'],
};

/**
 * The subfolders of src/ceremony and src/tuf, lowest first: a file imports its own subfolder and
 * those before it, never one after it (docs/architecture.md). A new subfolder, or a file outside
 * them, fails the test.
 */
const SUBFOLDERS: Record<string, string[]> = {
  ceremony: ['state', 'signers', 'events', 'claims', 'lifecycle'],
  tuf: ['base', 'json', 'model', 'large-roles', 'verify'],
};

/** The only imports against that order: the file, and the subfolder it may import. */
const BACK_EDGES = new Set([
  // A large role's delegations are read by the fast reader (src/tuf/large-roles/README.md), and a
  // role read that way keeps its index.
  'tuf/model/metadata.ts → tuf/large-roles',
  'tuf/model/roles.ts → tuf/large-roles',
]);

const SUBFOLDER_OF = (file: string): string => relative(SRC, file).split('/').slice(0, 2).join('/');

/**
 * The one file through which the other folders import a folder: its `index.ts`, a small facade that
 * re-exports what they use. src/ceremony and src/tuf have one per subfolder, so that a command
 * loads only the subfolders it uses (and `--help` only src/tuf/base). Inside a folder, files import
 * each other directly, never through a facade of their own folder (that would make cycles).
 */
const ENTRANCE_OF = (file: string): string => {
  const parts = relative(SRC, file).split('/');
  return join(SRC, ...parts.slice(0, SUBFOLDERS[parts[0]!] ? 2 : 1), 'index.ts');
};

const IS_ENTRANCE = (file: string): boolean => file === ENTRANCE_OF(file);

/** The names an import or export statement lists, without `type` and `as` (`import { a as b }` gives a). */
function importedNames(text: string, from: (spec: string) => boolean): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)(?:\s+type)?\s*\{([^}]*)\}\s*from\s+['"]([^'"]+)['"]/g)) {
    if (!from(m[2]!)) continue;
    for (const part of m[1]!.split(',')) {
      const name = part
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name) names.push(name);
    }
  }
  return names;
}

const FORBIDDEN_IN_TUF = [
  /^(node:)?fs(\/|$)/,
  /^(node:)?child_process$/,
  /^(node:)?net$/,
  /^(node:)?http/,
  /graphene-pk11/,
  /pkcs11js/,
  /inquirer/,
  /^(node:)?readline/,
  /qrcode/,
];

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(Object.keys(ALLOWED)).toEqual(expect.arrayContaining([...new Set(files.map(LAYER_OF))]));
  });

  it('imports go only in the direction cli → {ceremony, online} → {bundle, keys} → tuf', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = LAYER_OF(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC)) {
          violations.push(`${relative(SRC, file)} imports ${spec}, outside src`);
          continue;
        }
        const targetLayer = LAYER_OF(target);
        if (!ALLOWED[layer]!.includes(targetLayer))
          violations.push(`${relative(SRC, file)} (${layer}) imports ${spec} (${targetLayer})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('another folder is imported only through its facade, and a folder never imports its own', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        const across = LAYER_OF(target) !== LAYER_OF(file);
        if (across && !IS_ENTRANCE(target))
          violations.push(`${relative(SRC, file)} imports ${spec}: not ${relative(SRC, ENTRANCE_OF(target))}`);
        if (!across && IS_ENTRANCE(target))
          violations.push(`${relative(SRC, file)} imports ${spec}, a facade of its own folder`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('a facade only re-exports, and only what another folder imports from it', () => {
    const facades = files.filter(IS_ENTRANCE);
    expect(facades.map((f) => relative(SRC, f)).sort()).toEqual(
      expect.arrayContaining(['bundle/index.ts', 'keys/index.ts', 'ceremony/state/index.ts', 'tuf/model/index.ts']),
    );
    const problems: string[] = [];
    for (const facade of facades) {
      const text = readFileSync(facade, 'utf8');
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim();
      for (const statement of code.split(/;\s*/).filter(Boolean))
        if (!/^export(?: type)? \{[^}]*\} from '\.\/[\w-]+\.js'$/.test(statement.replace(/\s+/g, ' ')))
          problems.push(`${relative(SRC, facade)}: ${statement.slice(0, 60)} is not a re-export`);
      const used = new Set(
        files
          .filter((f) => LAYER_OF(f) !== LAYER_OF(facade))
          .flatMap((f) =>
            importedNames(
              readFileSync(f, 'utf8'),
              (spec) => resolve(dirname(f), spec).replace(/\.js$/, '.ts') === facade,
            ),
          ),
      );
      for (const name of importedNames(text, () => true))
        if (!used.has(name)) problems.push(`${relative(SRC, facade)} exports ${name}, which no other folder imports`);
    }
    expect(problems).toEqual([]);
  });

  it('src/ceremony and src/tuf keep every file in one of their subfolders', () => {
    const outside = files.filter((f) => {
      const [layer, sub, rest] = relative(SRC, f).split('/');
      return (
        SUBFOLDERS[layer!] !== undefined &&
        (rest === undefined || !SUBFOLDERS[layer!]!.includes(sub!)) &&
        sub !== 'index.ts'
      );
    });
    expect(outside.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('inside src/ceremony and src/tuf, a subfolder imports only itself and the subfolders before it', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => SUBFOLDERS[LAYER_OF(f)] !== undefined)) {
      const order = SUBFOLDERS[LAYER_OF(file)]!;
      const from = SUBFOLDER_OF(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec);
        if (LAYER_OF(target) !== LAYER_OF(file)) continue;
        const to = SUBFOLDER_OF(target);
        const rank = (sub: string) => order.indexOf(sub.split('/')[1]!);
        if (rank(to) > rank(from) && !BACK_EDGES.has(`${relative(SRC, file)} → ${to}`))
          violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('each allowed import against the order is still made', () => {
    const made = new Set(
      files.flatMap((file) =>
        importsOf(file)
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => `${relative(SRC, file)} → ${SUBFOLDER_OF(resolve(dirname(file), spec))}`),
      ),
    );
    expect([...BACK_EDGES].filter((edge) => !made.has(edge))).toEqual([]);
  });

  it('src/tuf imports no file system, PKCS#11, prompts or network', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => LAYER_OF(f) === 'tuf')) {
      for (const spec of importsOf(file))
        if (FORBIDDEN_IN_TUF.some((re) => re.test(spec))) violations.push(`${relative(SRC, file)} imports ${spec}`);
    }
    expect(violations).toEqual([]);
  });

  it('only one module imports graphene-pk11', () => {
    const users = files.filter((f) => importsOf(f).some((s) => s === 'graphene-pk11' || s === 'pkcs11js'));
    expect(users.length).toBeLessThanOrEqual(1);
  });

  // Imports that remain at run time (`import type` is erased): a cycle among them can leave a binding
  // uninitialized while a module's top level runs.
  it('no import cycle at run time anywhere in src', () => {
    const runtimeImports = (file: string): string[] =>
      importsOf(readFileSync(file, 'utf8').replace(/(?:^|\n)\s*(?:import|export) type\s[^;]*;/g, ''), true);
    const edges = new Map(
      files.map((file) => [
        file,
        runtimeImports(file)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts')),
      ]),
    );
    const done = new Set<string>();
    const onPath: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string): void => {
      if (done.has(file)) return;
      const at = onPath.indexOf(file);
      if (at >= 0) {
        cycles.push([...onPath.slice(at), file].map((f) => relative(SRC, f)).join(' → '));
        return;
      }
      onPath.push(file);
      for (const next of edges.get(file) ?? []) visit(next);
      onPath.pop();
      done.add(file);
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });

  it('the checker itself catches a forbidden import', () => {
    // Guard against a checker that silently sees nothing: parse a known-bad snippet the same way.
    const specs = [
      ...`import { readFileSync } from 'node:fs';\nimport { x } from '../cli/main.js';`.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g,
      ),
    ].map((m) => m[1]);
    expect(specs).toEqual(['node:fs', '../cli/main.js']);
    expect(FORBIDDEN_IN_TUF.some((re) => re.test('node:fs'))).toBe(true);
    expect(FORBIDDEN_IN_TUF.some((re) => re.test('fs/promises'))).toBe(true);
    // A deep import across folders, and one through the facade.
    const cli = join(SRC, 'cli', 'main.ts');
    expect(IS_ENTRANCE(resolve(dirname(cli), '../tuf/model/metadata.ts'))).toBe(false);
    expect(IS_ENTRANCE(resolve(dirname(cli), '../tuf/model/index.ts'))).toBe(true);
    expect(IS_ENTRANCE(resolve(dirname(cli), '../bundle/index.ts'))).toBe(true);
    expect(IS_ENTRANCE(resolve(dirname(cli), '../ceremony/index.ts'))).toBe(false);
    expect(importedNames(`import { a, type B as C } from './x.js';`, () => true)).toEqual(['a', 'B']);
  });
});

describe('citations', () => {
  const ROOT = resolve(SRC, '..');
  // Documents that are not in this repository; the names are assembled so this file does not match.
  const OUTSIDE = ['REFERENCE', 'DESIGN', 'STYLE'].map((name) => `${name}.md`);

  function allFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)],
    );
  }

  it('no file under src, test, bench or scripts cites a document outside the repository', () => {
    const files = ['src', 'test', 'bench', 'scripts'].flatMap((dir) => allFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(100);
    const citing = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return OUTSIDE.filter((name) => text.includes(name)).map((name) => `${relative(ROOT, file)} cites ${name}`);
    });
    expect(citing).toEqual([]);
  });
});
