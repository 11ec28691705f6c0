import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import { type ImageRecords, ownImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { dynamoDB, imageRecords, keyRoute, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { success } from './transport/http';

export interface GetImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  /** Signs the `url` of private images (docs/edge.md). */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
  readonly records: Pick<ImageRecords, 'get'>;
}

/** GET /api/images/{image_id}: the caller's own image; anyone else's is indistinguishable from none. */
export function createGetImageHandler(deps: GetImageDeps): ApiHandler {
  // Reads only: the record is fetched while the counter update is in flight; the wrapper still
  // answers 429 (and nothing else) when the window is full.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const record = await ownImage(deps.records, route.caller.accountId, event.pathParameters?.image_id);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [record], deps.now?.() ?? Date.now()));
    return success(200, toApiImage(record, route.baseUrl, sign));
  });
}

const dynamodb = dynamoDB();

export const handler = createGetImageHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), privateUrls: privateUrls(dynamodb) });
