import type { Config } from './core/config';
import type { HourlyQuota } from './core/hourly-quota';
import type { ImageRecords } from './core/images';
import type { Metrics } from './core/metrics';
import { abortUpload, type MultipartUploads, openUpload } from './core/multipart-upload';
import { dynamoDB, imageRecords, keyRoute, multipartUploads, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler } from './transport/api-handler';
import { noContent } from './transport/http';

export interface AbortUploadDeps {
  readonly config: Pick<Config, 'publicBaseUrl'>;
  readonly quota: HourlyQuota;
  readonly metrics?: Metrics;
  readonly records: Pick<ImageRecords, 'get'> & { deletePending(id: string): Promise<boolean> };
  readonly uploads: Pick<MultipartUploads, 'abort'>;
  readonly now?: () => Date;
}

/**
 * DELETE /api/images/{image_id}/upload: abandons an open multipart upload. S3 discards its parts
 * and the pending image goes with them (`404` afterwards); a completed upload is not undone (`409`).
 */
export function createAbortUploadHandler(deps: AbortUploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics }, async (event, route) => {
    const nowSeconds = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
    // An expired upload may still be aborted: that is what the sweep would do with it.
    const upload = await openUpload(deps.records, route.caller.accountId, event.pathParameters?.image_id, nowSeconds, { expired: true });
    await route.admitted;
    await abortUpload(deps, upload);
    return noContent();
  });
}

const dynamodb = dynamoDB();

// No account totals: a pending image is not counted in them until finalize settles it ready.
export const handler = createAbortUploadHandler({ ...keyRoute(dynamodb), records: imageRecords(dynamodb), uploads: multipartUploads(s3()) });
