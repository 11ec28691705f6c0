import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ImageNotFoundError } from './errors';
import type { ImageRecord } from './images';
import { isImageId } from './ids';

/**
 * Delete links (docs/api.md#delete-links): every upload answers a `delete_url` that deletes its
 * image without a key, for tools that can only open a link (ShareX's "Deletion URL"). The link is
 * a capability: 256 random bits, shown in that one response and stored only as a SHA-256 hash on
 * the image's record, so neither the table nor a log of it can delete anything. Opening it shows
 * a confirmation page; only that page's form (a POST) deletes.
 */

/** The token's shape: 32 random bytes, base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface DeleteToken {
  /** Goes into the `delete_url` of the one response that shows it. */
  readonly token: string;
  /** Hex SHA-256 of the token: what the record keeps. */
  readonly hash: string;
}

export function newDeleteToken(): DeleteToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashDeleteToken(token) };
}

export function hashDeleteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The path of an image's delete link, under the API's base (stage prefix included). */
export function deleteLinkPath(imageId: string, token: string): string {
  return `/api/images/${imageId}/delete/${token}`;
}

/**
 * The image a delete link names, when the token is the one its record keeps; otherwise a 404
 * that does not say whether the image exists.
 */
export async function imageOfDeleteLink(
  records: { get(id: string): Promise<ImageRecord | undefined> },
  imageId: unknown,
  token: unknown,
): Promise<ImageRecord> {
  if (!isImageId(imageId) || typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new ImageNotFoundError();
  const record = await records.get(imageId);
  const kept = record?.deleteTokenHash;
  if (!record || !kept) throw new ImageNotFoundError();
  const presented = Buffer.from(hashDeleteToken(token), 'hex');
  const stored = Buffer.from(kept, 'hex');
  if (presented.byteLength !== stored.byteLength || !timingSafeEqual(presented, stored)) throw new ImageNotFoundError();
  return record;
}
