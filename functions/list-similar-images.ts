import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import { type ImageRecords, ownImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { findSimilar, SIMILAR_MAX_DISTANCE, type SimilarDeps } from './core/similarity';
import { dynamoDB, imageRecords, keyRoute, lookups, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { success } from './transport/http';

export interface ListSimilarImagesDeps extends SimilarDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: SimilarDeps['records'] & Pick<ImageRecords, 'get'>;
  /** Signs the `url` of private images (docs/edge.md). */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
}

/**
 * GET /api/images/{image_id}/similar: the caller's images that look nearly the same as this one
 * (perceptual hashes at most 7 bits apart), nearest first (docs/apps.md). `analyzed: false`
 * while the image's hash is not computed yet.
 */
export function createListSimilarImagesHandler(deps: ListSimilarImagesDeps): ApiHandler {
  // Reads only: they run while the counter update is in flight (see get-image.ts).
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const record = await ownImage(deps.records, route.caller.accountId, event.pathParameters?.image_id);
    const similar = await findSimilar(deps, record);
    const matches = (similar ?? []).map((match) => match.record);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, matches, deps.now?.() ?? Date.now()));
    return success(200, {
      analyzed: similar !== undefined,
      max_distance: SIMILAR_MAX_DISTANCE,
      similar: (similar ?? []).map(({ record: match, distance }) => ({ distance, image: toApiImage(match, route.baseUrl, sign) })),
    });
  });
}

const dynamodb = dynamoDB();

export const handler = createListSimilarImagesHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  privateUrls: privateUrls(dynamodb),
});
