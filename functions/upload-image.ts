import type { Config } from './core/config';
import type { EdgeStore } from './core/edge-entries';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { accessAtUpload, parseAccessChange } from './core/image-options';
import { type ImageObjects, type ImageRecords, type Log, storeImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { prepareForPublishing } from './core/published-image';
import { logger } from './runtime/logger';
import { dynamoDB, edgeStoreWhenNeeded, imageObjects, imageRecordsWithTotals, keyRoute, privateUrls, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { bodyBytes } from './transport/body';
import { success } from './transport/http';
import { parseImageUpload } from './transport/multipart';
import { apiPathPrefix, headerOf } from './transport/request';

export interface UploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly objects: ImageObjects;
  readonly records: ImageRecords;
  readonly log: Log;
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
 * fields `visibility`, `expires_in` / `expires_at` (docs/edge.md).
 */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'direct' }, async (event, route) => {
    const body = bodyBytes(event);
    if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
    const upload = await parseImageUpload(body, headerOf(event, 'content-type'), { maxFileBytes: deps.config.limits.maxImageBytes });
    const nowMs = (deps.now?.() ?? new Date()).getTime();
    const access = accessAtUpload(parseAccessChange(upload.fields, nowMs, { fromText: true }));
    // The file is a view of the body this handler decoded and reads no more: cleaned in place.
    const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
    await route.admitted;
    const record = await storeImage(deps, route.caller.accountId, image, access);
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
  log: logger,
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
