import type { Config } from './core/config';
import { deleteLinkPath, newDeleteToken } from './core/delete-links';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type IdempotencyRecords, requestFingerprint } from './core/idempotency';
import type { Log } from './core/images';
import { toApiImage } from './core/images';
import { type LargeUploadDeps, parseUploadRequest, startLargeUpload, UPLOAD_REQUEST_BODY } from './core/large-upload';
import type { Metrics } from './core/metrics';
import { logger } from './runtime/logger';
import { dynamoDB, idempotencyRecords, imageRecords, keyRoute, uploadLinks } from './runtime/wiring';
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
}

/**
 * POST /api/images/uploads, optional JSON body `{"size": <bytes>, "content_type": "image/jpeg"}`:
 * starts a large upload (see `startLargeUpload`) and answers the pending image with its
 * presigned upload.
 */
export function createStartUploadHandler(deps: StartUploadDeps): ApiHandler {
  const now = deps.now;
  const idempotency = deps.idempotency && { records: deps.idempotency, log: deps.log ?? logger, now: now && (() => now().getTime()) };
  const options = { quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, metrics: deps.metrics, countsRejectedUploads: 'large', idempotency } as const;
  return apiHandler(options, async (event, route) => {
    const contentType = headerOf(event, 'content-type');
    if (event.body && contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw new BadRequestError('Send the upload request as application/json');
    }
    const maxBytes = deps.config.limits.maxLargeImageBytes;
    const body = jsonBody(event, UPLOAD_REQUEST_BODY, { optional: true });
    const request = parseUploadRequest(body, maxBytes);
    await route.claim(() => requestFingerprint('large-upload', body));
    const deletion = newDeleteToken();
    const started = { maxBytes, expiresIn: deps.config.uploadUrlSeconds, now: deps.now?.() ?? new Date(), deleteTokenHash: deletion.hash };
    const { record, upload } = await startLargeUpload(deps, route.caller.accountId, request, started);
    const deleteUrl = `${baseUrlFrom(event, undefined)}${deleteLinkPath(record.id, deletion.token)}`;
    return success(201, { ...toApiImage(record, route.baseUrl), delete_url: deleteUrl, upload }, { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const dynamodb = dynamoDB();

export const handler = createStartUploadHandler({
  ...keyRoute(dynamodb),
  records: imageRecords(dynamodb),
  idempotency: idempotencyRecords(dynamodb),
  // Signing is local computation: no S3 client (see adapters/s3-signing.ts).
  links: uploadLinks(),
});
