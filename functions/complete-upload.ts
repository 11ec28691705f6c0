import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import { type ImageRecords, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { completeUpload, type MultipartUploads, openUpload, partsToComplete } from './core/multipart-upload';
import { dynamoDB, imageRecords, keyRoute, multipartUploads, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix } from './transport/request';

export interface CompleteUploadDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  readonly metrics?: Metrics;
  readonly records: Pick<ImageRecords, 'get'>;
  readonly uploads: Pick<MultipartUploads, 'listParts' | 'complete'>;
  readonly now?: () => Date;
}

/** What a body of this route that is not a JSON object is told. */
const COMPLETE_REQUEST_BODY = {
  notJson: 'The body must be JSON: {"parts": [{"part_number": 1, "etag": "..."}, ...]}',
  notObject: 'The body must be a JSON object',
} as const;

/**
 * POST /api/images/{image_id}/upload/complete, optional JSON body `{"parts": [{"part_number": 1,
 * "etag": "..."}, ...]}` (every part S3 holds when absent): S3 assembles the object, and finalize
 * then checks and publishes it. Answers `202` with the image, still pending until finalize has run.
 */
export function createCompleteUploadHandler(deps: CompleteUploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'large' }, async (event, route) => {
    const nowSeconds = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
    const upload = await openUpload(deps.records, route.caller.accountId, event.pathParameters?.image_id, nowSeconds);
    const parts = partsToComplete(jsonBody(event, COMPLETE_REQUEST_BODY, { optional: true }), upload.multipart);
    await route.admitted;
    await completeUpload(deps.uploads, upload, parts);
    return success(202, toApiImage(upload, route.baseUrl), { Location: `${apiPathPrefix(event)}/api/images/${upload.id}` });
  });
}

const dynamodb = dynamoDB();

export const handler = createCompleteUploadHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), uploads: multipartUploads(s3()) });
