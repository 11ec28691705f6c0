import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import { parseImageUpdate, UPDATE_IMAGE_BODY, type UpdateMetadataDeps, updateImageMetadata } from './core/image-updates';
import { type ImageRecords, ownImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { logger } from './runtime/logger';
import { dynamoDB, imageRecords, keyRoute, lookups } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';

export interface UpdateImageDeps extends UpdateMetadataDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: UpdateMetadataDeps['records'] & Pick<ImageRecords, 'get'>;
}

/**
 * PATCH /api/images/{image_id}, JSON body `{"metadata": {...}}`: replaces the account's metadata
 * of its image (`null` removes it) and answers the image (docs/apps.md).
 */
export function createUpdateImageHandler(deps: UpdateImageDeps): ApiHandler {
  // The body is checked and the ownership read while the counter update is in flight; the writes wait for admission.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const update = parseImageUpdate(jsonBody(event, UPDATE_IMAGE_BODY));
    let record = await ownImage(deps.records, route.caller.accountId, event.pathParameters?.image_id);
    await route.admitted;
    if (update.metadata !== undefined) record = await updateImageMetadata(deps, record, update.metadata);
    return success(200, toApiImage(record, route.baseUrl));
  });
}

const dynamodb = dynamoDB();

export const handler = createUpdateImageHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), lookups: lookups(dynamodb), log: logger });
