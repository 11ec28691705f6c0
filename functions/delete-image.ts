import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import { dropLookups, type ImageLookups, lookupsOf } from './core/image-lookups';
import { deleteImage, type ImageObjects, type ImageRecord, type Log, ownImage } from './core/images';
import type { Metrics } from './core/metrics';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecordsWithTotals, keyRoute, lookups, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { noContent } from './transport/http';

export interface DeleteImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: {
    get(id: string): Promise<ImageRecord | undefined>;
    delete(id: string, accountId: string): Promise<boolean>;
  };
  readonly objects: Pick<ImageObjects, 'delete'>;
  /** The image's lookups (metadata, similarity), removed after its record (core/image-lookups.ts). */
  readonly lookups?: Pick<ImageLookups, 'delete'>;
  readonly log: Log;
}

/**
 * DELETE /api/images/{image_id}: see `deleteImage` for the order (object, then record) and why a
 * failure is safe to retry. The object's removal also purges its variants and CDN copies
 * (PurgeImage).
 */
export function createDeleteImageHandler(deps: DeleteImageDeps): ApiHandler {
  // The ownership read overlaps the counter update; the deletes wait for admission.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const record = await ownImage(deps.records, route.caller.accountId, event.pathParameters?.image_id);
    await route.admitted;
    await deleteImage(deps, record);
    await dropLookups(deps.lookups, lookupsOf(record), deps.log);
    return noContent();
  });
}

const dynamodb = dynamoDB();

export const handler = createDeleteImageHandler({
  ...keyRoute(dynamodb),
  records: imageRecordsWithTotals(dynamodb),
  objects: imageObjects(s3()),
  lookups: lookups(dynamodb),
  log: logger,
});
