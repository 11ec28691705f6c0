import { randomBytes } from 'node:crypto';

/** 128 random bits, URL-safe: unguessable image ids of 22 characters. */
export function newImageId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The shape of an image id (what `newImageId` makes), as RegExp source to build the patterns of
 * keys, paths and cursors from. The CloudFront Function files in lib/edge cannot import it
 * and spell it out themselves. Patterns built from it are marked pure, so a bundle that uses none
 * of them drops them (a literal would be dropped anyway; a `new RegExp` call is not, unmarked).
 */
export const IMAGE_ID_PATTERN = '[A-Za-z0-9_-]{22}';

const IMAGE_ID = /* @__PURE__ */ new RegExp(`^${IMAGE_ID_PATTERN}$`);

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

const IMAGE_OR_UPLOAD_KEY = /* @__PURE__ */ new RegExp(`^(?:${DIRECT_PREFIX}|${LARGE_UPLOAD_PREFIX})(${IMAGE_ID_PATTERN})$`);

/** The image id an S3 key belongs to, or undefined for keys that are not ours. */
export function imageIdFromKey(key: string): string | undefined {
  return IMAGE_OR_UPLOAD_KEY.exec(key)?.[1];
}

/** The image id of a client upload key (`uploads/<id>`), or undefined for any other key. */
export function uploadIdFromKey(key: string): string | undefined {
  return key.startsWith(LARGE_UPLOAD_PREFIX) ? imageIdFromKey(key) : undefined;
}

/** The image id of a published key (`images/<id>`), or undefined for any other key. */
export function publishedIdFromKey(key: string): string | undefined {
  return key.startsWith(PUBLISHED_PREFIX) ? imageIdFromKey(key) : undefined;
}
