/**
 * The error contract of src/tuf/base/errors.ts: closed unions of codes (checked by tsc over this file),
 * every code documented and thrown somewhere in src, `cause` kept through wrapping and withContext,
 * and FormatError's field and reason kept apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mediumError } from '../../../src/bundle/durable-files.js';
import {
  CeremonyError,
  FormatError,
  InternalError,
  RefusedError,
  TokenError,
  UsageError,
  VerificationError,
  withContext,
  type CodesInTwoClasses,
  type ErrorCode,
  type RefusedErrorCode,
  type UsageErrorCode,
} from '../../../src/tuf/base/errors.js';
import { unescapeControls } from '../../../src/tuf/json/strict-json.js';
import { TrustedSet, TrustError } from '../../../src/tuf/verify/trusted-set.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');
const ERRORS_FILE = join(SRC, 'tuf', 'base', 'errors.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface UnionMember {
  union: string;
  code: string;
  comment: string | undefined;
}

/** The members of every `export type …Code =` union in errors.ts, with the comment line above each. */
function unionMembers(): UnionMember[] {
  const lines = readFileSync(ERRORS_FILE, 'utf8').split('\n');
  const members: UnionMember[] = [];
  let union: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const head = /^export type (\w+Code) =(.*)$/.exec(line);
    if (head) union = head[1];
    if (union === undefined) continue;
    const m =
      /^\s*(?:\|\s*)?'(E_[A-Z0-9_]+)'[;]?\s*$/.exec(line) ?? /^export type \w+Code = '(E_[A-Z0-9_]+)';$/.exec(line);
    if (m) {
      const above = lines[i - 1]!.trim();
      members.push({
        union,
        code: m[1]!,
        comment: /^\/\*\*.*\*\/$/.test(above) ? above : head ? (lines[i - 1] ?? '').trim() : undefined,
      });
    }
    if (line.trimEnd().endsWith(';')) union = undefined;
  }
  return members;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('error codes', () => {
  it('a code outside its class union does not compile (tsc checks the lines marked @ts-expect-error)', () => {
    // @ts-expect-error: a misspelt code
    const misspelt = new RefusedError('x', 'E_EXIST');
    // @ts-expect-error: a refusal code given to a usage error
    const otherClass = new UsageError('x', 'E_ALREADY_SIGNED');
    // @ts-expect-error: a code merged away (E_KEY_DUPLICATE is E_KEY_AMBIGUOUS now)
    const merged = new TokenError('E_KEY_DUPLICATE', 'x');
    // @ts-expect-error: CeremonyError is abstract; a code always comes with its class
    const free = new CeremonyError('E_ANYTHING', 'usage', 'x');
    expect([misspelt, otherClass, merged, free].every((e) => e instanceof Error)).toBe(true);
  });

  it('no code is in two classes: the overlap type is never', () => {
    const none: [CodesInTwoClasses] extends [never] ? true : false = true;
    const usageAndRefused: [Extract<UsageErrorCode, RefusedErrorCode>] extends [never] ? true : false = true;
    expect([none, usageAndRefused]).toEqual([true, true]);
  });

  const members = unionMembers();

  it('finds the unions of errors.ts', () => {
    const unions = new Set(members.map((m) => m.union));
    for (const u of [
      'FormatErrorCode',
      'CanonicalJsonErrorCode',
      'TrustErrorCode',
      'VerificationErrorCode',
      'RefusedErrorCode',
      'UsageErrorCode',
      'TokenErrorCode',
      'InternalErrorCode',
    ]) {
      expect(unions, u).toContain(u);
    }
    expect(members.length).toBeGreaterThan(80);
    const sample: ErrorCode[] = ['E_FORMAT', 'E_UNSIGNED', 'E_EXISTS', 'E_USAGE', 'E_TOKEN', 'E_INTERNAL'];
    for (const code of sample) expect(members.map((m) => m.code)).toContain(code);
  });

  it('lists each code once, with a one-line comment', () => {
    const codes = members.map((m) => m.code);
    expect(codes.filter((c, i) => codes.indexOf(c) !== i)).toEqual([]);
    expect(members.filter((m) => m.comment === undefined).map((m) => m.code)).toEqual([]);
  });

  it('every code is thrown somewhere in src, or its comment says it is reserved', () => {
    const errorsText = readFileSync(ERRORS_FILE, 'utf8');
    // Outside the unions, errors.ts itself holds the classes' default and fixed codes.
    const outsideUnions = errorsText
      .split('\n')
      .filter((l) => !/^\s*(\|\s*)?'E_[A-Z0-9_]+';?\s*$/.test(l))
      .join('\n');
    const texts = [
      outsideUnions,
      ...sourceFiles(SRC)
        .filter((f) => f !== ERRORS_FILE)
        .map((f) => readFileSync(f, 'utf8')),
    ];
    const unused = members.filter(
      (m) => !/reserved/i.test(m.comment ?? '') && !texts.some((t) => t.includes(`'${m.code}'`)),
    );
    expect(unused.map((m) => `${m.union} ${m.code}`)).toEqual([]);
  });

  it('src throws no plain Error outside the CLI: every failure has a class and a code', () => {
    const plain = sourceFiles(SRC)
      .filter((f) => !relative(SRC, f).startsWith('cli/'))
      .flatMap((f) => (/throw new Error\(/.test(readFileSync(f, 'utf8')) ? [relative(SRC, f)] : []));
    expect(plain).toEqual([]);
  });
});

describe('FormatError', () => {
  it('keeps the field path and the reason apart, and makes the message from them', () => {
    const e = new FormatError('signed.version', 'expected an integer');
    expect([e.field, e.reason, e.message, e.code, e.category]).toEqual([
      'signed.version',
      'expected an integer',
      'signed.version: expected an integer',
      'E_FORMAT',
      'usage',
    ]);
    expect(new FormatError('', 'empty input').message).toBe('empty input');
  });

  it('withContext prefixes the field path and keeps reason, code and cause', () => {
    const cause = new RangeError('deep');
    const e = thrown(() =>
      withContext('1.root.json', () =>
        withContext('signed', () => {
          throw new FormatError('version', 'a reason: with a colon', 'E_JSON', { cause });
        }),
      ),
    ) as FormatError;
    expect(e).toBeInstanceOf(FormatError);
    expect([e.field, e.reason, e.code]).toEqual(['1.root.json: signed: version', 'a reason: with a colon', 'E_JSON']);
    expect(e.message).toBe('1.root.json: signed: version: a reason: with a colon');
    expect(e.cause).toBe(cause);
  });

  it('withContext gives a field to an error about the whole input, and adds no cause', () => {
    const e = thrown(() =>
      withContext('plan.json', () => {
        throw new FormatError('', 'not an object');
      }),
    ) as FormatError;
    expect([e.field, e.reason, e.message]).toEqual(['plan.json', 'not an object', 'plan.json: not an object']);
    expect('cause' in e).toBe(false);
  });

  it('withContext lets other errors through as they are', () => {
    const original = new RefusedError('no', 'E_EXISTS');
    expect(
      thrown(() =>
        withContext('x', () => {
          throw original;
        }),
      ),
    ).toBe(original);
  });
});

describe('cause', () => {
  it('a write that failed on the medium keeps the file system error as its cause', () => {
    const errno = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const e = mediumError(errno, '/media/usb', 'nothing was written');
    expect(e).toBeInstanceOf(UsageError);
    expect(e.code).toBe('E_WRITE');
    expect(e.cause).toBe(errno);
  });

  it('bytes that are not JSON: the trusted set refuses them and keeps the reader error as the cause', () => {
    const e = thrown(
      () =>
        new TrustedSet(Buffer.from('{"signed": '), { at: new Date(0), mode: 'client', trustedRootName: '1.root.json' }),
    ) as TrustError;
    expect(e).toBeInstanceOf(TrustError);
    expect(e.code).toBe('E_BAD_METADATA');
    expect(e.category).toBe('verification');
    expect(e.cause).toBeInstanceOf(FormatError);
    expect((e.cause as FormatError).code).toBe('E_JSON');
    expect(e.message).toBe(`1.root.json: ${(e.cause as FormatError).reason}`);
  });

  it('the classes pass cause on to Error', () => {
    const inner = new Error('inner');
    for (const e of [
      new VerificationError('v', 'E_VERIFICATION', { cause: inner }),
      new RefusedError('r', 'E_REFUSED', { cause: inner }),
      new UsageError('u', 'E_USAGE', { cause: inner }),
      new TokenError('E_TOKEN', 't', { cause: inner }),
      new InternalError('i', { cause: inner }),
    ]) {
      expect(e.cause).toBe(inner);
    }
  });
});

describe('the strict reader', () => {
  it('a broken invariant of the control-escape rewrite is an InternalError, not a plain Error', () => {
    const e = thrown(() => unescapeControls(Buffer.from('"a\\'))) as InternalError;
    expect(e).toBeInstanceOf(InternalError);
    expect([e.code, e.category]).toEqual(['E_INTERNAL', 'internal']);
    expect(thrown(() => unescapeControls(Buffer.from('"\\u0041"')))).toBeInstanceOf(InternalError);
  });
});
