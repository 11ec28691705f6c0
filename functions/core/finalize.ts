import type { Limits } from './config';
import { HttpError, InvalidImageError, PayloadTooLargeError } from './errors';
import { objectKeyFor, uploadIdFromKey } from './ids';
import { formatLimit } from './formats/inspect';
import { describe, type ImageDescription, type ImageRecord, type Log } from './images';
import { type Metrics, rejectionReason } from './metrics';
import { type PublishableImage, prepareForPublishing } from './published-image';

/** What reading an object gave: its bytes, or only its size when it is over the limit. */
export type ReadResult = { readonly bytes: Uint8Array } | { readonly tooLarge: number };

export interface FinalizeObjects {
  /** The whole object as one version, or undefined when it does not exist. */
  read(key: string, maxBytes: number): Promise<ReadResult | undefined>;
  /** Writes the object only if the key is free (S3 `If-None-Match: *`); false when it existed. */
  putIfAbsent(key: string, bytes: Uint8Array, contentType: string, sha256?: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export type SettleOutcome =
  | (ImageDescription & { readonly state: 'ready'; readonly objectKey: string })
  | { readonly state: 'rejected'; readonly reason: string };

export interface FinalizeRecords {
  get(id: string): Promise<ImageRecord | undefined>;
  /** Moves a pending record to its outcome; false when it was no longer pending. */
  settle(id: string, outcome: SettleOutcome): Promise<boolean>;
}

export interface FinalizeDeps {
  readonly objects: FinalizeObjects;
  readonly records: FinalizeRecords;
  readonly limits: Limits;
  readonly log: Log;
  /** Told once per image this call published (metrics). */
  readonly onPublished?: (image: PublishableImage) => void;
  /** Counts what this call settles: accepted (with bytes and metadata removed) or refused (with the reason). */
  readonly metrics?: Pick<Metrics, 'uploadAccepted' | 'uploadRejected' | 'metadataRemoved'>;
}

/**
 * ready: published and settled. rejected: refused and settled. discarded: bytes sent to an upload
 * URL after its image was settled, deleted unread. skipped: nothing to do (no record, no object,
 * not ours).
 */
export type FinalizeOutcome = 'ready' | 'rejected' | 'discarded' | 'skipped';

/**
 * Settles a large upload once its bytes are in `uploads/<id>`: reads the object once, whole (one
 * version: a later PUT to the same presigned URL cannot change what was checked), applies every
 * check of a direct upload, removes metadata, publishes exactly those bytes under `images/<id>`
 * with a conditional write, settles the record to describe them, and deletes the upload.
 *
 * Safe to run twice, concurrently, or after a crash at any step: the published object is written
 * only if absent, so the first checked version to arrive is the one published, and any later run
 * settles the record from that object, never from the upload.
 */
export async function finalizeUpload(deps: FinalizeDeps, key: string): Promise<FinalizeOutcome> {
  const id = uploadIdFromKey(key);
  if (!id) return 'skipped';
  const record = await deps.records.get(id);
  // No record (expired and swept): the sweep owns the bytes, after its grace period.
  if (!record) return 'skipped';
  if (record.state !== 'pending') {
    // The image was settled: whatever arrived now was never checked and is never served.
    await deps.objects.delete(key);
    return 'discarded';
  }
  const maxBytes = deps.limits.maxLargeImageBytes;
  const publishedKey = objectKeyFor(id);

  const earlier = await deps.objects.read(publishedKey, maxBytes);
  let image: PublishableImage;
  if (earlier) {
    if (!('bytes' in earlier)) throw new Error(`published object ${publishedKey} is over the limit`);
    image = prepareForPublishing(earlier.bytes, deps.limits, { maxBytes });
  } else {
    const upload = await deps.objects.read(key, maxBytes);
    if (!upload) return 'skipped';
    try {
      if ('tooLarge' in upload) {
        throw new PayloadTooLargeError(`Image exceeds the ${formatLimit(maxBytes)} limit (${maxBytes} bytes)`);
      }
      image = prepareForPublishing(upload.bytes, deps.limits, { maxBytes });
    } catch (error) {
      if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
      const reason = error instanceof InvalidImageError ? `Invalid image format: ${error.reason}` : error.message;
      await deps.objects.delete(key);
      // Counted only when this call settled it: a duplicate event that lost the race counts nothing.
      if (await deps.records.settle(id, { state: 'rejected', reason })) deps.metrics?.uploadRejected('large', rejectionReason(error) ?? 'format');
      deps.log.warn('large upload rejected', { imageId: id, reason });
      return 'rejected';
    }
    if (await deps.objects.putIfAbsent(publishedKey, image.bytes, image.contentType, image.sha256)) {
      deps.onPublished?.(image);
      deps.metrics?.metadataRemoved(image.metadataBytesRemoved);
    } else {
      // Another run published first: its bytes are the image, whatever this run read.
      const winner = await deps.objects.read(publishedKey, maxBytes);
      if (!winner || !('bytes' in winner)) throw new Error(`published object ${publishedKey} vanished during finalize`);
      image = prepareForPublishing(winner.bytes, deps.limits, { maxBytes });
    }
  }

  const settled = await deps.records.settle(id, { state: 'ready', objectKey: publishedKey, ...describe(image) });
  if (settled) deps.metrics?.uploadAccepted('large', image.size);
  await deps.objects.delete(key);
  return 'ready';
}
