/**
 * A metadata folder on disk as a MetadataSource: only plain files directly inside it count;
 * symbolic links and sub-folders are never followed.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetadataSource } from '../tuf/repository-verifier.js';
import { UsageError } from '../tuf/errors.js';

export class FolderSource implements MetadataSource {
  private readonly files: string[];
  constructor(readonly dir: string) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (e) {
      throw new UsageError(`cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_NO_FOLDER');
    }
    this.files = entries.filter((name) => lstatSync(join(dir, name)).isFile()).sort();
  }
  names(): string[] {
    return this.files;
  }
  read(name: string): Uint8Array {
    if (!this.files.includes(name)) throw new UsageError(`${name} is not a plain file in ${this.dir}`);
    return readFileSync(join(this.dir, name));
  }
}
