import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { DynamoSweepPosition } from './adapters/dynamo-sweep-position';
import { EmfMetrics } from './adapters/emf-metrics';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { readLimits, requireString } from './core/config';
import { finalizeUpload } from './core/finalize';
import { logger } from './core/logger';
import { type Metrics, NO_METRICS } from './core/metrics';
import { type SweepPosition, type SweepReport, sweep } from './core/sweep';

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
) {
  const run = async (context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SweepReport> => {
    const report = await sweep({
      objects,
      records,
      position,
      finalize: (key) => finalizeUpload({ objects, records, limits, log: logger, metrics }, key),
      log: logger,
      outOfTime: () => (context ? context.getRemainingTimeInMillis() < TIME_MARGIN_MS : false),
    });
    logger.info('sweep finished', { ...report });
    metrics.swept('expiredPending', report.expiredPending);
    metrics.swept('orphanObject', report.orphansDeleted);
    return report;
  };
  // A failed sweep still writes what it settled late (finalize counts those as large uploads).
  return (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => run(context).finally(() => metrics.flush());
}

const dynamodb = new DynamoDBClient(BACKGROUND_CLIENT_OPTIONS);

export const handler = createSweepHandler(
  new S3ImageObjects(new S3Client(BACKGROUND_CLIENT_OPTIONS), requireString(process.env, 'BUCKET_NAME')),
  // Settling a late upload to ready adds it to its account's totals, as finalize does.
  new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE'), new DynamoAccountTotals(dynamodb, requireString(process.env, 'COUNTERS_TABLE'))),
  new DynamoSweepPosition(dynamodb, requireString(process.env, 'COUNTERS_TABLE')),
  readLimits(process.env),
  new EmfMetrics(),
);
