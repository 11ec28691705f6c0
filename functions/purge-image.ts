import type { S3Event } from 'aws-lambda';
import { readEdgeSettings } from './core/edge-settings';
import { publishedIdFromKey } from './core/ids';
import { type PurgeDeps, purgeImages } from './core/purge';
import type { WebhookQueue } from './core/webhooks';
import { webhookQueue } from './runtime/webhook-wiring';
import { logger } from './runtime/logger';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, edgeReleases, imageObjects, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/**
 * S3 ObjectRemoved on `images/` -> the image's id enters the edge's deny-list and its variants
 * go too (core/purge.ts), and the account's webhooks are told. A failure is rethrown: Lambda retries the event twice, then it lands in
 * the dead-letter queue.
 */
export function createPurgeHandler(deps: PurgeDeps & { readonly events?: Pick<WebhookQueue, 'send'> }) {
  return async (event: S3Event): Promise<{ purged: string[]; variantsDeleted: number }> => {
    const ids: string[] = [];
    for (const { name, key } of s3ObjectEvents(event)) {
      const imageId = name.startsWith('ObjectRemoved:') ? publishedIdFromKey(key) : undefined;
      if (imageId && !ids.includes(imageId)) ids.push(imageId);
    }
    const result = await purgeImages(deps, ids);
    // Every removal of an original passes here (delete, delete link, expiry, the sweep, an
    // account's erasure): the account's webhooks hear of it (`image.deleted`, or `image.expired`
    // past the image's expiry time; docs/webhooks.md).
    const at = Date.now();
    for (const imageId of ids) await deps.events?.send({ kind: 'event', type: 'image.deleted', imageId, at });
    if (ids.length > 0) logger.info('purged', { imageIds: ids, variantsDeleted: result.variantsDeleted });
    return { purged: ids, ...result };
  };
}

export const handler = createPurgeHandler({
  objects: imageObjects(s3('background')),
  edge: edgeStore(process.env, 'background'),
  releases: edgeReleases(dynamoDB('background')),
  edgeTtlSeconds: readEdgeSettings(process.env).edgeTtlSeconds,
  log: logger,
  events: webhookQueue(),
});
