import type { S3Client } from '@aws-sdk/client-s3';
import { S3ExportArchive } from '../adapters/s3-export-archive';
import { requireString } from '../core/config';

/**
 * The export builder's own wiring: its zip writer brings yazl and lib-storage, which no other
 * bundle may carry (they cannot be tree-shaken), so it is not in functions/runtime/wiring.ts,
 * which every handler imports. Resource names are read here, at the builder's cold start.
 */
export function exportArchive(client: S3Client, env: Readonly<Record<string, string | undefined>> = process.env): S3ExportArchive {
  return new S3ExportArchive(client, requireString(env, 'BUCKET_NAME'));
}
