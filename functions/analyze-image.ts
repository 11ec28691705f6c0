import type { S3Event } from 'aws-lambda';
import { SharpPixels } from './adapters/sharp-pixels';
import { type AnalyzeDeps, type AnalyzeOutcome, analyzeImage } from './core/analysis';
import { readLimits, readTransformSettings } from './core/config';
import { publishedIdFromKey } from './core/ids';
import type { WebhookQueue } from './core/webhooks';
import { webhookQueue } from './runtime/webhook-wiring';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecords, lookups, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/**
 * S3 ObjectCreated on `images/` -> the image's ThumbHash, dominant colour and perceptual hash
 * on its record (docs/apps.md). Its own function so that sharp stays out of the upload's: the
 * upload answers before this runs. A failure is rethrown: Lambda retries the event twice, then
 * it lands in the dead-letter queue.
 */
/** Outcomes of an image that is published and recorded: it is announced as `image.ready` (once per endpoint, whoever sends it first). */
const ANNOUNCED: ReadonlySet<AnalyzeOutcome> = new Set(['analyzed', 'already', 'undecodable']);

export function createAnalyzeHandler(deps: AnalyzeDeps & { readonly events?: Pick<WebhookQueue, 'send'> }) {
  return async (event: S3Event): Promise<{ results: Record<string, AnalyzeOutcome> }> => {
    const results: Record<string, AnalyzeOutcome> = {};
    for (const { name, key } of s3ObjectEvents(event)) {
      if (!name.startsWith('ObjectCreated:')) continue;
      results[key] = await analyzeImage(deps, key);
      logger.info('analyzed', { objectKey: key, outcome: results[key] });
      // Direct uploads are announced here, off the upload's path (docs/webhooks.md); a large
      // upload's event from finalize and this one make one delivery per endpoint.
      const imageId = publishedIdFromKey(key);
      if (deps.events && imageId && ANNOUNCED.has(results[key])) await deps.events.send({ kind: 'event', type: 'image.ready', imageId, at: Date.now() });
    }
    return { results };
  };
}

const dynamodb = dynamoDB('background');

// sharp is imported here and in the transform function only (functions/runtime/wiring.ts says why).
export const handler = createAnalyzeHandler({
  objects: imageObjects(s3('background')),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  pixels: new SharpPixels(readTransformSettings(process.env)),
  maxBytes: readLimits(process.env).maxLargeImageBytes,
  log: logger,
  events: webhookQueue(),
});
