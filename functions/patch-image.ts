import type { Config } from './core/config';
import { type EdgeStore, imageEntryValue } from './core/edge-entries';
import { BadRequestError, ImageNotFoundError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type AccessChange, parseAccessChange } from './core/image-options';
import { type ImageRecord, ownImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { dynamoDB, edgeStore, imageRecords, keyRoute, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { headerOf } from './transport/request';

export interface PatchImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: {
    get(id: string): Promise<ImageRecord | undefined>;
    updateAccess(id: string, accountId: string, change: AccessChange): Promise<ImageRecord | undefined>;
  };
  readonly edge: EdgeStore;
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
}

const PATCH_BODY = {
  notJson: 'The body must be JSON: {"visibility": "private", "expires_in": 3600}',
  notObject: 'The body must be a JSON object',
} as const;

/**
 * PATCH /api/images/{image_id} `{"visibility", "expires_at" | "expires_in"}` (`"expires_at": null`
 * removes an expiry): changes who may view the image and until when (docs/edge.md). The edge's
 * entry follows the record: written before it when the image becomes private or expiring (never a
 * moment more open than asked), removed after it when it becomes public for good. The edge
 * applies the change within seconds; cached copies are checked before the cache, so none leaks.
 */
export function createPatchImageHandler(deps: PatchImageDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (contentType && !/^application\/(merge-patch\+)?json\s*(;|$)/i.test(contentType)) throw new BadRequestError('Send the change as application/json');
    const nowMs = deps.now?.() ?? Date.now();
    const change = parseAccessChange(jsonBody(event, PATCH_BODY), nowMs, { allowClear: true });
    if (change.visibility === undefined && change.imageExpiresAt === undefined) {
      throw new BadRequestError('Nothing to change: send visibility, expires_at or expires_in');
    }
    const accountId = route.caller.accountId;
    const current = await ownImage(deps.records, accountId, event.pathParameters?.image_id);
    await route.admitted;
    const wanted = imageEntryValue({
      accountId,
      visibility: change.visibility ?? current.visibility ?? 'public',
      expiresAt: change.imageExpiresAt === undefined ? current.imageExpiresAt : (change.imageExpiresAt ?? undefined),
    });
    if (wanted !== undefined) await deps.edge.update({ puts: [{ key: current.id, value: wanted }] });
    const updated = await deps.records.updateAccess(current.id, accountId, change);
    if (!updated) throw new ImageNotFoundError();
    if (wanted === undefined) await deps.edge.update({ deletes: [current.id] });
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, accountId, [updated], nowMs));
    return success(200, toApiImage(updated, route.baseUrl, sign));
  });
}

const dynamodb = dynamoDB();

const edge = edgeStore();

export const handler = createPatchImageHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
