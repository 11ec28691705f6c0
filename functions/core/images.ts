import type { ImageFormat } from './formats/registry';
import { newImageId, objectKeyFor } from './ids';
import type { PublishableImage } from './published-image';

export type ImageState = 'pending' | 'ready' | 'rejected';

/** What we store about an image. Attribute names are the adapter's business. */
export interface ImageRecord {
  readonly id: string;
  readonly accountId: string;
  readonly objectKey: string;
  readonly state: ImageState;
  readonly createdAt: string;
  readonly format?: ImageFormat;
  readonly contentType?: string;
  readonly width?: number;
  readonly height?: number;
  readonly size?: number;
  /** Hex SHA-256 of the stored bytes. */
  readonly sha256?: string;
  readonly reason?: string;
  /** For pending large uploads: unix seconds after which an upload that never arrived is swept. */
  readonly expiresAt?: number;
}

/** The image as the API shows it (SPEC §4). */
export interface ApiImage {
  readonly id: string;
  readonly url: string;
  readonly state: ImageState;
  readonly width?: number;
  readonly height?: number;
  readonly format?: ImageFormat;
  readonly content_type?: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly created_at: string;
  readonly reason?: string;
}

/** Port: the bytes of images. */
export interface ImageObjects {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Port: image records. */
export interface ImageRecords {
  /** Creates the record; fails if the id exists. */
  create(record: ImageRecord): Promise<void>;
  get(id: string): Promise<ImageRecord | undefined>;
}

/** Something that logs: kept minimal so the domain does not depend on a logging library. */
export interface Log {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export function publicUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/image/${id}`;
}

export function toApiImage(record: ImageRecord, baseUrl: string): ApiImage {
  const image: Record<string, unknown> = {
    id: record.id,
    url: publicUrl(baseUrl, record.id),
    state: record.state,
  };
  if (record.width !== undefined) image.width = record.width;
  if (record.height !== undefined) image.height = record.height;
  if (record.format !== undefined) image.format = record.format;
  if (record.contentType !== undefined) image.content_type = record.contentType;
  if (record.size !== undefined) image.size = record.size;
  if (record.sha256 !== undefined) image.sha256 = record.sha256;
  image.created_at = record.createdAt;
  if (record.reason !== undefined) image.reason = record.reason;
  return image as unknown as ApiImage;
}

/**
 * Publishes a checked image (see `prepareForPublishing`): the object first, then its record. If
 * the record cannot be written the object is deleted again, so no object is left without a
 * record; if that delete fails too, the orphan is logged and the sweep removes it later.
 */
export async function storeImage(
  deps: { objects: ImageObjects; records: ImageRecords; log: Log; now?: () => Date },
  accountId: string,
  image: PublishableImage,
): Promise<ImageRecord> {
  const id = newImageId();
  const objectKey = objectKeyFor(id);
  const record: ImageRecord = {
    id,
    accountId,
    objectKey,
    state: 'ready',
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    format: image.format,
    contentType: image.contentType,
    width: image.width,
    height: image.height,
    size: image.size,
    sha256: image.sha256,
  };
  await deps.objects.put(objectKey, image.bytes, image.contentType);
  try {
    await deps.records.create(record);
  } catch (error) {
    try {
      await deps.objects.delete(objectKey);
    } catch (cleanupError) {
      deps.log.error('orphan object left for the sweep', { objectKey, error: cleanupError });
    }
    throw error;
  }
  return record;
}
