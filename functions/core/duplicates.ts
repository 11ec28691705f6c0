import type { EdgeStore } from './edge-entries';
import { BadRequestError } from './errors';
import { type ImageAccess, type ImageDescription, type ImageObjects, type ImageRecord, type ImageRecords, type Log, storeImage } from './images';
import { type ImageLookups, metadataLookups, putLookups } from './image-lookups';
import type { UserMetadata } from './user-metadata';

/**
 * The same bytes uploaded again by the same account (docs/apps.md): found by their SHA-256 in an
 * index of the account's ready images, answered as `duplicate_of`, or (with
 * `?on_duplicate=return`) answered with the image the account already has instead of a second.
 */

/** `store` (the default) stores a second image and names the first; `return` answers the first. */
export type OnDuplicate = 'store' | 'return';

/** The `on_duplicate` query parameter of an upload. */
export function parseOnDuplicate(query: Readonly<Record<string, string | undefined>> | null | undefined): OnDuplicate {
  const value = query?.on_duplicate;
  if (value === undefined || value === 'store') return 'store';
  if (value === 'return') return 'return';
  throw new BadRequestError('on_duplicate must be "store" or "return"');
}

/** Port: the account's ready images by the SHA-256 of their bytes (a secondary index: eventually consistent). */
export interface ShaIndex {
  /** One ready image of the account with these bytes, the oldest, or undefined. */
  findBySha(accountId: string, sha256: string): Promise<ImageRecord | undefined>;
}

export interface OwnUploadDeps {
  readonly objects: ImageObjects;
  /** Without `findBySha` no duplicate is looked for. */
  readonly records: ImageRecords & Partial<ShaIndex>;
  /** Needed for uploads with metadata (see `putLookups`). */
  readonly lookups?: Pick<ImageLookups, 'put'>;
  readonly log: Log;
  readonly now?: () => Date;
  /** Needed for private and expiring uploads (see `storeImage`). */
  readonly edge?: EdgeStore;
}

/** What an upload came to: a new image (`created`), or the account's existing one (`existing`, with `return`). */
export type OwnUploadResult = { readonly created: ImageRecord } | { readonly existing: ImageRecord };

/**
 * Stores a checked upload of the account with its metadata and access, unless the account
 * already holds the same bytes and asked for `return`: then the existing image is answered as it
 * is (its visibility, expiry and metadata unchanged), and the index is read before anything is
 * written. Otherwise the index is read while the bytes are stored (one round trip less on every
 * upload) and the record names what it found. Two uploads of the same bytes at the same moment
 * may both be stored (neither sees the other yet).
 */
export async function storeOwnUpload(
  deps: OwnUploadDeps,
  accountId: string,
  image: ImageDescription & { readonly bytes: Uint8Array },
  options: { readonly metadata?: UserMetadata; readonly onDuplicate: OnDuplicate; readonly access?: ImageAccess; readonly deleteTokenHash?: string },
): Promise<OwnUploadResult> {
  const lookup = Promise.resolve(deps.records.findBySha?.(accountId, image.sha256));
  // Awaited only once the bytes are stored: a failed store must not leave its rejection unheard.
  lookup.catch(() => undefined);
  if (options.onDuplicate === 'return') {
    const earlier = await lookup;
    if (earlier) return { existing: earlier };
  }
  const created = await storeImage(deps, accountId, image, {
    ...options.access,
    metadata: options.metadata,
    deleteTokenHash: options.deleteTokenHash,
    async beforeRecord(record) {
      const [earlier] = await Promise.all([lookup, putLookups(deps.lookups, metadataLookups(record))]);
      return { duplicateOf: earlier?.id };
    },
  });
  return { created };
}
