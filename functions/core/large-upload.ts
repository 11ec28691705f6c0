import { BadRequestError, PayloadTooLargeError } from './errors';
import { LARGE_UPLOAD_PREFIX, newImageId, objectKeyFor } from './ids';
import { formatLimit } from './formats/inspect';
import { CONTENT_TYPES } from './formats/registry';
import { type EdgeStore, imageEntryValue } from './edge-entries';
import { type ImageLookups, metadataLookups, putLookups } from './image-lookups';
import type { ImageAccess, ImageRecord, ImageRecords } from './images';
import { parseMetadata, type UserMetadata } from './user-metadata';

/**
 * Large uploads: the client sends its bytes straight to the bucket with a presigned request,
 * and the finalize function checks and publishes them (core/finalize.ts). Starting one writes
 * the pending record first, so the bytes, when they arrive, always have a record to settle.
 */

/** Extra time a pending record waits after its link expires before the sweep removes it. */
export const PENDING_GRACE_SECONDS = 15 * 60;

/** The optional JSON body of `POST /api/images/uploads`. */
export interface UploadRequest {
  readonly size?: number;
  readonly contentType?: string;
  /** The account's own pairs, kept on the image from the start (docs/apps.md). */
  readonly metadata?: UserMetadata;
}

/** What a body of `POST /api/images/uploads` that is not a JSON object is told. */
export const UPLOAD_REQUEST_BODY = {
  notJson: 'The body must be JSON: {"size": <bytes>, "content_type": "image/..."}',
  notObject: 'The body must be a JSON object',
} as const;

const ALLOWED_CONTENT_TYPES = new Set(Object.values(CONTENT_TYPES));

/** Validates the fields `{"size": <bytes>, "content_type": "image/jpeg", "metadata": {...}}`, each optional. */
export function parseUploadRequest(request: Readonly<Record<string, unknown>>, maxBytes: number): UploadRequest {
  const { size, content_type: contentType } = request;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)) {
    throw new BadRequestError('size must be a positive integer number of bytes');
  }
  if (typeof size === 'number' && size > maxBytes) {
    throw new PayloadTooLargeError(`Image exceeds the ${formatLimit(maxBytes)} limit (${maxBytes} bytes)`);
  }
  if (contentType !== undefined && (typeof contentType !== 'string' || !ALLOWED_CONTENT_TYPES.has(contentType))) {
    throw new BadRequestError(`content_type must be one of ${[...ALLOWED_CONTENT_TYPES].join(', ')}`);
  }
  const metadata = parseMetadata(request.metadata);
  return { size: size as number | undefined, contentType: contentType as string | undefined, ...(metadata ? { metadata } : {}) };
}

/** A presigned request that writes one object. */
export interface UploadLink {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  /** Headers to send with a PUT. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Form fields to send, before the file, with a POST. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Port: presigned uploads into the client-writable prefix (S3 in functions/adapters/s3-upload-links.ts). */
export interface UploadLinks {
  uploadLink(key: string, options: { size?: number; maxBytes: number; expiresIn: number }): Promise<UploadLink>;
}

/** The `upload` member of the response: how to send the bytes, until when, and how many at most. */
export interface ApiUpload {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fields?: Readonly<Record<string, string>>;
  readonly expires_at: string;
  readonly max_size: number;
}

export interface LargeUploadDeps {
  readonly records: Pick<ImageRecords, 'create'>;
  readonly links: UploadLinks;
  /** The metadata's lookups, written before the record (core/image-lookups.ts). */
  readonly lookups?: Pick<ImageLookups, 'put'>;
  /** Where a private or expiring upload is entered before its record exists (docs/edge.md). */
  readonly edge?: EdgeStore;
}

export interface LargeUploadOptions {
  /** The large-upload size limit. */
  readonly maxBytes: number;
  /** Lifetime of the presigned request, in seconds. */
  readonly expiresIn: number;
  readonly now: Date;
  /** Visibility and expiry the image gets (docs/edge.md). */
  readonly access?: ImageAccess;
  /** The hash of the image's delete-link token (core/delete-links.ts), kept on its record. */
  readonly deleteTokenHash?: string;
}

/**
 * Starts a large upload for the account: the pending record (swept when no bytes arrive before
 * the link expires, plus {@link PENDING_GRACE_SECONDS}), then the presigned request for
 * `uploads/<id>`. The declared content type is advisory: finalize sniffs the bytes.
 */
export async function startLargeUpload(
  deps: LargeUploadDeps,
  accountId: string,
  request: UploadRequest,
  options: LargeUploadOptions,
): Promise<{ readonly record: ImageRecord; readonly upload: ApiUpload }> {
  const { maxBytes, expiresIn, now } = options;
  const id = newImageId();
  const objectKey = objectKeyFor(id, LARGE_UPLOAD_PREFIX);
  const record: ImageRecord = {
    id,
    accountId,
    objectKey,
    state: 'pending',
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + expiresIn + PENDING_GRACE_SECONDS,
    ...(request.metadata ? { metadata: request.metadata } : {}),
    ...options.access,
    ...(options.deleteTokenHash ? { deleteTokenHash: options.deleteTokenHash } : {}),
  };
  await enterAtEdge(deps.edge, record);
  await putLookups(deps.lookups, metadataLookups(record));
  await deps.records.create(record);
  const link = await deps.links.uploadLink(objectKey, { size: request.size, maxBytes, expiresIn });
  const upload: ApiUpload = {
    method: link.method,
    url: link.url,
    ...(link.headers ? { headers: link.headers } : {}),
    ...(link.fields ? { fields: link.fields } : {}),
    expires_at: new Date(now.getTime() + expiresIn * 1000).toISOString(),
    max_size: request.size ?? maxBytes,
  };
  return { record, upload };
}

/**
 * A private or expiring upload is entered in the edge store before its record exists, so its
 * URL is never served unchecked (docs/edge.md); a public one without expiry needs no entry.
 */
export async function enterAtEdge(edge: EdgeStore | undefined, record: ImageRecord): Promise<void> {
  const entry = imageEntryValue({ accountId: record.accountId, visibility: record.visibility ?? 'public', expiresAt: record.imageExpiresAt });
  if (entry === undefined) return;
  if (!edge) throw new Error('a private or expiring image needs the edge store');
  await edge.update({ puts: [{ key: record.id, value: entry }] });
}
