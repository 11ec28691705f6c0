/**
 * What the edge's key-value store holds (docs/edge.md, "What the store holds"), written by the
 * functions and read by the viewer-request function (lib/edge/viewer-request.js) and its mirror
 * (functions/core/edge-rules.ts). The store holds 5 MB in all, keys up to 512 bytes and values
 * up to 1 KB, so only what the edge cannot decide without it goes in:
 *
 * - `k.<kid>` -> `<accountId>|<secret>`: a signing secret (two per account at most);
 * - `<imageId>` -> `x`: the image is gone (deleted or expired), 404 until every cached copy has aged out;
 * - `<imageId>` -> `<p|->|<expiry unix seconds|->|<accountId>`: a private and/or expiring image.
 *
 * Public images without an expiry have no entry at all: they are the common case and the edge
 * serves them on what the URL says.
 */

/** The value of an image that is gone. */
export const GONE = 'x';

/** The key of a signing secret. */
export function secretKey(kid: string): string {
  return `k.${kid}`;
}

/** The value of a signing secret: the account it signs for, and the secret itself. */
export function secretValue(accountId: string, secret: string): string {
  return `${accountId}|${secret}`;
}

/** What the edge must know about an image to answer for it. */
export interface ImageEdgeState {
  readonly accountId: string;
  readonly visibility: 'public' | 'private';
  /** Unix seconds after which the image answers 404. */
  readonly expiresAt?: number;
}

/** The entry of an image, or undefined when the edge needs none (public, no expiry). */
export function imageEntryValue(state: ImageEdgeState): string | undefined {
  if (state.visibility === 'public' && state.expiresAt === undefined) return undefined;
  return `${state.visibility === 'private' ? 'p' : '-'}|${state.expiresAt ?? '-'}|${state.accountId}`;
}

/** An image entry read back: gone, or private/expiring; undefined for a value no writer makes (the edge treats it as gone). */
export type ImageEntry = { readonly gone: true } | { readonly gone: false; readonly private: boolean; readonly expiresAt?: number; readonly accountId: string };

export function parseImageEntry(value: string): ImageEntry | undefined {
  if (value === GONE) return { gone: true };
  const parts = value.split('|');
  if (parts.length !== 3 || !/^[p-]$/.test(parts[0]) || !/^(-|[1-9][0-9]{0,11})$/.test(parts[1]) || parts[2] === '') return undefined;
  return { gone: false, private: parts[0] === 'p', ...(parts[1] === '-' ? {} : { expiresAt: Number(parts[1]) }), accountId: parts[2] };
}

/** Bytes an entry takes in the store (its key and value, UTF-8): what the 5 MB is counted in. */
export function entryBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(value);
}

/** The store's own ceiling: 5 MB of keys and values. */
export const STORE_CAPACITY_BYTES = 5 * 1024 * 1024;

/** Entries to write and keys to remove, in one step. */
export interface EdgeChanges {
  readonly puts?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly deletes?: readonly string[];
}

/**
 * Port: the edge's key-value store (a CloudFront KeyValueStore on AWS, a JSON file locally).
 * Writes are idempotent: putting a value again or removing a key that is not there is success.
 */
export interface EdgeStore {
  update(changes: EdgeChanges): Promise<{ readonly itemCount: number; readonly totalBytes: number }>;
}
