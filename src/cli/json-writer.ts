/**
 * A JSON document written as it is made, in pieces of about 1 MiB, rather than made into one
 * string first: `verify --json` of a repository of 1M projects lists a million absent roles
 * (docs/performance.md). The text is exactly what
 * `JSON.stringify(value, null, 2)` gives (test/cli/json-writer.test.ts compares them).
 */

const PIECE = 1 << 20;
/** Lists longer than this are written entry by entry; anything smaller in one JSON.stringify. */
const LARGE = 1000;

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
};

/** Whether one of the object's own values is a list written entry by entry. */
const holdsLarge = (v: object): boolean => Object.values(v).some((x) => Array.isArray(x) && x.length > LARGE);

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

export function writeJson(write: (text: string) => void, value: unknown): void {
  let buf = '';
  const emit = (s: string): void => {
    buf += s;
    if (buf.length >= PIECE) {
      write(buf);
      buf = '';
    }
  };
  const pad = (depth: number): string => '  '.repeat(depth);
  const put = (v: unknown, depth: number): void => {
    if (Array.isArray(v) && v.length > LARGE) {
      emit('[');
      v.forEach((item, i) => {
        emit(`${i > 0 ? ',' : ''}\n${pad(depth + 1)}`);
        put(omitted(item) ? null : item, depth + 1);
      });
      return emit(`\n${pad(depth)}]`);
    }
    if (typeof v === 'object' && v !== null && isPlainObject(v) && holdsLarge(v)) {
      const entries = Object.entries(v).filter(([, x]) => !omitted(x));
      emit('{');
      entries.forEach(([k, x], i) => {
        emit(`${i > 0 ? ',' : ''}\n${pad(depth + 1)}${JSON.stringify(k)}: `);
        put(x, depth + 1);
      });
      return emit(`\n${pad(depth)}}`);
    }
    // Small, or with its own JSON form (a Date): as JSON.stringify writes it, indented where it sits.
    const text = JSON.stringify(v, null, 2) ?? 'null';
    emit(depth > 0 && text.includes('\n') ? text.replace(/\n/g, `\n${pad(depth)}`) : text);
  };
  if (omitted(value)) throw new TypeError('writeJson: a document must be a JSON value');
  put(value, 0);
  write(`${buf}\n`);
}
