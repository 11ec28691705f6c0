import type { Limits } from './config';
import { HttpError, InvalidImageError } from './errors';
import { imageIdFromKey } from './ids';
import { type ImageFormat, inspectImage } from './image-format';
import type { ImageRecord, Log } from './images';

/** How much of an object is read to sniff it: enough for any header we accept. */
export const HEAD_BYTES = 1024 * 1024;
/** How much of its end is read to check it is complete. */
export const TAIL_BYTES = 64 * 1024;

export interface FinalizeObjects {
  size(key: string): Promise<number | undefined>;
  range(key: string, start: number, end: number): Promise<Uint8Array>;
  delete(key: string): Promise<void>;
  /** Rewrites the object's Content-Type in place to the sniffed one. */
  setContentType(key: string, contentType: string): Promise<void>;
}

export interface FinalizeRecords {
  get(id: string): Promise<ImageRecord | undefined>;
  settle(
    id: string,
    outcome:
      | { state: 'ready'; format: ImageFormat; contentType: string; width: number; height: number; size: number }
      | { state: 'rejected'; reason: string },
  ): Promise<boolean>;
}

export interface FinalizeDeps {
  readonly objects: FinalizeObjects;
  readonly records: FinalizeRecords;
  readonly limits: Limits;
  readonly log: Log;
}

export type FinalizeOutcome = 'ready' | 'rejected' | 'skipped';

/**
 * Settles a large upload once its bytes are in the bucket: reads the head and the tail of the
 * object, applies the same allow-list and limits as a direct upload, and marks the image ready,
 * or deletes the object and marks it rejected with the reason. Safe to run twice for one object.
 */
export async function finalizeUpload(deps: FinalizeDeps, key: string): Promise<FinalizeOutcome> {
  const id = imageIdFromKey(key);
  if (!id) return 'skipped';
  const record = await deps.records.get(id);
  // No record (expired and swept) or not a pending upload of this key: the sweep owns orphans,
  // after a grace period, so finalize never deletes bytes it did not settle.
  if (!record || record.state !== 'pending' || record.objectKey !== key) return 'skipped';
  const size = await deps.objects.size(key);
  if (size === undefined) return 'skipped';

  const maxBytes = deps.limits.maxLargeImageBytes;
  try {
    const headEnd = Math.min(size, HEAD_BYTES) - 1;
    const head = size === 0 ? new Uint8Array() : await deps.objects.range(key, 0, headEnd);
    const tail =
      size <= HEAD_BYTES ? head : await deps.objects.range(key, Math.max(0, size - TAIL_BYTES), size - 1);
    const info = inspectImage({ head, tail, size }, deps.limits, maxBytes);
    await deps.objects.setContentType(key, info.contentType);
    await deps.records.settle(id, { state: 'ready', ...info, size });
    return 'ready';
  } catch (error) {
    if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
    const reason = error instanceof InvalidImageError ? `Invalid image format: ${error.reason}` : error.message;
    await deps.objects.delete(key);
    await deps.records.settle(id, { state: 'rejected', reason });
    deps.log.warn('large upload rejected', { imageId: id, reason });
    return 'rejected';
  }
}
