import type { Limits } from './config';
import { HttpError } from './errors';
import type { FinalizeObjects, SettleOutcome } from './finalize';
import { LARGE_UPLOAD_PREFIX, objectKeyFor } from './ids';
import { describe, type ImageObjects, type ImageRecord, type Log } from './images';
import { prepareForPublishing } from './published-image';

export type PublishedOutcome = Extract<SettleOutcome, { state: 'ready' }>;

export interface MigrateDeps {
  readonly objects: FinalizeObjects & Pick<ImageObjects, 'put'>;
  readonly records: {
    /** Every ready record, page by page. */
    ready(): AsyncIterable<ImageRecord>;
    /** Rewrites a ready record's description, only while it still points at `fromKey`. */
    republish(id: string, fromKey: string, outcome: PublishedOutcome): Promise<boolean>;
  };
  readonly limits: Limits;
  readonly log: Log;
}

export interface MigrateReport {
  /** Large uploads whose bytes lived under uploads/: now published under images/. */
  moved: number;
  /** Images already under images/ that carried metadata: stripped in place. */
  stripped: number;
  /** Already in the new layout with a sha256: untouched. */
  unchanged: number;
  /** Could not be read or no longer pass the checks: left as they were, logged. */
  failed: number;
}

/**
 * One-off step for data written before delivery moved to the CDN (docs/delivery.md): every ready image
 * ends up under `images/<id>` with its metadata removed, its record describing those bytes
 * (`size`, `sha256`, displayed `width`/`height`). Safe to run again: finished images are skipped.
 */
export async function migrateToPublishedLayout(deps: MigrateDeps): Promise<MigrateReport> {
  const report: MigrateReport = { moved: 0, stripped: 0, unchanged: 0, failed: 0 };
  const maxBytes = deps.limits.maxLargeImageBytes;
  for await (const record of deps.records.ready()) {
    const target = objectKeyFor(record.id);
    if (record.objectKey === target && record.sha256 !== undefined) {
      report.unchanged += 1;
      continue;
    }
    try {
      const read = await deps.objects.read(record.objectKey, maxBytes);
      if (!read || !('bytes' in read)) throw new Error(read ? 'object over the size limit' : 'object missing');
      let image = prepareForPublishing(read.bytes, deps.limits, { maxBytes });
      const moving = record.objectKey.startsWith(LARGE_UPLOAD_PREFIX);
      if (moving) {
        if (!(await deps.objects.putIfAbsent(target, image.bytes, image.contentType, image.sha256))) {
          // A previous run published it and stopped before the record: those bytes are the image.
          const published = await deps.objects.read(target, maxBytes);
          if (!published || !('bytes' in published)) throw new Error('published object unreadable');
          image = prepareForPublishing(published.bytes, deps.limits, { maxBytes });
        }
      } else {
        await deps.objects.put(target, image.bytes, image.contentType, image.sha256);
      }
      await deps.records.republish(record.id, record.objectKey, { state: 'ready', objectKey: target, ...describe(image) });
      if (moving) await deps.objects.delete(record.objectKey);
      if (moving) report.moved += 1;
      else report.stripped += 1;
    } catch (error) {
      report.failed += 1;
      const reason = error instanceof HttpError ? error.message : (error as Error).message;
      deps.log.error('image not migrated', { imageId: record.id, objectKey: record.objectKey, reason });
    }
  }
  return report;
}
