import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import type { ImageRecords } from './core/images';
import type { Metrics } from './core/metrics';
import { openUpload, type PartLinks, partNumbersToSign, signParts } from './core/multipart-upload';
import { dynamoDB, imageRecords, keyRoute, partLinks } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';

export interface SignUploadPartsDeps {
  readonly config: Pick<Config, 'publicBaseUrl' | 'uploadUrlSeconds'>;
  readonly quota: HourlyQuota;
  readonly metrics?: Metrics;
  readonly records: Pick<ImageRecords, 'get'>;
  readonly links: PartLinks;
  readonly now?: () => Date;
}

/** What a body of this route that is not a JSON object is told. */
const SIGN_REQUEST_BODY = {
  notJson: 'The body must be JSON: {"part_numbers": [1, 2, ...]}',
  notObject: 'The body must be a JSON object',
} as const;

/**
 * POST /api/images/{image_id}/upload/parts, optional JSON body `{"part_numbers": [1, 2]}`: a
 * presigned PUT for each asked part (every part when none is named) of an open multipart upload,
 * each bound to its exact length. Signing sends nothing to S3.
 */
export function createSignUploadPartsHandler(deps: SignUploadPartsDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const now = deps.now?.() ?? new Date();
    const upload = await openUpload(deps.records, route.caller.accountId, event.pathParameters?.image_id, Math.floor(now.getTime() / 1000));
    const numbers = partNumbersToSign(jsonBody(event, SIGN_REQUEST_BODY, { optional: true }), upload.multipart);
    const expiresIn = deps.config.uploadUrlSeconds;
    const parts = await signParts(deps.links, upload, numbers, expiresIn);
    return success(200, { parts, expires_at: new Date(now.getTime() + expiresIn * 1000).toISOString() });
  });
}

const dynamodb = dynamoDB();

// Signing is local computation: no S3 client (see adapters/s3-signing.ts).
export const handler = createSignUploadPartsHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), links: partLinks() });
