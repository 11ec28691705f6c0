import type { ImageRecord, Log } from './images';
import { DIRECT_PREFIX, imageIdFromKey, LARGE_UPLOAD_PREFIX } from './ids';

/** Objects younger than this are never treated as orphans: their record may be a moment away. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface SweepDeps {
  readonly objects: {
    list(prefix: string): AsyncIterable<{ key: string; lastModified: Date }>;
    size(key: string): Promise<number | undefined>;
    delete(key: string): Promise<void>;
  };
  readonly records: {
    get(id: string): Promise<ImageRecord | undefined>;
    expiredPending(nowSeconds: number, limit?: number): Promise<ImageRecord[]>;
    deletePending(id: string): Promise<boolean>;
  };
  /** Settles an upload whose bytes arrived but whose event was lost. */
  readonly finalize: (key: string) => Promise<unknown>;
  readonly log: Log;
  readonly now?: () => number;
}

export interface SweepReport {
  expiredPending: number;
  lateFinalized: number;
  orphansDeleted: number;
  objectsChecked: number;
}

/**
 * The safety net behind "nothing is lost or left half-written": removes pending uploads that
 * never arrived, settles those whose event was lost, and deletes objects that have no record
 * (a failed cleanup) or whose record was rejected.
 */
export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now?.() ?? Date.now();
  const report: SweepReport = { expiredPending: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0 };

  // Page by page; a record that could be neither settled nor removed comes back in the next
  // page, so one seen before ends the loop instead of spinning on it (the next sweep retries).
  const seen = new Set<string>();
  for (;;) {
    const page = await deps.records.expiredPending(Math.floor(now / 1000));
    const expired = page.filter((record) => !seen.has(record.id));
    if (expired.length === 0) break;
    for (const record of expired) {
      seen.add(record.id);
      if ((await deps.objects.size(record.objectKey)) !== undefined) {
        await deps.finalize(record.objectKey);
        report.lateFinalized += 1;
      } else if (await deps.records.deletePending(record.id)) {
        report.expiredPending += 1;
      }
    }
    if (page.length < 100) break;
  }

  for (const prefix of [DIRECT_PREFIX, LARGE_UPLOAD_PREFIX]) {
    for await (const object of deps.objects.list(prefix)) {
      report.objectsChecked += 1;
      if (now - object.lastModified.getTime() < ORPHAN_GRACE_MS) continue;
      const id = imageIdFromKey(object.key);
      const record = id ? await deps.records.get(id) : undefined;
      if (!record || record.objectKey !== object.key || record.state === 'rejected') {
        await deps.objects.delete(object.key);
        report.orphansDeleted += 1;
        deps.log.warn('orphan object deleted', { objectKey: object.key });
      }
    }
  }
  return report;
}
