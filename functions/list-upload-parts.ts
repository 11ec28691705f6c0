import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import type { ImageRecords } from './core/images';
import type { Metrics } from './core/metrics';
import { listParts, type MultipartUploads, openUpload, partCount } from './core/multipart-upload';
import { dynamoDB, imageRecords, keyRoute, multipartUploads, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { success } from './transport/http';

export interface ListUploadPartsDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  readonly metrics?: Metrics;
  readonly records: Pick<ImageRecords, 'get'>;
  readonly uploads: Pick<MultipartUploads, 'listParts'>;
  readonly now?: () => Date;
}

/**
 * GET /api/images/{image_id}/upload/parts: the parts S3 holds of an open multipart upload, with
 * their ETags and sizes. A client that lost its place resumes from here: it sends only the parts
 * missing from this list.
 */
export function createListUploadPartsHandler(deps: ListUploadPartsDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const nowSeconds = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
    const upload = await openUpload(deps.records, route.caller.accountId, event.pathParameters?.image_id, nowSeconds);
    await route.admitted;
    const parts = await listParts(deps.uploads, upload);
    return success(200, {
      part_size: upload.multipart.partSize,
      part_count: partCount(upload.multipart),
      parts: parts.map((part) => ({ part_number: part.partNumber, etag: part.etag, size: part.size })),
    });
  });
}

const dynamodb = dynamoDB();

export const handler = createListUploadPartsHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), uploads: multipartUploads(s3()) });
