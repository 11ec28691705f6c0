import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { readLimits, requireString } from './core/config';
import { finalizeUpload } from './core/finalize';
import { logger } from './core/logger';
import { type SweepReport, sweep } from './core/sweep';

/** Scheduled (hourly on AWS; `npm run sweep` locally): see core/sweep.ts. */
export function createSweepHandler(objects: S3ImageObjects, records: DynamoImageRecords, limits = readLimits(process.env)) {
  return async (): Promise<SweepReport> => {
    const report = await sweep({
      objects,
      records,
      finalize: (key) => finalizeUpload({ objects, records, limits, log: logger }, key),
      log: logger,
    });
    logger.info('sweep finished', { ...report });
    return report;
  };
}

const dynamodb = new DynamoDBClient(BACKGROUND_CLIENT_OPTIONS);

export const handler = createSweepHandler(
  new S3ImageObjects(new S3Client(BACKGROUND_CLIENT_OPTIONS), requireString(process.env, 'BUCKET_NAME')),
  // Settling a late upload to ready adds it to its account's totals, as finalize does.
  new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE'), new DynamoAccountTotals(dynamodb, requireString(process.env, 'COUNTERS_TABLE'))),
);
