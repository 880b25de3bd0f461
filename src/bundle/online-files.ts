/**
 * What the online side sends to the offline machine (docs/formats/bundle.md): every
 * root, the current targets, the current recently-claimed (the projects the upload service
 * registered since the last ceremony), and the current snapshot and timestamp that vouch for it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../tuf/base/index.js';
import { Metadata, type Timestamp } from '../tuf/model/index.js';
import { roleFileName } from '../tuf/verify/index.js';
import type { BundleFile } from './export.js';
import { mediumError } from './durable-files.js';
import { FolderSource } from './metadata-folder.js';
import { keepOutside, moveLegacy, planLegacyMove, present, recordsFolderOf } from './records-folder.js';

export const RECENTLY_CLAIMED = 'recently-claimed';

/** Versions of `role` present as N.<role>.json in the folder, ascending. */
export function versionsIn(names: string[], role: string): number[] {
  const suffix = `.${roleFileName(role)}`;
  return names
    .filter((n) => n.endsWith(suffix) && /^\d+$/.test(n.slice(0, -suffix.length)))
    .map((n) => Number(n.slice(0, -suffix.length)))
    .sort((a, b) => a - b);
}

export interface OnlineSelection {
  files: BundleFile[];
  rootVersion: number;
}

export function onlineBundleFiles(folder: string): OnlineSelection {
  const source = new FolderSource(folder);
  const names = source.names();
  const pick = (file: string): BundleFile => ({ name: file, bytes: source.read(file) });
  const current = (role: string): BundleFile => {
    const v = versionsIn(names, role).at(-1);
    if (v === undefined)
      throw new UsageError(
        `${folder} holds no N.${roleFileName(role)}; is it the online metadata folder?`,
        'E_NO_METADATA',
      );
    return pick(roleFileName(role, v));
  };
  const roots = versionsIn(names, 'root');
  if (roots.length === 0)
    throw new UsageError(`${folder} holds no N.root.json; is it the online metadata folder?`, 'E_NO_METADATA');
  const files = roots.map((v) => pick(roleFileName('root', v)));
  files.push(current('targets'), current(RECENTLY_CLAIMED));
  if (names.includes('timestamp.json')) {
    const ts = pick('timestamp.json');
    // The snapshot the timestamp names, not merely the newest file: they must agree on the other side.
    const v = Metadata.fromBytes<Timestamp>(ts.bytes, 'timestamp.json', 'timestamp').signed.snapshotMeta.version;
    const snap = roleFileName('snapshot', v);
    if (!names.includes(snap))
      throw new UsageError(`${folder}: timestamp.json names ${snap}, which is not in the folder`, 'E_NO_METADATA');
    files.push(pick(snap), ts);
  }
  return { files, rootVersion: roots.at(-1)! };
}

/** Where earlier releases kept the online side's export log: hidden in the folder it exports from. */
export const LEGACY_ONLINE_LOG_NAME = '.tuf-ceremony-exports.json';

/**
 * The online side's export log: `log` when given, else `exports.json` in the records folder beside
 * the folder it exports from, never in it (that folder is published: docs/formats/bundle.md, "What
 * is published"). A log an earlier release kept in the folder is moved there first.
 */
export function onlineExportLog(from: string, log: string | undefined, note: (line: string) => void): string {
  if (log !== undefined) {
    keepOutside('the export log', log, from);
    return log;
  }
  const records = recordsFolderOf(from);
  keepOutside('the records folder', records, from);
  const path = join(records, 'exports.json');
  const legacy = planLegacyMove(join(from, LEGACY_ONLINE_LOG_NAME), path);
  try {
    if (!present(records)) mkdirSync(records);
    if (legacy) moveLegacy(legacy, note);
  } catch (e) {
    throw mediumError(e, records, 'nothing was exported');
  }
  return path;
}
