import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { EmfMetrics } from './adapters/emf-metrics';
import { type ApiHandler, apiHandler } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { ImageNotFoundError } from './core/errors';
import { success } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { isImageId } from './core/ids';
import { type ImageRecords, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';

export interface GetImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (README "Operations"). */
  readonly metrics?: Metrics;
  readonly records: Pick<ImageRecords, 'get'>;
}

/** GET /api/images/{image_id}: the caller's own image; anyone else's is indistinguishable from none. */
export function createGetImageHandler(deps: GetImageDeps): ApiHandler {
  // Reads only: the record is fetched while the counter update is in flight; the wrapper still
  // answers 429 (and nothing else) when the window is full.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const id = event.pathParameters?.image_id;
    if (!isImageId(id)) throw new ImageNotFoundError();
    const record = await deps.records.get(id);
    if (!record || record.accountId !== route.caller.accountId) throw new ImageNotFoundError();
    return success(200, toApiImage(record, route.baseUrl));
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);

export const handler = createGetImageHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  records: new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE')),
  metrics: new EmfMetrics(),
});
