import type { Config } from './core/config';
import { type EdgeStore, imageEntryValue } from './core/edge-entries';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { changesAccess, parseImageUpdate, UPDATE_IMAGE_BODY, type UpdateImageDeps, updateImage } from './core/image-updates';
import { type ImageRecord, ownImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { logger } from './runtime/logger';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, imageRecords, keyRoute, lookups, privateUrls } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { headerOf } from './transport/request';

export interface PatchImageDeps extends UpdateImageDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  /** Counts hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  readonly records: UpdateImageDeps['records'] & { get(id: string): Promise<ImageRecord | undefined> };
  readonly edge: EdgeStore;
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => number;
}

/**
 * PATCH /api/images/{image_id} `{"visibility", "expires_at" | "expires_in", "metadata"}`, each
 * optional (`"expires_at": null` removes an expiry, `"metadata": null` the metadata): changes who
 * may view the image and until when (docs/edge.md) and the account's metadata of it
 * (docs/apps.md), in one write of the record. The edge's entry follows the record: written
 * before it when the image becomes private or expiring (never a moment more open than asked),
 * removed after it when it becomes public for good; a change of metadata alone leaves the edge
 * as it is. Metadata lookups are written and removed around the record (core/image-updates.ts).
 */
export function createPatchImageHandler(deps: PatchImageDeps): ApiHandler {
  // The body is checked and the ownership read while the counter update is in flight; the writes wait for admission.
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (contentType && !/^application\/(merge-patch\+)?json\s*(;|$)/i.test(contentType)) throw new BadRequestError('Send the change as application/json');
    const nowMs = deps.now?.() ?? Date.now();
    const update = parseImageUpdate(jsonBody(event, UPDATE_IMAGE_BODY), nowMs);
    const access = changesAccess(update);
    if (!access && update.metadata === undefined) {
      throw new BadRequestError('Nothing to change: send metadata, visibility, expires_at or expires_in');
    }
    const accountId = route.caller.accountId;
    const current = await ownImage(deps.records, accountId, event.pathParameters?.image_id);
    await route.admitted;
    const wanted = imageEntryValue({
      accountId,
      visibility: update.visibility ?? current.visibility ?? 'public',
      expiresAt: update.imageExpiresAt === undefined ? current.imageExpiresAt : (update.imageExpiresAt ?? undefined),
    });
    if (access && wanted !== undefined) await deps.edge.update({ puts: [{ key: current.id, value: wanted }] });
    const updated = await updateImage(deps, current, update);
    if (access && wanted === undefined) await deps.edge.update({ deletes: [current.id] });
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, accountId, [updated], nowMs));
    return success(200, toApiImage(updated, route.baseUrl, sign));
  });
}

const dynamodb = dynamoDB();

const edge = edgeStore();

export const handler = createPatchImageHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  log: logger,
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
