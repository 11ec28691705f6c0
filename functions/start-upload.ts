import type { Config } from './core/config';
import { deleteLinkPath, newDeleteToken } from './core/delete-links';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type IdempotencyRecords, requestFingerprint } from './core/idempotency';
import { accessAtUpload, parseAccessChange } from './core/image-options';
import { type Log, toApiImage } from './core/images';
import { type LargeUploadDeps, parseUploadRequest, startLargeUpload, UPLOAD_REQUEST_BODY } from './core/large-upload';
import type { Metrics } from './core/metrics';
import { type MultipartUploads, planParts, startMultipartUpload, wantsMultipart } from './core/multipart-upload';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { logger } from './runtime/logger';
import { dynamoDB, edgeStoreWhenNeeded, idempotencyRecords, imageRecords, keyRoute, lookups, multipartUploads, privateUrls, s3, uploadLinks } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix, baseUrlFrom, headerOf } from './transport/request';

export interface StartUploadDeps extends LargeUploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly now?: () => Date;
  /** Counts refused large-upload requests and hourly 429s (accepted ones are counted by finalize). */
  readonly metrics?: Metrics;
  /** Where `Idempotency-Key` claims live (docs/api.md#idempotent-uploads); the deployed function always has them. */
  readonly idempotency?: IdempotencyRecords;
  /** Where a claim that could not be kept or released is reported. */
  readonly log?: Log;
  /** Resumable uploads (`"multipart": true`): S3's multipart uploads. */
  readonly uploads: Pick<MultipartUploads, 'create' | 'abort'>;
  /** Signs the `url` of a private image. */
  readonly privateUrls?: PrivateUrlDeps;
}

/**
 * POST /api/images/uploads, optional JSON body `{"size": <bytes>, "content_type": "image/jpeg", "metadata": {...}}`:
 * starts a large upload (see `startLargeUpload`) and answers the pending image with its
 * presigned upload. With `"multipart": true` (and `size`, optionally `part_size`) it starts a
 * resumable one instead (see `startMultipartUpload`; docs/api.md, "Resumable uploads"). Either
 * way the answer carries the image's one-time `delete_url`, and an `Idempotency-Key` is claimed
 * before anything is started, so a retried start neither makes a second upload nor counts twice.
 */
export function createStartUploadHandler(deps: StartUploadDeps): ApiHandler {
  const clock = deps.now;
  const idempotency = deps.idempotency && { records: deps.idempotency, log: deps.log ?? logger, now: clock && (() => clock().getTime()) };
  const options = { quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, metrics: deps.metrics, countsRejectedUploads: 'large', idempotency } as const;
  return apiHandler(options, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (event.body && contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw new BadRequestError('Send the upload request as application/json');
    }
    const maxBytes = deps.config.limits.maxLargeImageBytes;
    const body = jsonBody(event, UPLOAD_REQUEST_BODY, { optional: true });
    const request = parseUploadRequest(body, maxBytes);
    const now = clock?.() ?? new Date();
    const access = accessAtUpload(parseAccessChange(body, now.getTime()));
    const plan = wantsMultipart(body) ? planParts(request, body.part_size) : undefined;
    // Claimed once the body is known valid, before S3's multipart upload or any record exists.
    await route.claim(() => requestFingerprint('large-upload', body));
    const deletion = newDeleteToken();
    const started = { maxBytes, expiresIn: deps.config.uploadUrlSeconds, now, access, deleteTokenHash: deletion.hash };
    const { record, upload } = plan
      ? await startMultipartUpload(deps, route.caller.accountId, plan, { ...started, metadata: request.metadata })
      : await startLargeUpload(deps, route.caller.accountId, request, started);
    const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [record], now.getTime()));
    const deleteUrl = `${baseUrlFrom(event, undefined)}${deleteLinkPath(record.id, deletion.token)}`;
    return success(201, { ...toApiImage(record, route.baseUrl, sign), delete_url: deleteUrl, upload }, { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();
const edge = edgeStoreWhenNeeded();

export const handler = createStartUploadHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  idempotency: idempotencyRecords(dynamodb),
  // Signing is local computation (see adapters/s3-signing.ts); the S3 client starts multipart uploads.
  links: uploadLinks(),
  uploads: multipartUploads(s3()),
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
