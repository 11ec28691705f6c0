import type { Config } from './core/config';
import type { EdgeStore } from './core/edge-entries';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type OwnUploadDeps, parseOnDuplicate, storeOwnUpload } from './core/duplicates';
import { accessAtUpload, parseAccessChange } from './core/image-options';
import { toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { prepareForPublishing } from './core/published-image';
import { parseMetadataText } from './core/user-metadata';
import { logger } from './runtime/logger';
import { dynamoDB, edgeStoreWhenNeeded, imageObjects, imageRecordsWithTotals, keyRoute, lookups, privateUrls, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { bodyBytes } from './transport/body';
import { success } from './transport/http';
import { parseImageUpload } from './transport/multipart';
import { apiPathPrefix, headerOf } from './transport/request';

export interface UploadDeps extends OwnUploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  /** Counts accepted and refused uploads and hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  /** Private and expiring images are entered at the edge before their bytes are stored (docs/edge.md). */
  readonly edge?: EdgeStore;
  /** Signs the `url` of a private image. */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => Date;
}

/**
 * POST /api/images/upload: one image in the multipart field `image`, with the optional text
 * fields `visibility`, `expires_in` / `expires_at` (docs/edge.md) and the account's metadata as
 * JSON in the field `metadata`; `?on_duplicate=return` answers 200 with the account's image of
 * the same bytes instead of storing another (docs/apps.md).
 */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'direct' }, async (event, route) => {
    const body = bodyBytes(event);
    if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
    const onDuplicate = parseOnDuplicate(event.queryStringParameters);
    const upload = await parseImageUpload(body, headerOf(event, 'content-type'), { maxFileBytes: deps.config.limits.maxImageBytes });
    const metadata = parseMetadataText(upload.fields.metadata);
    const nowMs = (deps.now?.() ?? new Date()).getTime();
    const access = accessAtUpload(parseAccessChange(upload.fields, nowMs, { fromText: true }));
    // The file is a view of the body this handler decoded and reads no more: cleaned in place.
    const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
    await route.admitted;
    const stored = await storeOwnUpload(deps, route.caller.accountId, image, { metadata, onDuplicate, access });
    if ('existing' in stored) {
      const signExisting = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [stored.existing], nowMs));
      return success(200, toApiImage(stored.existing, route.baseUrl, signExisting));
    }
    const record = stored.created;
    deps.metrics?.uploadAccepted('direct', record.size ?? image.size);
    deps.metrics?.metadataRemoved(image.metadataBytesRemoved);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [record], nowMs));
    return success(201, toApiImage(record, route.baseUrl, sign), { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();
const edge = edgeStoreWhenNeeded();

export const handler = createUploadHandler({
  ...keyRoute(dynamodb),
  objects: imageObjects(s3()),
  records: imageRecordsWithTotals(dynamodb),
  lookups: lookups(dynamodb),
  log: logger,
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
