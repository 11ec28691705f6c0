import type { S3Event } from 'aws-lambda';
import { SharpPixels } from './adapters/sharp-pixels';
import { type AnalyzeDeps, type AnalyzeOutcome, analyzeImage } from './core/analysis';
import { readLimits, readTransformSettings } from './core/config';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecords, lookups, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/**
 * S3 ObjectCreated on `images/` -> the image's ThumbHash, dominant colour and perceptual hash
 * on its record (docs/apps.md). Its own function so that sharp stays out of the upload's: the
 * upload answers before this runs. A failure is rethrown: Lambda retries the event twice, then
 * it lands in the dead-letter queue.
 */
export function createAnalyzeHandler(deps: AnalyzeDeps) {
  return async (event: S3Event): Promise<{ results: Record<string, AnalyzeOutcome> }> => {
    const results: Record<string, AnalyzeOutcome> = {};
    for (const { name, key } of s3ObjectEvents(event)) {
      if (!name.startsWith('ObjectCreated:')) continue;
      results[key] = await analyzeImage(deps, key);
      logger.info('analyzed', { objectKey: key, outcome: results[key] });
    }
    return { results };
  };
}

const dynamodb = dynamoDB('background');

// sharp is imported here and in the transform function only (functions/runtime/wiring.ts says why).
export const handler = createAnalyzeHandler({
  objects: imageObjects(s3('background')),
  records: imageRecords(dynamodb),
  lookups: lookups(dynamodb),
  pixels: new SharpPixels(readTransformSettings(process.env)),
  maxBytes: readLimits(process.env).maxLargeImageBytes,
  log: logger,
});
