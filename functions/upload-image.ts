import type { Config } from './core/config';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type ImageObjects, type ImageRecords, type Log, storeImage, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { prepareForPublishing } from './core/published-image';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecordsWithTotals, keyRoute, s3 } from './runtime/wiring';
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
}

/** POST /api/images/upload: one image in the multipart field `image`. */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'direct' }, async (event, route) => {
    const body = bodyBytes(event);
    if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
    const upload = await parseImageUpload(body, headerOf(event, 'content-type'), { maxFileBytes: deps.config.limits.maxImageBytes });
    // The file is a view of the body this handler decoded and reads no more: cleaned in place.
    const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
    await route.admitted;
    const record = await storeImage(deps, route.caller.accountId, image);
    deps.metrics?.uploadAccepted('direct', record.size ?? image.size);
    deps.metrics?.metadataRemoved(image.metadataBytesRemoved);
    return success(201, toApiImage(record, route.baseUrl), { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();

export const handler = createUploadHandler({
  ...keyRoute(dynamodb),
  objects: imageObjects(s3()),
  records: imageRecordsWithTotals(dynamodb),
  log: logger,
});
