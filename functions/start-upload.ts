import type { Config } from './core/config';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { toApiImage } from './core/images';
import { type LargeUploadDeps, parseUploadRequest, startLargeUpload, UPLOAD_REQUEST_BODY } from './core/large-upload';
import type { Metrics } from './core/metrics';
import { dynamoDB, imageRecords, keyRoute, lookups, uploadLinks } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix, headerOf } from './transport/request';

export interface StartUploadDeps extends LargeUploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly now?: () => Date;
  /** Counts refused large-upload requests and hourly 429s (accepted ones are counted by finalize). */
  readonly metrics?: Metrics;
}

/**
 * POST /api/images/uploads, optional JSON body `{"size": <bytes>, "content_type": "image/jpeg", "metadata": {...}}`:
 * starts a large upload (see `startLargeUpload`) and answers the pending image with its
 * presigned upload.
 */
export function createStartUploadHandler(deps: StartUploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, metrics: deps.metrics, countsRejectedUploads: 'large' }, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (event.body && contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw new BadRequestError('Send the upload request as application/json');
    }
    const maxBytes = deps.config.limits.maxLargeImageBytes;
    const request = parseUploadRequest(jsonBody(event, UPLOAD_REQUEST_BODY, { optional: true }), maxBytes);
    const options = { maxBytes, expiresIn: deps.config.uploadUrlSeconds, now: deps.now?.() ?? new Date() };
    const { record, upload } = await startLargeUpload(deps, route.caller.accountId, request, options);
    return success(201, { ...toApiImage(record, route.baseUrl), upload }, { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();

export const handler = createStartUploadHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  // Signing is local computation: no S3 client (see adapters/s3-signing.ts).
  links: uploadLinks(),
});
