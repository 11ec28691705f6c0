import type { S3Event } from 'aws-lambda';
import { type FinalizeDeps, finalizeUpload } from './core/finalize';
import { uploadIdFromKey } from './core/ids';
import type { WebhookQueue } from './core/webhooks';
import { webhookQueue } from './runtime/webhook-wiring';
import { type Metrics, NO_METRICS } from './core/metrics';
import { logger } from './runtime/logger';
import { dynamoDB, publishing, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/** Events that carry client bytes (a copy is never made into uploads/ by us or anyone). */
const CLIENT_UPLOADS = new Set(['ObjectCreated:Put', 'ObjectCreated:Post', 'ObjectCreated:CompleteMultipartUpload']);

/**
 * S3 ObjectCreated -> settle the pending image. Records are handled one by one; a failure is
 * rethrown so Lambda retries the event (finalize is idempotent). A settled image is announced to
 * the account's webhooks (`image.ready`, `image.rejected`) through the webhook queue.
 */
export function createFinalizeHandler(deps: FinalizeDeps & { readonly metrics?: Metrics; readonly events?: Pick<WebhookQueue, 'send'> }) {
  const metrics = deps.metrics ?? NO_METRICS;
  const settleAll = async (event: S3Event): Promise<{ results: Record<string, string> }> => {
    const results: Record<string, string> = {};
    for (const { name, key } of s3ObjectEvents(event)) {
      if (!CLIENT_UPLOADS.has(name)) {
        results[key] = 'skipped';
        continue;
      }
      const outcome = await finalizeUpload(deps, key);
      results[key] = outcome;
      logger.info('finalized', { objectKey: key, outcome });
      metrics.finalized(outcome);
      // The account's webhooks (docs/webhooks.md): sent after the record is settled, again if this event is retried.
      const imageId = uploadIdFromKey(key);
      if (deps.events && imageId && (outcome === 'ready' || outcome === 'rejected')) {
        await deps.events.send({ kind: 'event', type: outcome === 'ready' ? 'image.ready' : 'image.rejected', imageId, at: Date.now() });
      }
    }
    return { results };
  };
  // Written also when a record fails and the event is retried: what was settled stays counted.
  return (event: S3Event) => settleAll(event).finally(() => metrics.flush());
}

export const handler = createFinalizeHandler({ ...publishing(dynamoDB('background'), s3('background')), events: webhookQueue() });
