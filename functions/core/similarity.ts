import { bandPartition, type ImageLookups, PHASH_BANDS } from './image-lookups';
import type { ImageRecord } from './images';

/**
 * Near-identical images of an account (docs/apps.md): the same picture re-encoded, resized,
 * converted or lightly edited. Each image's 64-bit perceptual hash (core/analysis.ts) is cut
 * into 8 bands of 8 bits, each band a lookup; two hashes at most 7 bits apart share at least one
 * whole band (8 bands, at most 7 differing bits: one band is untouched), so reading the 8 bands
 * of an image finds every image within the threshold without reading the others.
 */

/** Largest Hamming distance (of 64 bits) between the hashes of images listed as similar. */
export const SIMILAR_MAX_DISTANCE = 7;
/** Entries read from one band at most: 8 queries of at most this many small items bound a request. */
export const BAND_READ_LIMIT = 200;
/** Most similar images answered (the nearest first). */
export const MAX_SIMILAR = 50;

/** Bits that differ between two hashes of 16 hex digits. */
export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let bits = 0;
  while (x > 0n) {
    bits += Number(x & 1n);
    x >>= 1n;
  }
  return bits;
}

export interface SimilarImage {
  readonly record: ImageRecord;
  readonly distance: number;
}

export interface SimilarDeps {
  readonly lookups: Pick<ImageLookups, 'page'>;
  readonly records: { getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>> };
}

/**
 * The account's other ready images within {@link SIMILAR_MAX_DISTANCE} of `record`'s hash, the
 * nearest first (then by id), at most {@link MAX_SIMILAR}; undefined while `record` has no hash
 * yet (its analysis has not run). Reads: 8 band queries of at most {@link BAND_READ_LIMIT}
 * entries, then one batch of the matches' records. A band holding more entries than that (many
 * images alike in those 8 bits) is read only that far.
 */
export async function findSimilar(deps: SimilarDeps, record: ImageRecord): Promise<SimilarImage[] | undefined> {
  const { phash } = record;
  if (phash === undefined) return undefined;
  const pages = await Promise.all(
    Array.from({ length: PHASH_BANDS }, (_, band) =>
      deps.lookups.page(bandPartition(record.accountId, band, phash.slice(band * 2, band * 2 + 2)), BAND_READ_LIMIT),
    ),
  );
  const distances = new Map<string, number>();
  for (const entry of pages.flatMap((page) => page.entries)) {
    if (entry.imageId === record.id || entry.phash === undefined || distances.has(entry.imageId)) continue;
    const distance = hammingDistance(phash, entry.phash);
    if (distance <= SIMILAR_MAX_DISTANCE) distances.set(entry.imageId, distance);
  }
  const nearest = [...distances].sort(([a, da], [b, db]) => da - db || (a < b ? -1 : 1)).slice(0, MAX_SIMILAR);
  if (nearest.length === 0) return [];
  const found = await deps.records.getMany(nearest.map(([id]) => id));
  // A lookup outlives its record only briefly (removed after it): skip what is gone or changed.
  return nearest.flatMap(([id, distance]) => {
    const match = found.get(id);
    return match && match.accountId === record.accountId && match.state === 'ready' && match.phash !== undefined ? [{ record: match, distance }] : [];
  });
}
