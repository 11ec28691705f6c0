import { BadRequestError } from './errors';

/**
 * The account's own metadata on an image (docs/apps.md): a few string pairs an app keeps with
 * the image instead of in a table of its own, and can list its images by.
 */
export type UserMetadata = Readonly<Record<string, string>>;

export const MAX_METADATA_PAIRS = 20;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 256;
/** Keys are lower-case names: they are spelled in query strings (`metadata.<key>=`) and index keys, so nothing there needs escaping. */
export const METADATA_KEY_PATTERN = /^[a-z0-9_.-]{1,40}$/;

/**
 * Checks a `metadata` value as a client sent it (a JSON object of strings): at most 20 pairs,
 * keys of 1 to 40 characters `[a-z0-9_.-]`, values of at most 256 characters. `undefined`
 * stays undefined (no metadata); `null` and `{}` mean none too. Everything else is a 400.
 */
export function parseMetadata(value: unknown): UserMetadata | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('metadata must be a JSON object of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA_PAIRS) throw new BadRequestError(`metadata holds at most ${MAX_METADATA_PAIRS} pairs`);
  for (const [key, pairValue] of entries) {
    if (!METADATA_KEY_PATTERN.test(key)) {
      throw new BadRequestError(`metadata keys are 1 to ${MAX_METADATA_KEY_LENGTH} characters of a-z, 0-9, "_", "." and "-"`);
    }
    if (typeof pairValue !== 'string') throw new BadRequestError(`metadata.${key} must be a string`);
    if (pairValue.length > MAX_METADATA_VALUE_LENGTH) throw new BadRequestError(`metadata.${key} is longer than ${MAX_METADATA_VALUE_LENGTH} characters`);
  }
  // fromEntries defines own properties: a key such as `__proto__` is a pair like any other.
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as UserMetadata);
}

/** The multipart field `metadata` of a direct upload: the same object, as JSON text. */
export function parseMetadataText(text: string | undefined): UserMetadata | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('The form field "metadata" must be a JSON object of strings');
  }
  return parseMetadata(parsed);
}

/** One pair to list images by. */
export interface MetadataFilter {
  readonly key: string;
  readonly value: string;
}

const FILTER_PREFIX = 'metadata.';

/**
 * The `metadata.<key>=<value>` parameter of `GET /api/images`, if there is one. One pair a
 * request: each pair is its own index, and an intersection would have to read whole pages of
 * both (docs/apps.md).
 */
export function metadataFilterOf(query: Readonly<Record<string, string | undefined>> | null | undefined): MetadataFilter | undefined {
  const names = Object.keys(query ?? {}).filter((name) => name.startsWith(FILTER_PREFIX));
  if (names.length === 0) return undefined;
  if (names.length > 1) throw new BadRequestError('Filter by one metadata pair at a time');
  const key = names[0].slice(FILTER_PREFIX.length);
  const value = query?.[names[0]] ?? '';
  if (!METADATA_KEY_PATTERN.test(key)) throw new BadRequestError(`metadata keys are 1 to ${MAX_METADATA_KEY_LENGTH} characters of a-z, 0-9, "_", "." and "-"`);
  if (value.length > MAX_METADATA_VALUE_LENGTH) throw new BadRequestError(`metadata.${key} is longer than ${MAX_METADATA_VALUE_LENGTH} characters`);
  return { key, value };
}

/** Pairs of `next` that `previous` lacks (or held with another value), and pairs of `previous` that `next` no longer holds. */
export function metadataChanges(previous: UserMetadata | undefined, next: UserMetadata | undefined): { added: MetadataFilter[]; removed: MetadataFilter[] } {
  const before = previous ?? {};
  const after = next ?? {};
  const added = Object.entries(after)
    .filter(([key, value]) => before[key] !== value)
    .map(([key, value]) => ({ key, value }));
  const removed = Object.entries(before)
    .filter(([key, value]) => after[key] !== value)
    .map(([key, value]) => ({ key, value }));
  return { added, removed };
}
