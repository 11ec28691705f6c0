import { createHash } from 'node:crypto';
import { PUBLISHED_PREFIX, VARIANT_PREFIX } from './ids';
import type { Log } from './images';

/** Port: the CDN's cache (CloudFront invalidations on AWS; locally nothing caches, so none). */
export interface CdnCache {
  /** Drops cached copies of `paths`; `reference` makes a retried call the same invalidation. */
  invalidate(paths: readonly string[], reference: string): Promise<void>;
}

/** Port: removal of everything stored under a prefix. */
export interface PrefixRemover {
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}

export interface PurgeDeps {
  readonly objects: PrefixRemover;
  readonly cdn: CdnCache | undefined;
  readonly log: Pick<Log, 'warn'>;
}

/**
 * The CDN paths an image is cached under: the public URL and the keys the viewer-request
 * function rewrites it to, `/images/<id>` for the original and `/variants/<id>/<canonical>` for
 * transforms (CloudFront caches under the rewritten URI; AWS's guidance for a function that
 * changes the URI is to invalidate both). The wildcards also match every variant's query
 * string and canonical name; ids are all 22 characters long, so they never reach another image.
 */
export function cdnPathsFor(imageId: string): string[] {
  return [`/image/${imageId}*`, `/${PUBLISHED_PREFIX}${imageId}*`, `/${VARIANT_PREFIX}${imageId}/*`];
}

/**
 * The invalidation reference of one batch of removals (each an image id and the S3 sequencer of
 * its removal): the same batch, retried, gives the same reference, so CloudFront makes it once.
 */
export function invalidationReference(removals: readonly { readonly imageId: string; readonly sequencer: string }[]): string {
  const names = removals.map(({ imageId, sequencer }) => `${imageId}-${sequencer}`);
  return createHash('sha256').update(names.sort().join('\n')).digest('hex');
}

/**
 * After an image's published object is gone (delete, or the sweep removing an orphan): removes
 * its variants and its cached copies. Runs from the bucket's ObjectRemoved event, so a failure
 * here never fails the delete the client asked for: the event is retried, then kept in a
 * dead-letter queue.
 */
export async function purgeImages(deps: PurgeDeps, imageIds: readonly string[], reference: string): Promise<{ variantsDeleted: number }> {
  let variantsDeleted = 0;
  for (const id of imageIds) variantsDeleted += await deps.objects.deletePrefix(`${VARIANT_PREFIX}${id}/`);
  if (deps.cdn && imageIds.length > 0) await deps.cdn.invalidate(imageIds.flatMap(cdnPathsFor), reference);
  return { variantsDeleted };
}
