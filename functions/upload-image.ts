import type { Config } from './core/config';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type OwnUploadDeps, parseOnDuplicate, storeOwnUpload } from './core/duplicates';
import { toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import { prepareForPublishing } from './core/published-image';
import { parseMetadataText } from './core/user-metadata';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecordsWithTotals, keyRoute, lookups, s3 } from './runtime/wiring';
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
}

/**
 * POST /api/images/upload: one image in the multipart field `image`, the account's metadata as
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
    // The file is a view of the body this handler decoded and reads no more: cleaned in place.
    const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
    await route.admitted;
    const stored = await storeOwnUpload(deps, route.caller.accountId, image, { metadata, onDuplicate });
    if ('existing' in stored) return success(200, toApiImage(stored.existing, route.baseUrl));
    const record = stored.created;
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
  lookups: lookups(dynamodb),
  log: logger,
});
