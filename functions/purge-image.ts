import type { S3Event } from 'aws-lambda';
import { publishedIdFromKey } from './core/ids';
import { invalidationReference, type PurgeDeps, purgeImages } from './core/purge';
import { logger } from './runtime/logger';
import { cdnCache, imageObjects, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/**
 * S3 ObjectRemoved on `images/` -> the image's variants and CDN copies go too. A failure is
 * rethrown: Lambda retries the event twice, then it lands in the dead-letter queue.
 */
export function createPurgeHandler(deps: PurgeDeps) {
  return async (event: S3Event): Promise<{ purged: string[]; variantsDeleted: number }> => {
    const removals: { imageId: string; sequencer: string }[] = [];
    for (const { name, key, sequencer } of s3ObjectEvents(event)) {
      const imageId = name.startsWith('ObjectRemoved:') ? publishedIdFromKey(key) : undefined;
      if (imageId) removals.push({ imageId, sequencer });
    }
    const ids = removals.map((removal) => removal.imageId);
    // One reference per batch of removals: a retried event repeats the same invalidation.
    const result = await purgeImages(deps, ids, invalidationReference(removals));
    if (ids.length > 0) logger.info('purged', { imageIds: ids, variantsDeleted: result.variantsDeleted });
    return { purged: ids, ...result };
  };
}

export const handler = createPurgeHandler({ objects: imageObjects(s3('background')), cdn: cdnCache(), log: logger });
