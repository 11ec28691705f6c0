import type { Context } from 'aws-lambda';
import type { DynamoImageRecords } from './adapters/dynamo-image-records';
import type { S3MultipartUploads } from './adapters/s3-multipart-uploads';
import type { S3ImageObjects } from './adapters/s3-image-objects';
import { readLimits } from './core/config';
import type { EdgeReleaseSchedule } from './core/edge-releases';
import type { EdgeStore } from './core/edge-entries';
import { readEdgeSettings } from './core/edge-settings';
import { finalizeUpload } from './core/finalize';
import type { ImageLookups } from './core/image-lookups';
import { type Metrics, NO_METRICS } from './core/metrics';
import { type SweepPosition, type SweepReport, sweep } from './core/sweep';
import { logger } from './runtime/logger';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, edgeReleases, lookups, multipartUploads, publishing, s3, sweepPosition } from './runtime/wiring';

/** Stop starting new pages this long before the function's timeout: a page takes seconds at most. */
const TIME_MARGIN_MS = 30_000;

/**
 * Scheduled (every 15 minutes on AWS; `npm run sweep` and a timer locally): see core/sweep.ts.
 * Each run does bounded work and continues where the previous one stopped.
 */
export function createSweepHandler(
  objects: S3ImageObjects,
  records: DynamoImageRecords,
  position: SweepPosition,
  limits = readLimits(process.env),
  metrics: Metrics = NO_METRICS,
  uploads?: Pick<S3MultipartUploads, 'abort'>,
  edge?: { readonly store: EdgeStore; readonly releases: EdgeReleaseSchedule; readonly edgeTtlSeconds: number },
  lookups?: Pick<ImageLookups, 'delete'>,
) {
  const run = async (context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SweepReport> => {
    const report = await sweep({
      objects,
      records,
      position,
      finalize: (key) => finalizeUpload({ objects, records, limits, log: logger, metrics }, key),
      abortMultipart: uploads && ((key, uploadId) => uploads.abort(key, uploadId)),
      lookups,
      log: logger,
      outOfTime: () => (context ? context.getRemainingTimeInMillis() < TIME_MARGIN_MS : false),
      ...(edge ? { edge: { ...edge, images: records } } : {}),
    });
    logger.info('sweep finished', { ...report });
    metrics.swept('expiredPending', report.expiredPending);
    metrics.swept('orphanObject', report.orphansDeleted);
    metrics.swept('expiredImage', report.expiredImages);
    return report;
  };
  // A failed sweep still writes what it settled late (finalize counts those as large uploads).
  return (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => run(context).finally(() => metrics.flush());
}

const dynamodb = dynamoDB('background');
const client = s3('background');
const { objects, records, limits, metrics } = publishing(dynamodb, client);

export const handler = createSweepHandler(
  objects,
  records,
  sweepPosition(dynamodb),
  limits,
  metrics,
  multipartUploads(client),
  { store: edgeStore(process.env, 'background'), releases: edgeReleases(dynamodb), edgeTtlSeconds: readEdgeSettings(process.env).edgeTtlSeconds },
  lookups(dynamodb),
);
