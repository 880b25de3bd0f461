/**
 * A metadata folder on disk as a MetadataSource: only plain files directly inside it count;
 * symbolic links and sub-folders are never followed. Names are read as bytes: one that is not
 * UTF-8 text is reported (no client could ask for it) rather than turned into a name that reads
 * back as some other file, or none.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { MAX_METADATA_BYTES, type MetadataSource } from '../tuf/verify/index.js';
import { UsageError, VerificationError } from '../tuf/base/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class FolderSource implements MetadataSource {
  private readonly files: string[] = [];
  private readonly fileSet: Set<string>;
  private readonly unreadable: string[] = [];

  constructor(readonly dir: string) {
    let entries: Dirent<Buffer>[];
    try {
      // File types come with the listing (no lstat per file: a folder may hold 600k roles).
      entries = readdirSync(dir, { encoding: 'buffer', withFileTypes: true });
    } catch (e) {
      throw new UsageError(
        `cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'E_NO_FOLDER',
        { cause: e },
      );
    }
    for (const entry of entries) {
      const raw = entry.name;
      let name: string;
      try {
        name = utf8.decode(raw);
      } catch {
        this.unreadable.push(`${JSON.stringify(raw.toString('latin1'))} (bytes ${raw.toString('hex')})`);
        continue;
      }
      if (entry.isFile()) this.files.push(name);
    }
    this.files.sort();
    this.fileSet = new Set(this.files);
  }

  names(): string[] {
    return this.files;
  }

  has(name: string): boolean {
    return this.fileSet.has(name);
  }

  unreadableNames(): string[] {
    return this.unreadable;
  }

  /**
   * The bytes of a file, refused before it is read when it is larger than `limit` (the length
   * timestamp or snapshot lists for it, or a cap for its kind): a hostile mirror's file of
   * gigabytes is a refusal naming it, not a read of everything into memory.
   */
  read(name: string, limit = MAX_METADATA_BYTES): Uint8Array {
    if (!this.fileSet.has(name)) throw new UsageError(`${name} is not a plain file in ${this.dir}`);
    const path = join(this.dir, name);
    try {
      const size = statSync(path).size;
      if (size > limit)
        throw new VerificationError(
          `${name}: ${size} bytes, more than the ${limit} ${limit === MAX_METADATA_BYTES ? 'this tool reads for a metadata file' : 'allowed for it'}`,
          'E_LENGTH_OR_HASH',
        );
      return readFileSync(path);
    } catch (e) {
      if (e instanceof VerificationError) throw e;
      throw new VerificationError(
        `${name}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        'E_VERIFICATION',
        { cause: e },
      );
    }
  }
}
