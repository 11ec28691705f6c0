import { randomBytes } from 'node:crypto';

/** 128 random bits, URL-safe: unguessable image ids of 22 characters. */
export function newImageId(): string {
  return randomBytes(16).toString('base64url');
}

const IMAGE_ID = /^[A-Za-z0-9_-]{22}$/;

export function isImageId(value: unknown): value is string {
  return typeof value === 'string' && IMAGE_ID.test(value);
}

/**
 * Published images: written only by our functions after every check passed (metadata removed),
 * and the only originals the CDN may read.
 */
export const DIRECT_PREFIX = 'images/';
/** Alias that says what the prefix is for: every ready image lives here, direct or large. */
export const PUBLISHED_PREFIX = DIRECT_PREFIX;
/**
 * Where presigned (large) uploads land: the only client-writable prefix, never served. Only this
 * prefix notifies the finalize function, which publishes the checked bytes under `images/` and
 * empties it.
 */
export const LARGE_UPLOAD_PREFIX = 'uploads/';
/** Rendered transforms (`variants/<id>/<canonical parameters>`), removed with their image. */
export const VARIANT_PREFIX = 'variants/';

/** The S3 key of an image's bytes. */
export function objectKeyFor(imageId: string, prefix: string = DIRECT_PREFIX): string {
  return `${prefix}${imageId}`;
}

/** The image id an S3 key belongs to, or undefined for keys that are not ours. */
export function imageIdFromKey(key: string): string | undefined {
  const match = /^(?:images|uploads)\/([A-Za-z0-9_-]{22})$/.exec(key);
  return match?.[1];
}

/** The image id of a client upload key (`uploads/<id>`), or undefined for any other key. */
export function uploadIdFromKey(key: string): string | undefined {
  return key.startsWith(LARGE_UPLOAD_PREFIX) ? imageIdFromKey(key) : undefined;
}

/** The image id of a published key (`images/<id>`), or undefined for any other key. */
export function publishedIdFromKey(key: string): string | undefined {
  return key.startsWith(PUBLISHED_PREFIX) ? imageIdFromKey(key) : undefined;
}
