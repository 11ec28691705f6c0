import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoImageRecords, type RecordPage } from './adapters/dynamo-image-records';
import { EmfMetrics } from './adapters/emf-metrics';
import { type ApiHandler, apiHandler } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { decodeCursor, encodeCursor, parseLimit } from './core/cursor';
import { success } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { toApiImage } from './core/images';
import type { Metrics } from './core/metrics';

export interface ListImagesDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (README "Operations"). */
  readonly metrics?: Metrics;
  readonly records: { listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> };
}

/** GET /api/images?limit=&cursor=: the caller's images, newest first. */
export function createListImagesHandler(deps: ListImagesDeps): ApiHandler {
  // Reads only: the query runs while the counter update is in flight (see get-image.ts).
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const query = event.queryStringParameters ?? {};
    const limit = parseLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const page = await deps.records.listByAccount(route.caller.accountId, limit, after);
    return success(200, {
      images: page.records.map((record) => toApiImage(record, route.baseUrl)),
      next_cursor: page.after ? encodeCursor(page.after) : null,
    });
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);

export const handler = createListImagesHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  records: new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE')),
  metrics: new EmfMetrics(),
});
