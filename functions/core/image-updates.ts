import { BadRequestError, ImageNotFoundError } from './errors';
import { type AccessChange, parseAccessChange } from './image-options';
import { dropLookups, type ImageLookups, metadataLookupChanges } from './image-lookups';
import type { ImageRecord, Log } from './images';
import { parseMetadata, type UserMetadata } from './user-metadata';

/**
 * `PATCH /api/images/{image_id}`: one route changes what an account may change of its image,
 * its visibility and expiry (docs/edge.md) and its metadata (docs/apps.md), in one record write.
 */

/** What a body of `PATCH /api/images/{image_id}` that is not a JSON object is told. */
export const UPDATE_IMAGE_BODY = {
  notJson: 'The body must be JSON: {"metadata": {"<key>": "<value>"}, "visibility": "private", "expires_in": 3600}',
  notObject: 'The body must be a JSON object',
} as const;

/** The fields a PATCH may change; each is optional, and one left out stays as it is. */
export interface ImageUpdate extends AccessChange {
  /** The account's metadata, replaced whole; `null` removes it. */
  readonly metadata?: UserMetadata | null;
}

const UPDATABLE = new Set(['metadata', 'visibility', 'expires_at', 'expires_in']);

/**
 * Validates a PATCH body: known fields only, each valid (`expires_at: null` removes an expiry,
 * `expires_in` counts from `nowMs`). An empty body is `{}`: the handler says there is nothing to change.
 */
export function parseImageUpdate(body: Readonly<Record<string, unknown>>, nowMs: number): ImageUpdate {
  const unknown = Object.keys(body).find((name) => !UPDATABLE.has(name));
  if (unknown !== undefined) {
    throw new BadRequestError(`Unknown field "${unknown.slice(0, 64)}"; an image's metadata, visibility, expires_at or expires_in can be changed`);
  }
  const access = parseAccessChange(body, nowMs, { allowClear: true });
  if (!('metadata' in body)) return access;
  return { ...access, metadata: body.metadata === null ? null : (parseMetadata(body.metadata) ?? null) };
}

/** True when the update changes who may view the image or until when (so the edge's entry follows). */
export function changesAccess(update: ImageUpdate): boolean {
  return update.visibility !== undefined || update.imageExpiresAt !== undefined;
}

export interface UpdateImageDeps {
  readonly records: {
    /** Applies the update to the account's image in one write; the record as it now is, or undefined when it is not the account's. */
    update(id: string, accountId: string, update: ImageUpdate): Promise<ImageRecord | undefined>;
  };
  readonly lookups: Pick<ImageLookups, 'put' | 'delete'>;
  readonly log: Pick<Log, 'warn'>;
}

/**
 * Applies an update to an image the caller owns (see `ownImage`): the lookups of the metadata
 * pairs it gains first, then the record, then the lookups of the pairs it lost
 * (core/image-lookups.ts says why in that order). A record deleted meanwhile is a 404.
 */
export async function updateImage(deps: UpdateImageDeps, record: ImageRecord, update: ImageUpdate): Promise<ImageRecord> {
  const changes = update.metadata === undefined ? undefined : metadataLookupChanges(record, update.metadata ?? undefined);
  if (changes && changes.add.length > 0) await deps.lookups.put(changes.add);
  const updated = await deps.records.update(record.id, record.accountId, update);
  if (!updated) throw new ImageNotFoundError();
  if (changes) await dropLookups(deps.lookups, changes.remove, deps.log);
  return updated;
}
