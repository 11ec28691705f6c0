import { createHash } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { requireString } from './core/config';
import { DIRECT_PREFIX, imageIdFromKey } from './core/ids';
import { logger } from './core/logger';

// NOTE (cdn branch): written with the CDK wiring so the stack synthesizes and bundles; the
// delivery runtime owner may replace it. Contract: lib/imager-stack.ts (PurgeImage).

/** Where transform outputs of an image live (SPEC §12): `variants/<id>/<canonical params>`. */
const variantsPrefixOf = (imageId: string): string => `variants/${imageId}/`;

/**
 * The CDN paths of an image: the public URL with any query string (`/image/<id>*`, one path
 * for CloudFront's pricing), and the origin key the viewer-request function rewrites it to.
 */
export function invalidationPaths(imageId: string): string[] {
  return [`/image/${imageId}*`, `/${DIRECT_PREFIX}${imageId}*`];
}

export interface PurgeDeps {
  /** Creates one invalidation; the same `callerReference` again is a no-op on CloudFront's side. */
  readonly invalidate: (paths: readonly string[], callerReference: string) => Promise<void>;
  /** Deletes every object under `variants/<id>/`; answers how many. */
  readonly deleteVariants: (imageId: string) => Promise<number>;
}

/**
 * S3 ObjectRemoved under images/ -> delete the image's variants and invalidate its CDN paths.
 * Any failure is thrown: Lambda retries the event (both steps are idempotent), then sends it
 * to the dead-letter queue.
 */
export function createPurgeHandler(deps: PurgeDeps) {
  return async (event: S3Event): Promise<{ purged: string[] }> => {
    const ids = new Set<string>();
    const references: string[] = [];
    for (const record of event.Records ?? []) {
      if (!record.eventName?.startsWith('ObjectRemoved:')) continue;
      const key = decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' '));
      const id = key.startsWith(DIRECT_PREFIX) ? imageIdFromKey(key) : undefined;
      if (id === undefined) continue;
      ids.add(id);
      references.push(`${key}@${record.s3.object.sequencer ?? record.eventTime}`);
    }
    if (ids.size === 0) return { purged: [] };
    for (const id of ids) {
      const deleted = await deps.deleteVariants(id);
      if (deleted > 0) logger.info('variants deleted', { imageId: id, deleted });
    }
    const paths = [...ids].flatMap(invalidationPaths);
    const callerReference = createHash('sha256').update(references.sort().join('\n')).digest('hex');
    await deps.invalidate(paths, callerReference);
    logger.info('invalidated', { paths });
    return { purged: [...ids] };
  };
}

const s3 = new S3Client(BACKGROUND_CLIENT_OPTIONS);
const cloudfront = new CloudFrontClient(BACKGROUND_CLIENT_OPTIONS);
const bucketName = requireString(process.env, 'BUCKET_NAME');
const distributionId = requireString(process.env, 'DISTRIBUTION_ID');

export const handler = createPurgeHandler({
  async invalidate(paths, callerReference) {
    await cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
      }),
    );
  },
  async deleteVariants(imageId) {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: variantsPrefixOf(imageId), ContinuationToken: token }));
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) {
        const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucketName, Delete: { Objects: keys, Quiet: true } }));
        if (result.Errors?.length) throw new Error(`could not delete ${result.Errors.length} variant objects of ${imageId}`);
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  },
});
