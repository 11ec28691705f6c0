import { randomBytes } from 'node:crypto';

/** 128 random bits, URL-safe: unguessable image ids of 22 characters. */
export function newImageId(): string {
  return randomBytes(16).toString('base64url');
}

const IMAGE_ID = /^[A-Za-z0-9_-]{22}$/;

export function isImageId(value: unknown): value is string {
  return typeof value === 'string' && IMAGE_ID.test(value);
}

/** Where direct uploads are stored. */
export const DIRECT_PREFIX = 'images/';
/**
 * Where presigned (large) uploads land. Only this prefix notifies the finalize function, so
 * a direct upload's own PutObject never races its record write through finalize.
 */
export const LARGE_UPLOAD_PREFIX = 'uploads/';

/** The S3 key of an image's bytes. */
export function objectKeyFor(imageId: string, prefix: string = DIRECT_PREFIX): string {
  return `${prefix}${imageId}`;
}

/** The image id an S3 key belongs to, or undefined for keys that are not ours. */
export function imageIdFromKey(key: string): string | undefined {
  const match = /^(?:images|uploads)\/([A-Za-z0-9_-]{22})$/.exec(key);
  return match?.[1];
}
