import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { EmfMetrics } from './adapters/emf-metrics';
import { type ApiHandler, apiHandler } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { ImageNotFoundError } from './core/errors';
import { noContent } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { isImageId } from './core/ids';
import type { ImageObjects, ImageRecord, Log } from './core/images';
import { logger } from './core/logger';
import type { Metrics } from './core/metrics';

export interface DeleteImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (README "Operations"). */
  readonly metrics?: Metrics;
  readonly records: {
    get(id: string): Promise<ImageRecord | undefined>;
    delete(id: string, accountId: string): Promise<boolean>;
  };
  readonly objects: Pick<ImageObjects, 'delete'>;
  readonly log: Log;
}

/**
 * DELETE /api/images/{image_id}. The published object goes first: the public URL is served
 * straight from the bucket (through the CDN), so the bytes must be gone before we say 204. Then
 * the record. If either step fails the client gets a 503 and retries; a retry finds the record
 * (the object delete is idempotent) and finishes. The object's removal also purges its variants
 * and CDN copies (PurgeImage).
 */
export function createDeleteImageHandler(deps: DeleteImageDeps): ApiHandler {
  // The ownership read overlaps the counter update; the deletes wait for admission.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const id = event.pathParameters?.image_id;
    if (!isImageId(id)) throw new ImageNotFoundError();
    const record = await deps.records.get(id);
    if (!record || record.accountId !== route.caller.accountId) throw new ImageNotFoundError();
    await route.admitted;
    await deps.objects.delete(record.objectKey);
    if (!(await deps.records.delete(id, route.caller.accountId))) throw new ImageNotFoundError();
    return noContent();
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);

export const handler = createDeleteImageHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  records: new DynamoImageRecords(
    dynamodb,
    requireString(process.env, 'IMAGES_TABLE'),
    new DynamoAccountTotals(dynamodb, requireString(process.env, 'COUNTERS_TABLE')),
  ),
  objects: new S3ImageObjects(new S3Client(API_CLIENT_OPTIONS), requireString(process.env, 'BUCKET_NAME')),
  log: logger,
  metrics: new EmfMetrics(),
});
