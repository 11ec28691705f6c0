import type { Config } from './core/config';
import { decodeCursor, encodeCursor, parseLimit } from './core/cursor';
import type { HourlyQuota } from './core/hourly-quota';
import { type RecordPage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { dynamoDB, imageRecords, keyRoute, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { success } from './transport/http';

export interface ListImagesDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  /** Signs the `url` of private images (docs/edge.md). */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
  readonly records: { listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> };
}

/** GET /api/images?limit=&cursor=: the caller's images, newest first (only the caller's: the query is by account). */
export function createListImagesHandler(deps: ListImagesDeps): ApiHandler {
  // Reads only: the query runs while the counter update is in flight (see get-image.ts).
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const query = event.queryStringParameters ?? {};
    const limit = parseLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const page = await deps.records.listByAccount(route.caller.accountId, limit, after);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, page.records, deps.now?.() ?? Date.now()));
    return success(200, {
      images: page.records.map((record) => toApiImage(record, route.baseUrl, sign)),
      next_cursor: page.after ? encodeCursor(page.after) : null,
    });
  });
}

const dynamodb = dynamoDB();

export const handler = createListImagesHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), privateUrls: privateUrls(dynamodb) });
