import type { S3Event } from 'aws-lambda';
import { type BuildExportDeps, type BuildOutcome, buildExport, type ExportRequest, parseExportRequestKey } from './core/exports';
import { logger } from './runtime/logger';
import { exportArchive } from './runtime/export-wiring';
import { dynamoDB, exportRecords, exportRequests, imageRecords, s3 } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

export interface BuildAccountExportDeps extends BuildExportDeps {
  readonly requests: { read(key: string): Promise<ExportRequest | undefined> };
}

/**
 * S3 ObjectCreated on `export-requests/` -> the export it asks for, built (core/exports.ts). A
 * failure is rethrown: Lambda retries the event twice, then it lands in the dead-letter queue.
 */
export function createBuildExportHandler(deps: BuildAccountExportDeps) {
  return async (event: S3Event): Promise<{ results: Record<string, BuildOutcome> }> => {
    const results: Record<string, BuildOutcome> = {};
    for (const { name, key } of s3ObjectEvents(event)) {
      const named = name.startsWith('ObjectCreated:') ? parseExportRequestKey(key) : undefined;
      const request = named && (await deps.requests.read(key));
      // Only a request whose body names the account and export of its key is ours.
      if (!named || !request || request.accountId !== named.accountId || request.id !== named.id) {
        results[key] = 'skipped';
        continue;
      }
      results[key] = await buildExport(deps, request);
      logger.info('export built', { exportId: request.id, accountId: request.accountId, outcome: results[key] });
    }
    return { results };
  };
}

const client = s3('background');
const dynamodb = dynamoDB('background');

export const handler = createBuildExportHandler({
  exports: exportRecords(dynamodb),
  records: imageRecords(dynamodb),
  archive: exportArchive(client),
  requests: exportRequests(client),
});
