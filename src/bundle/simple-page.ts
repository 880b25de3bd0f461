/**
 * Warehouse's model of PEP 458 (as PyPI runs it): a project's TUF target is its simple detail page,
 * at the path of its PEP 503 normal name, and the page lists each file's hash. A downloaded file is
 * then checked against the hash that the page, once verified through TUF, lists for its file name.
 * The page is the PEP 503 HTML form or the PEP 691 JSON form. Pure; no I/O.
 */
import { digestHex, normalizeProjectName } from '../tuf/model/index.js';

/** One file as the page lists it. */
interface PageEntry {
  /** The file name the URL ends in (what pip saves the file as). */
  urlName: string;
  /** The name the entry says it links (the anchor text in HTML, `filename` in PEP 691 JSON). */
  statedName: string;
  hashes: Record<string, string>;
  /** PEP 592: the index withdrew the file; installers take it only when pinned with `==` or `===`. */
  yanked: boolean;
}

export type PageFileCheck =
  { ok: true; hashes: Record<string, string> } | { ok: false; reason: string; hashes?: Record<string, string> };

/** A file name that is one plain path component (no separator, no `.` or `..`). */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** The page's own URL as a base: only its path matters here, for a relative link's last component. */
const pageUrl = (project: string) => `https://index.invalid/simple/${project}/`;

function resolveUrl(href: string, base: string): URL | undefined {
  try {
    return new URL(href, base);
  } catch {
    return undefined;
  }
}

/** The last path component of a URL, percent-decoded (pip's `Link.filename`). */
function urlFileName(u: URL | undefined): string {
  try {
    return u ? decodeURIComponent(u.pathname.split('/').pop() ?? '') : '';
  } catch {
    return '';
  }
}

/** An attribute's value in a tag's attribute text, quoted or not, entities decoded. */
function attribute(attrs: string, name: string): string | undefined {
  // After a space, so that `data-href` is not `href`.
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return n <= 0x10ffff ? String.fromCodePoint(n) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/** PEP 503: each `<a href="…/{file}#{alg}={hex}">{file}</a>`; comments are not links. */
function htmlEntries(html: string, project: string): { entries: PageEntry[]; names: string[] } {
  const text = html.replace(/<!--[\s\S]*?(-->|$)/g, '');
  // pip resolves links against the page's first `<base href>` when it has one (HTML, "base").
  const baseHref = attribute(/<base\b([^>]*)>/i.exec(text)?.[1] ?? '', 'href');
  const base = (baseHref !== undefined && resolveUrl(baseHref, pageUrl(project))?.href) || pageUrl(project);
  const entries: PageEntry[] = [];
  for (const m of text.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const href = attribute(m[1]!, 'href');
    if (href === undefined) continue;
    const u = resolveUrl(href, base);
    const statedName = decodeEntities(m[2]!.replace(/<[^>]*>/g, '')).trim();
    const hashes: Record<string, string> = {};
    const frag = u && /^#([A-Za-z0-9_-]+)=([0-9A-Fa-f]+)$/.exec(u.hash);
    if (frag) hashes[frag[1]!.toLowerCase()] = frag[2]!.toLowerCase();
    // PEP 592: the attribute's presence marks the file yanked, with or without a value.
    const yanked = /(?:^|\s)data-yanked(?=[\s=/]|$)/i.test(m[1]!);
    entries.push({ urlName: urlFileName(u), statedName, hashes, yanked });
  }
  // Warehouse titles the page "Links for <project>": another project's page says so.
  const names = [...text.matchAll(/<(?:title|h1)\b[^>]*>\s*Links for ([^<]*?)\s*<\/(?:title|h1)>/gi)].map((m) =>
    decodeEntities(m[1]!),
  );
  return { entries, names };
}

/** PEP 691: `{"name": …, "files": [{"filename", "url", "hashes": {alg: hex}}]}`. */
function jsonEntries(json: string, project: string): { entries: PageEntry[]; names: string[] } | string {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return 'is neither HTML nor valid JSON';
  }
  const d = doc as { name?: unknown; files?: unknown };
  if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || !Array.isArray(d.files))
    return 'is not a PEP 691 project page (fields "name" and "files")';
  const entries: PageEntry[] = [];
  for (const [i, f] of (d.files as unknown[]).entries()) {
    const file = f as { filename?: unknown; url?: unknown; hashes?: unknown; yanked?: unknown };
    if (typeof file !== 'object' || file === null || typeof file.filename !== 'string' || typeof file.url !== 'string')
      return `files[${i}] lacks "filename" or "url"`;
    const hashes: Record<string, string> = {};
    if (typeof file.hashes === 'object' && file.hashes !== null)
      for (const [alg, v] of Object.entries(file.hashes)) {
        if (typeof v !== 'string') continue;
        // `SHA256` and `sha256` in one entry are one hash named twice: two values cannot both be it.
        if (hashes[alg.toLowerCase()] !== undefined && hashes[alg.toLowerCase()] !== v.toLowerCase())
          return `files[${i}] lists two different ${alg.toLowerCase()} hashes`;
        hashes[alg.toLowerCase()] = v.toLowerCase();
      }
    // PEP 691: `yanked` is true or a reason; pip reads any truthy value as yanked.
    const yanked = Boolean(file.yanked);
    entries.push({
      urlName: urlFileName(resolveUrl(file.url, pageUrl(project))),
      statedName: file.filename,
      hashes,
      yanked,
    });
  }
  return { entries, names: [d.name] };
}

/**
 * Check `bytes`, saved under `fileName`, against the verified simple page of `project`. Refused:
 * a page naming another project; a file the page does not list, lists without a hash we can
 * compute, or lists twice with different hashes; an entry whose URL and stated name are two
 * different files (a link that says one file and fetches another); any listed hash that differs;
 * a yanked file unless `allowYanked` (the caller pinned it).
 */
export function checkAgainstSimplePage(
  page: Uint8Array,
  project: string,
  fileName: string,
  bytes: Uint8Array,
  { allowYanked = false }: { allowYanked?: boolean } = {},
): PageFileCheck {
  if (!isPlainFileName(fileName)) return { ok: false, reason: `"${fileName}" is not a plain file name` };
  const text = Buffer.from(page).toString('utf8');
  const parsed = /^\s*\{/.test(text) ? jsonEntries(text, project) : htmlEntries(text, project);
  if (typeof parsed === 'string') return { ok: false, reason: `the simple page ${parsed}` };
  const other = parsed.names.find((n) => normalizeProjectName(n) !== project);
  if (other !== undefined) return { ok: false, reason: `the simple page is the page of "${other}", not of ${project}` };
  const mine = parsed.entries.filter((e) => e.urlName === fileName || e.statedName === fileName);
  if (mine.length === 0) return { ok: false, reason: `the simple page of ${project} does not list ${fileName}` };
  const mismatch = mine.find((e) => e.urlName !== e.statedName);
  if (mismatch)
    return {
      ok: false,
      reason: `the simple page of ${project} links "${mismatch.urlName}" as "${mismatch.statedName}" (PEP 503: the link text is the file name of its URL)`,
    };
  // PEP 592: an installer ignores a yanked file unless the requirement pins its version with `==`
  // or `===`, which only the caller knows; else a host that hides the newer files gets it installed.
  if (!allowYanked && mine.some((e) => e.yanked))
    return {
      ok: false,
      reason: `the simple page of ${project} marks ${fileName} yanked (PEP 592); give --allow-yanked if you pinned this version`,
    };
  // The same file listed twice must be listed with the same hashes; which one pip takes is not ours to guess.
  const hashes: Record<string, string> = {};
  for (const e of mine) {
    if (Object.keys(e.hashes).length === 0)
      return { ok: false, reason: `the simple page of ${project} lists ${fileName} without a hash` };
    for (const [alg, v] of Object.entries(e.hashes)) {
      if (hashes[alg] !== undefined && hashes[alg] !== v)
        return {
          ok: false,
          reason: `the simple page of ${project} lists ${fileName} twice, with different ${alg} hashes`,
        };
      hashes[alg] = v;
    }
  }
  const computable = Object.keys(hashes).filter((alg) => digestHex(alg, new Uint8Array()) !== undefined);
  if (computable.length === 0)
    return {
      ok: false,
      reason: `the simple page of ${project} lists ${fileName} only with ${Object.keys(hashes).join(', ')}, which this tool cannot compute`,
      hashes,
    };
  for (const alg of computable) {
    const actual = digestHex(alg, bytes)!;
    if (actual !== hashes[alg])
      return {
        ok: false,
        reason: `${fileName}: ${alg} ${actual} differs from ${hashes[alg]} listed by the simple page of ${project}`,
        hashes,
      };
  }
  return { ok: true, hashes: Object.fromEntries(computable.map((a) => [a, hashes[a]!])) };
}
