import type { Config } from './core/config';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { accessAtUpload, parseAccessChange } from './core/image-options';
import { toApiImage } from './core/images';
import { type LargeUploadDeps, parseUploadRequest, startLargeUpload, UPLOAD_REQUEST_BODY } from './core/large-upload';
import type { Metrics } from './core/metrics';
import { type MultipartUploads, planParts, startMultipartUpload, wantsMultipart } from './core/multipart-upload';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { dynamoDB, edgeStoreWhenNeeded, imageRecords, keyRoute, multipartUploads, privateUrls, s3, uploadLinks } from './runtime/wiring';
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
  /** Resumable uploads (`"multipart": true`): S3's multipart uploads. */
  readonly uploads: Pick<MultipartUploads, 'create' | 'abort'>;
  /** Signs the `url` of a private image. */
  readonly privateUrls?: PrivateUrlDeps;
}

/**
 * POST /api/images/uploads, optional JSON body `{"size": <bytes>, "content_type": "image/jpeg"}`:
 * starts a large upload (see `startLargeUpload`) and answers the pending image with its
 * presigned upload. With `"multipart": true` (and `size`, optionally `part_size`) it starts a
 * resumable one instead (see `startMultipartUpload`; docs/api.md, "Resumable uploads").
 */
export function createStartUploadHandler(deps: StartUploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, metrics: deps.metrics, countsRejectedUploads: 'large' }, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (event.body && contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw new BadRequestError('Send the upload request as application/json');
    }
    const maxBytes = deps.config.limits.maxLargeImageBytes;
    const body = jsonBody(event, UPLOAD_REQUEST_BODY, { optional: true });
    const request = parseUploadRequest(body, maxBytes);
    const now = deps.now?.() ?? new Date();
    const access = accessAtUpload(parseAccessChange(body, now.getTime()));
    const options = { maxBytes, expiresIn: deps.config.uploadUrlSeconds, now, access };
    const { record, upload } = wantsMultipart(body)
      ? await startMultipartUpload(deps, route.caller.accountId, planParts(request, body.part_size), options)
      : await startLargeUpload(deps, route.caller.accountId, request, options);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [record], now.getTime()));
    return success(201, { ...toApiImage(record, route.baseUrl, sign), upload }, { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();
const edge = edgeStoreWhenNeeded();

export const handler = createStartUploadHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  // Signing is local computation (see adapters/s3-signing.ts); the S3 client starts multipart uploads.
  links: uploadLinks(),
  uploads: multipartUploads(s3()),
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
