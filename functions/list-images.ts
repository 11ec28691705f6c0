import type { Config } from './core/config';
import { decodeCursor, encodeCursor, parseLimit } from './core/cursor';
import type { HourlyQuota } from './core/hourly-quota';
import { listByMetadata, type MetadataListDeps } from './core/image-lookups';
import { type RecordPage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { metadataFilterOf } from './core/user-metadata';
import { dynamoDB, imageRecords, keyRoute, lookups, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { success } from './transport/http';

export interface ListImagesDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: Partial<MetadataListDeps['records']> & { listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> };
  /** Needed for `metadata.<key>=` filters (with `records.getMany`). */
  readonly lookups?: MetadataListDeps['lookups'];
  /** Signs the `url` of private images (docs/edge.md). */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
}

/**
 * GET /api/images?limit=&cursor=: the caller's images, newest first (only the caller's: the query
 * is by account). With `metadata.<key>=<value>`, only those holding that pair, from its lookups
 * (core/image-lookups.ts), with the same order and cursors.
 */
export function createListImagesHandler(deps: ListImagesDeps): ApiHandler {
  // Reads only: the query runs while the counter update is in flight (see get-image.ts).
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const query = event.queryStringParameters ?? {};
    const limit = parseLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const filter = metadataFilterOf(query);
    const accountId = route.caller.accountId;
    const page = filter ? await listByMetadata(metadataDeps(deps), accountId, filter, limit, after) : await deps.records.listByAccount(accountId, limit, after);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, accountId, page.records, deps.now?.() ?? Date.now()));
    return success(200, {
      images: page.records.map((record) => toApiImage(record, route.baseUrl, sign)),
      next_cursor: page.after ? encodeCursor(page.after) : null,
    });
  });
}

function metadataDeps(deps: ListImagesDeps): MetadataListDeps {
  const { lookups, records } = deps;
  if (!lookups || !records.getMany) throw new Error('a metadata filter, but no lookups wired');
  return { lookups, records: { getMany: (ids) => records.getMany!(ids) } };
}

const dynamodb = dynamoDB();

export const handler = createListImagesHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  privateUrls: privateUrls(dynamodb),
});
