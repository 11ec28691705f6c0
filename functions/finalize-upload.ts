import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { EmfMetrics } from './adapters/emf-metrics';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { readLimits, requireString } from './core/config';
import { type FinalizeDeps, type FinalizeOutcome, finalizeUpload } from './core/finalize';
import { logger } from './core/logger';
import { type Metrics, NO_METRICS } from './core/metrics';

/** Events that carry client bytes (a copy is never made into uploads/ by us or anyone). */
const CLIENT_UPLOADS = new Set(['ObjectCreated:Put', 'ObjectCreated:Post', 'ObjectCreated:CompleteMultipartUpload']);

/**
 * S3 ObjectCreated -> settle the pending image. Records are handled one by one; a failure is
 * rethrown so Lambda retries the event (finalize is idempotent).
 */
export function createFinalizeHandler(deps: FinalizeDeps & { readonly metrics?: Metrics }) {
  const metrics = deps.metrics ?? NO_METRICS;
  const settleAll = async (event: S3Event): Promise<{ results: Record<string, string> }> => {
    const results: Record<string, string> = {};
    for (const record of event.Records ?? []) {
      const name = record.eventName?.replace(/^s3:/, '');
      const key = decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' '));
      if (!CLIENT_UPLOADS.has(name)) {
        results[key] = 'skipped';
        continue;
      }
      results[key] = await finalizeUpload(deps, key);
      logger.info('finalized', { objectKey: key, outcome: results[key] });
      metrics.finalized(results[key] as FinalizeOutcome);
    }
    return { results };
  };
  // Written also when a record fails and the event is retried: what was settled stays counted.
  return (event: S3Event) => settleAll(event).finally(() => metrics.flush());
}

const dynamodb = new DynamoDBClient(BACKGROUND_CLIENT_OPTIONS);
const s3 = new S3Client(BACKGROUND_CLIENT_OPTIONS);

export const handler = createFinalizeHandler({
  objects: new S3ImageObjects(s3, requireString(process.env, 'BUCKET_NAME')),
  records: new DynamoImageRecords(
    dynamodb,
    requireString(process.env, 'IMAGES_TABLE'),
    new DynamoAccountTotals(dynamodb, requireString(process.env, 'COUNTERS_TABLE')),
  ),
  limits: readLimits(process.env),
  log: logger,
  metrics: new EmfMetrics(),
});
