import { type EdgeStore, imageEntryValue } from './edge-entries';
import { ImageNotFoundError } from './errors';
import type { ImageFormat } from './formats/registry';
import { isImageId, newImageId, objectKeyFor } from './ids';
import type { UserMetadata } from './user-metadata';

export type ImageState = 'pending' | 'ready' | 'rejected';

/** Who may view an image's URL (docs/edge.md): anyone, or only with a signature of its account. */
export type Visibility = 'public' | 'private';

/** How an image is shown at the edge: chosen at upload and changed by `PATCH /api/images/{id}` (core/image-options.ts). */
export interface ImageAccess {
  /** Absent: public. */
  readonly visibility?: Visibility;
  /** Unix seconds after which the URL answers 404 and the sweep removes the image. */
  readonly imageExpiresAt?: number;
}

/**
 * What checked bytes are, as a record keeps them and the API shows them: the one declaration of
 * these six fields (a published image, a settled record and a migrated one all carry them).
 */
export interface ImageDescription {
  readonly format: ImageFormat;
  readonly contentType: string;
  /** As displayed: EXIF orientation applied. */
  readonly width: number;
  readonly height: number;
  /** Bytes as stored and served. */
  readonly size: number;
  /** Hex SHA-256 of the stored bytes. */
  readonly sha256: string;
}

/** The six described fields of anything that carries them (and nothing else of it). */
export function describe(image: ImageDescription): ImageDescription {
  const { format, contentType, width, height, size, sha256 } = image;
  return { format, contentType, width, height, size, sha256 };
}

/** What we store about an image. Attribute names are the adapter's business. */
export interface ImageRecord extends Partial<ImageDescription>, ImageAccess {
  readonly id: string;
  readonly accountId: string;
  readonly objectKey: string;
  readonly state: ImageState;
  readonly createdAt: string;
  readonly reason?: string;
  /** For pending large uploads: unix seconds after which an upload that never arrived is swept. */
  readonly expiresAt?: number;
  /** The account's own pairs (docs/apps.md). */
  readonly metadata?: UserMetadata;
  /** What the analysis found once the image was published (docs/apps.md); absent until then. */
  readonly thumbhash?: string;
  readonly dominantColor?: string;
  /** 64-bit perceptual hash, 16 hex digits. */
  readonly phash?: string;
  /** An image of the account that held the same bytes when this one was stored. */
  readonly duplicateOf?: string;
  /** For pending multipart uploads: the S3 upload and how its parts are cut (core/multipart-upload.ts). */
  readonly multipart?: MultipartState;
  /** Hex SHA-256 of the image's delete-link token (core/delete-links.ts); the token itself is never stored. */
  readonly deleteTokenHash?: string;
}

/** What a pending record remembers of its multipart upload. */
export interface MultipartState {
  /** S3's id of the multipart upload (never shown to the client: the image id names the upload). */
  readonly uploadId: string;
  /** The declared size: the parts add up to exactly this many bytes. */
  readonly size: number;
  readonly partSize: number;
}

/** The image as the API shows it (docs/api.md). */
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
  readonly metadata: UserMetadata;
  readonly thumbhash: string | null;
  readonly dominant_color: string | null;
  readonly duplicate_of?: string;
  readonly visibility: Visibility;
  readonly expires_at?: string;
}

/** Port: the bytes of images. */
export interface ImageObjects {
  /** `sha256`: the bytes' SHA-256 (hex), when the caller has it; storage may check the bytes against it. */
  put(key: string, bytes: Uint8Array, contentType: string, sha256?: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Port: image records. */
export interface ImageRecords {
  /** Creates the record; fails if the id exists. */
  create(record: ImageRecord): Promise<void>;
  get(id: string): Promise<ImageRecord | undefined>;
}

/** A page of an account's images, newest first. `after` is the sort key to continue from. */
export interface RecordPage {
  readonly records: ImageRecord[];
  readonly after: string | undefined;
}

/** Something that logs: kept minimal so the domain does not depend on a logging library. */
export interface Log {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/**
 * The caller's own image `id` (any value from a path), or a 404: an id of another account is
 * answered exactly like one that does not exist, so ids are not revealed.
 */
export async function ownImage(records: Pick<ImageRecords, 'get'>, accountId: string, id: unknown): Promise<ImageRecord> {
  if (!isImageId(id)) throw new ImageNotFoundError();
  const record = await records.get(id);
  if (!record || record.accountId !== accountId) throw new ImageNotFoundError();
  return record;
}

/**
 * Deletes an image the caller owns (see `ownImage`). The published object goes first: the public
 * URL is served straight from the bucket (through the CDN), so the bytes must be gone before the
 * record. If either step fails the caller retries; a retry finds the record (the object delete is
 * idempotent) and finishes. A record another request deleted meanwhile is a 404.
 */
export async function deleteImage(
  deps: { readonly objects: Pick<ImageObjects, 'delete'>; readonly records: { delete(id: string, accountId: string): Promise<boolean> } },
  record: ImageRecord,
): Promise<void> {
  await deps.objects.delete(record.objectKey);
  if (!(await deps.records.delete(record.id, record.accountId))) throw new ImageNotFoundError();
}

export function publicUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/image/${id}`;
}

/** Signs the public URL of a private image (core/private-urls.ts); without one a private image's `url` is left unsigned. */
export type UrlSigner = (url: string) => string;

export function toApiImage(record: ImageRecord, baseUrl: string, sign?: UrlSigner): ApiImage {
  const url = publicUrl(baseUrl, record.id);
  const image: Record<string, unknown> = {
    id: record.id,
    url: record.visibility === 'private' && sign ? sign(url) : url,
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
  image.metadata = record.metadata ?? {};
  image.thumbhash = record.thumbhash ?? null;
  image.dominant_color = record.dominantColor ?? null;
  if (record.duplicateOf !== undefined) image.duplicate_of = record.duplicateOf;
  image.visibility = record.visibility ?? 'public';
  if (record.imageExpiresAt !== undefined) image.expires_at = new Date(record.imageExpiresAt * 1000).toISOString();
  return image as unknown as ApiImage;
}

/**
 * Publishes a checked image (see `prepareForPublishing`): the object first, then its record. If
 * the record cannot be written the object is deleted again, so no object is left without a
 * record; if that delete fails too, the orphan is logged and the sweep removes it later.
 */
export async function storeImage(
  deps: { objects: ImageObjects; records: ImageRecords; log: Log; now?: () => Date; edge?: EdgeStore },
  accountId: string,
  image: ImageDescription & { readonly bytes: Uint8Array },
  /**
   * How the image is shown (its visibility and expiry), what the record holds besides the
   * description (the account's metadata, the duplicate it repeats, its delete-link token's
   * hash), and what must be done before it is written: its lookups (core/image-lookups.ts), and
   * the duplicate it repeats when that is looked up while the bytes are stored.
   */
  extra: ImageAccess &
    Pick<ImageRecord, 'metadata' | 'duplicateOf' | 'deleteTokenHash'> & { readonly beforeRecord?: (record: ImageRecord) => Promise<Pick<ImageRecord, 'duplicateOf'> | void> } = {},
): Promise<ImageRecord> {
  const id = newImageId();
  const objectKey = objectKeyFor(id);
  let record: ImageRecord = {
    id,
    accountId,
    objectKey,
    state: 'ready',
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    ...describe(image),
    ...(extra.metadata ? { metadata: extra.metadata } : {}),
    ...(extra.duplicateOf ? { duplicateOf: extra.duplicateOf } : {}),
    ...(extra.visibility === 'private' ? { visibility: 'private' as const } : {}),
    ...(extra.imageExpiresAt === undefined ? {} : { imageExpiresAt: extra.imageExpiresAt }),
    ...(extra.deleteTokenHash ? { deleteTokenHash: extra.deleteTokenHash } : {}),
  };
  // A private or expiring image is known to the edge before its bytes can be fetched at all.
  const entry = imageEntryValue({ accountId, visibility: extra.visibility ?? 'public', expiresAt: extra.imageExpiresAt });
  if (entry !== undefined) {
    if (!deps.edge) throw new Error('a private or expiring image needs the edge store');
    await deps.edge.update({ puts: [{ key: id, value: entry }] });
  }
  await deps.objects.put(objectKey, image.bytes, image.contentType, image.sha256);
  try {
    const more = await extra.beforeRecord?.(record);
    if (more?.duplicateOf) record = { ...record, duplicateOf: more.duplicateOf };
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
