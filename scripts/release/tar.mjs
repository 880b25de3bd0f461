// A reproducible tar.gz writer (POSIX ustar, pax records for long names), for the release
// (docs/release.md, "Reproducible"). Everything that varies between machines is fixed: the entry
// order (sorted by path bytes), times (one mtime), owners (uid/gid 0, no names), modes (0755 for
// folders and executables, 0644 otherwise), and the gzip header (no name, time 0; Node's zlib).
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

function octal(value, width) {
  // width - 1 digits and a NUL, as ustar readers expect.
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  return `${text}\0`;
}

function header({ name, prefix = '', mode, size, mtime, type }) {
  const h = Buffer.alloc(BLOCK);
  const put = (text, offset, width) => {
    const b = Buffer.from(text, 'utf8');
    if (b.length > width) throw new Error(`tar: "${text}" is longer than ${width} bytes`);
    b.copy(h, offset);
  };
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

function padding(size) {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Split a path into ustar's prefix and name, or undefined when it needs a pax record. */
function splitPath(path) {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { name, prefix };
  }
  return undefined;
}

function paxRecord(key, value) {
  // "<length> <key>=<value>\n", where length counts its own digits.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`, 'utf8');
}

function entry(path, type, mode, mtime, data) {
  const parts = [];
  let names = splitPath(path);
  if (!names) {
    const pax = paxRecord('path', path);
    parts.push(
      header({ name: 'PaxHeader', mode: 0o644, size: pax.length, mtime, type: 'x' }),
      pax,
      padding(pax.length),
    );
    names = { name: path.slice(0, 100).replace(/\/$/, '_'), prefix: '' };
  }
  parts.push(header({ ...names, mode, size: data.length, mtime, type }));
  if (data.length > 0) parts.push(data, padding(data.length));
  return parts;
}

/**
 * The tar.gz of folder `dir` with every path under `top/`. Only folders and regular files are
 * allowed (the caller removes links first). Returns the gzip bytes.
 */
export function reproducibleTarGz(dir, top, mtime) {
  const parts = [];
  const walk = (rel) => {
    const names = readdirSync(join(dir, rel)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const relPath = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, relPath));
      if (st.isDirectory()) {
        parts.push(...entry(`${top}/${relPath}/`, '5', 0o755, mtime, Buffer.alloc(0)));
        walk(relPath);
      } else if (st.isFile()) {
        parts.push(
          ...entry(`${top}/${relPath}`, '0', st.mode & 0o111 ? 0o755 : 0o644, mtime, readFileSync(join(dir, relPath))),
        );
      } else {
        throw new Error(`tar: ${relPath} is neither a file nor a folder`);
      }
    }
  };
  parts.push(...entry(`${top}/`, '5', 0o755, mtime, Buffer.alloc(0)));
  walk('');
  parts.push(Buffer.alloc(BLOCK * 2)); // end of archive
  // gzipSync writes a header with no file name and time 0, so the same tar gives the same bytes.
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
