import { createHash } from 'node:crypto';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { CloudFrontCache } from './adapters/cloudfront-cache';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { optionalString, requireString } from './core/config';
import { publishedIdFromKey } from './core/ids';
import { logger } from './core/logger';
import { type PurgeDeps, purgeImages } from './core/purge';

/**
 * S3 ObjectRemoved on `images/` -> the image's variants and CDN copies go too. A failure is
 * rethrown: Lambda retries the event twice, then it lands in the dead-letter queue.
 */
export function createPurgeHandler(deps: PurgeDeps) {
  return async (event: S3Event): Promise<{ purged: string[]; variantsDeleted: number }> => {
    const ids: string[] = [];
    const sequencers: string[] = [];
    for (const record of event.Records ?? []) {
      if (!record.eventName?.replace(/^s3:/, '').startsWith('ObjectRemoved:')) continue;
      const id = publishedIdFromKey(decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' ')));
      if (!id) continue;
      ids.push(id);
      sequencers.push(`${id}-${record.s3?.object?.sequencer ?? ''}`);
    }
    // One reference per batch of removals: a retried event repeats the same invalidation.
    const reference = createHash('sha256').update(sequencers.sort().join('\n')).digest('hex');
    const result = await purgeImages(deps, ids, reference);
    if (ids.length > 0) logger.info('purged', { imageIds: ids, variantsDeleted: result.variantsDeleted });
    return { purged: ids, ...result };
  };
}

const distributionId = optionalString(process.env, 'DISTRIBUTION_ID');

export const handler = createPurgeHandler({
  objects: new S3ImageObjects(new S3Client(BACKGROUND_CLIENT_OPTIONS), requireString(process.env, 'BUCKET_NAME')),
  // Local mode has no CDN cache to invalidate (its /image/ reads the bucket on every request).
  cdn: distributionId ? new CloudFrontCache(new CloudFrontClient(BACKGROUND_CLIENT_OPTIONS), distributionId) : undefined,
  log: logger,
});
