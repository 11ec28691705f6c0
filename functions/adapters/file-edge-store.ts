import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type EdgeChanges, type EdgeStore, entryBytes } from '../core/edge-entries';

/**
 * Local mode's stand-in for the CloudFront KeyValueStore (docs/local-mode.md): one JSON object in
 * a file under the data directory, written by the functions running in the local API (and by
 * scripts in other processes) and read by the local CDN, which runs the viewer-request function
 * over it. Each write replaces the file whole (write, then rename), so a reader never sees half
 * of one; reads are cached until the file changes.
 */
export class FileEdgeStore implements EdgeStore {
  private cached: { readonly ino: number; readonly mtimeMs: number; readonly size: number; readonly entries: Record<string, string> } | undefined;

  constructor(readonly path: string) {}

  async update(changes: EdgeChanges): Promise<{ itemCount: number; totalBytes: number }> {
    return this.updateNow(changes);
  }

  /** The same as `update`, at once (the local API's seeding and the tests). */
  updateNow(changes: EdgeChanges): { itemCount: number; totalBytes: number } {
    const entries = { ...this.entries() };
    for (const { key, value } of changes.puts ?? []) entries[key] = value;
    for (const key of changes.deletes ?? []) delete entries[key];
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entries));
    renameSync(temporary, this.path);
    this.cached = undefined;
    return { itemCount: Object.keys(entries).length, totalBytes: Object.entries(entries).reduce((sum, [k, v]) => sum + entryBytes(k, v), 0) };
  }

  /** The value of `key`, or undefined. */
  get(key: string): string | undefined {
    const entries = this.entries();
    return Object.prototype.hasOwnProperty.call(entries, key) ? entries[key] : undefined;
  }

  /** Every entry (the cached object: read it, do not change it). */
  entries(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    const { ino, mtimeMs, size } = statSync(this.path);
    // Every write renames a new file into place: a new inode, whatever the clock's resolution.
    if (!this.cached || this.cached.ino !== ino || this.cached.mtimeMs !== mtimeMs || this.cached.size !== size) {
      this.cached = { ino, mtimeMs, size, entries: JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, string> };
    }
    return this.cached.entries;
  }
}
