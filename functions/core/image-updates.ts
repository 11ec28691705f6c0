import { BadRequestError, ImageNotFoundError } from './errors';
import { dropLookups, type ImageLookups, metadataLookupChanges } from './image-lookups';
import type { ImageRecord, Log } from './images';
import { parseMetadata, type UserMetadata } from './user-metadata';

/** What a body of `PATCH /api/images/{image_id}` that is not a JSON object is told. */
export const UPDATE_IMAGE_BODY = {
  notJson: 'The body must be JSON: {"metadata": {"<key>": "<value>"}}',
  notObject: 'The body must be a JSON object',
} as const;

/** The fields a PATCH may change; each is optional, and one left out stays as it is. */
export interface ImageUpdate {
  /** The account's metadata, replaced whole; `null` removes it. */
  readonly metadata?: UserMetadata | null;
}

const UPDATABLE = new Set(['metadata']);

/** Validates a PATCH body: known fields only, each valid. */
export function parseImageUpdate(body: Readonly<Record<string, unknown>>): ImageUpdate {
  const unknown = Object.keys(body).find((name) => !UPDATABLE.has(name));
  if (unknown !== undefined) throw new BadRequestError(`Unknown field "${unknown.slice(0, 64)}"; an image's metadata can be changed`);
  if (!('metadata' in body)) return {};
  return { metadata: body.metadata === null ? null : (parseMetadata(body.metadata) ?? null) };
}

export interface UpdateMetadataDeps {
  readonly records: { updateMetadata(id: string, accountId: string, metadata: UserMetadata | undefined): Promise<ImageRecord | undefined> };
  readonly lookups: Pick<ImageLookups, 'put' | 'delete'>;
  readonly log: Pick<Log, 'warn'>;
}

/**
 * Replaces the metadata of an image the caller owns (see `ownImage`): the lookups of the pairs it
 * gains first, then the record, then the lookups of the pairs it lost (core/image-lookups.ts says
 * why in that order). A record deleted meanwhile is a 404.
 */
export async function updateImageMetadata(deps: UpdateMetadataDeps, record: ImageRecord, metadata: UserMetadata | null): Promise<ImageRecord> {
  const next = metadata ?? undefined;
  const { add, remove } = metadataLookupChanges(record, next);
  if (add.length > 0) await deps.lookups.put(add);
  const updated = await deps.records.updateMetadata(record.id, record.accountId, next);
  if (!updated) throw new ImageNotFoundError();
  await dropLookups(deps.lookups, remove, deps.log);
  return updated;
}
