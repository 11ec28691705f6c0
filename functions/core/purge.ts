import { type EdgeStore, GONE } from './edge-entries';
import { type EdgeReleaseSchedule, releaseHour } from './edge-releases';
import { VARIANT_PREFIX } from './ids';
import type { Log } from './images';

/** Port: removal of everything stored under a prefix. */
export interface PrefixRemover {
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}

export interface PurgeDeps {
  readonly objects: PrefixRemover;
  /** The deny-list: a removed image's id enters the edge's store as gone (docs/edge.md). */
  readonly edge: EdgeStore;
  /** When each entry may leave the store again. */
  readonly releases: Pick<EdgeReleaseSchedule, 'add'>;
  /** IMAGER_EDGE_TTL_SECONDS: how long CloudFront may still hold a copy. */
  readonly edgeTtlSeconds: number;
  readonly log: Pick<Log, 'warn'>;
  readonly now?: () => number;
}

/**
 * After an image's published object is gone (delete, expiry, or the sweep removing an orphan):
 * its id enters the edge's deny-list, so its URL answers 404 at every edge within seconds
 * whatever CloudFront still has cached, and its variants are deleted. No CloudFront invalidation
 * is made: the entry is checked before the cache, and it leaves the store once the longest a
 * cached copy can live (the edge TTL) has passed. Runs from the bucket's ObjectRemoved event, so
 * a failure here never fails the delete the client asked for: the event is retried, then kept
 * in a dead-letter queue.
 */
export async function purgeImages(deps: PurgeDeps, imageIds: readonly string[]): Promise<{ variantsDeleted: number }> {
  if (imageIds.length === 0) return { variantsDeleted: 0 };
  const nowMs = deps.now?.() ?? Date.now();
  await deps.edge.update({ puts: imageIds.map((id) => ({ key: id, value: GONE })) });
  await deps.releases.add(releaseHour(nowMs, deps.edgeTtlSeconds), imageIds);
  let variantsDeleted = 0;
  for (const id of imageIds) variantsDeleted += await deps.objects.deletePrefix(`${VARIANT_PREFIX}${id}/`);
  return { variantsDeleted };
}
