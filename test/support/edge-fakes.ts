import { type EdgeChanges, type EdgeStore, entryBytes, STORE_CAPACITY_BYTES } from '../../functions/core/edge-entries';
import type { EdgeReleaseSchedule } from '../../functions/core/edge-releases';

/**
 * The edge's key-value store in memory, counted as CloudFront counts it (keys and values, 5 MB at
 * most: a write past that fails, as UpdateKeys does), with every change recorded.
 */
export class MemoryEdgeStore implements EdgeStore {
  readonly entries = new Map<string, string>();
  readonly updates: EdgeChanges[] = [];
  /** Off for long simulations, which need the counts only. */
  recordUpdates = true;
  totalBytes = 0;
  /** The largest the store ever was. */
  peakBytes = 0;
  peakCount = 0;

  async update(changes: EdgeChanges): Promise<{ itemCount: number; totalBytes: number }> {
    if (this.recordUpdates) this.updates.push(changes);
    for (const { key, value } of changes.puts ?? []) {
      const before = this.entries.get(key);
      if (before !== undefined) this.totalBytes -= entryBytes(key, before);
      this.entries.set(key, value);
      this.totalBytes += entryBytes(key, value);
    }
    for (const key of changes.deletes ?? []) {
      const before = this.entries.get(key);
      if (before !== undefined) this.totalBytes -= entryBytes(key, before);
      this.entries.delete(key);
    }
    if (this.totalBytes > STORE_CAPACITY_BYTES) throw Object.assign(new Error('key value store is full'), { name: 'ServiceQuotaExceededException' });
    this.peakBytes = Math.max(this.peakBytes, this.totalBytes);
    this.peakCount = Math.max(this.peakCount, this.entries.size);
    return { itemCount: this.entries.size, totalBytes: this.totalBytes };
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }
}

/** The release schedule in memory. */
export class MemoryReleases implements EdgeReleaseSchedule {
  readonly hours = new Map<number, Set<string>>();
  last: number | undefined;

  async add(hour: number, keys: readonly string[]): Promise<void> {
    const set = this.hours.get(hour) ?? new Set<string>();
    for (const key of keys) set.add(key);
    this.hours.set(hour, set);
  }
  async keysOf(hour: number): Promise<string[]> {
    return [...(this.hours.get(hour) ?? [])];
  }
  async clear(hour: number): Promise<void> {
    this.hours.delete(hour);
  }
  async lastReleased(): Promise<number | undefined> {
    return this.last;
  }
  async setLastReleased(hour: number): Promise<void> {
    this.last = hour;
  }
}
