import type { ImageRecord, Log, RecordPage } from './images';
import { type MetadataFilter, metadataChanges, type UserMetadata } from './user-metadata';

/**
 * Lookups: the items that find an account's images by something other than their id or age,
 * one item per thing to find them by, kept beside the records (docs/apps.md): one per metadata
 * pair (listing by metadata) and one per band of the perceptual hash (similar images). Each is
 * derived from its record alone, so whatever removes a record can remove its lookups too.
 *
 * They are written before the record change that makes them true and removed after the one
 * that makes them false, and every read checks the record: a lookup left behind by a crash
 * between the two writes finds a record that no longer matches and is passed over.
 */
export interface LookupEntry {
  /** What is looked up: the account, and the pair or band (see `metadataPartition`, `bandPartition`). */
  readonly partition: string;
  /** The order within it: the list's position (metadata) or the image id (bands). */
  readonly sort: string;
  readonly imageId: string;
  /** Perceptual-hash entries carry the whole hash (hex), so candidates are compared without reading their records. */
  readonly phash?: string;
}

/** A page of lookups, in descending `sort` order; `after` is where the next begins (or undefined at the end). */
export interface LookupPage {
  readonly entries: LookupEntry[];
  readonly after: string | undefined;
}

/** Port: the lookups table (functions/adapters/dynamo-lookups.ts). */
export interface ImageLookups {
  put(entries: readonly LookupEntry[]): Promise<void>;
  delete(entries: readonly Pick<LookupEntry, 'partition' | 'sort'>[]): Promise<void>;
  /** Entries of one partition, `sort` descending, strictly before `after` when given, at most `limit`. */
  page(partition: string, limit: number, after?: string): Promise<LookupPage>;
}

/** Where the images holding one metadata pair are listed (keys never hold `#`, so the parts cannot run together). */
export function metadataPartition(accountId: string, pair: MetadataFilter): string {
  return `m#${accountId}#${pair.key}#${pair.value}`;
}

/** The list's position of a record: creation time, then id (the order and cursor of `GET /api/images`). */
export function listPosition(record: Pick<ImageRecord, 'createdAt' | 'id'>): string {
  return `${record.createdAt}#${record.id}`;
}

/** The perceptual hash is cut into this many bands of 8 bits (2 hex digits) each: see core/similarity.ts. */
export const PHASH_BANDS = 8;

/** Where the images whose hash holds `bits` (2 hex digits) as its band `band` are listed. */
export function bandPartition(accountId: string, band: number, bits: string): string {
  return `p#${accountId}#${band}#${bits}`;
}

/** The band lookups of an analysed record (none before its analysis). */
export function phashLookups(record: Pick<ImageRecord, 'accountId' | 'id' | 'phash'>): LookupEntry[] {
  const { phash } = record;
  if (phash === undefined) return [];
  return Array.from({ length: PHASH_BANDS }, (_, band) => ({
    partition: bandPartition(record.accountId, band, phash.slice(band * 2, band * 2 + 2)),
    sort: record.id,
    imageId: record.id,
    phash,
  }));
}

/**
 * Every lookup a record has: what to remove with it. Whatever deletes images (one, or all of an
 * account's) removes these after the record.
 */
export function lookupsOf(record: ImageRecord): LookupEntry[] {
  return [...metadataLookups(record), ...phashLookups(record)];
}

function metadataEntries(record: ImageRecord, pairs: readonly MetadataFilter[]): LookupEntry[] {
  return pairs.map((pair) => ({ partition: metadataPartition(record.accountId, pair), sort: listPosition(record), imageId: record.id }));
}

function pairsOf(metadata: UserMetadata | undefined): MetadataFilter[] {
  return Object.entries(metadata ?? {}).map(([key, value]) => ({ key, value }));
}

/** The metadata lookups of a record that is about to be written with its metadata. */
export function metadataLookups(record: ImageRecord): LookupEntry[] {
  return metadataEntries(record, pairsOf(record.metadata));
}

/**
 * What a metadata change writes before the record (pairs it gains) and removes after it (pairs
 * it loses).
 */
export function metadataLookupChanges(record: ImageRecord, next: UserMetadata | undefined): { add: LookupEntry[]; remove: LookupEntry[] } {
  const { added, removed } = metadataChanges(record.metadata, next);
  return { add: metadataEntries(record, added), remove: metadataEntries(record, removed) };
}

/**
 * The lookups port where a function may hold none: writing an entry without it is a wiring
 * mistake, so it fails loudly; having none to write needs none.
 */
export async function putLookups(lookups: Pick<ImageLookups, 'put'> | undefined, entries: readonly LookupEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (!lookups) throw new Error('lookups to write, but no lookups table wired');
  await lookups.put(entries);
}

/** Removes lookups after their record changed or went; a failure is logged (reads pass over what is left). */
export async function dropLookups(lookups: Pick<ImageLookups, 'delete'> | undefined, entries: readonly LookupEntry[], log: Pick<Log, 'warn'>): Promise<void> {
  if (entries.length === 0 || !lookups) return;
  try {
    await lookups.delete(entries);
  } catch (error) {
    log.warn('lookups left behind (reads skip them)', { entries: entries.length, error });
  }
}

export interface MetadataListDeps {
  readonly lookups: Pick<ImageLookups, 'page'>;
  readonly records: { getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>> };
}

/**
 * One page of the account's images holding `pair`, newest first: one page of its lookups, then
 * the records of exactly those images in one batch. What is read is bounded by `limit`, not by
 * how many images the account or the pair has. An entry whose record is gone or no longer
 * holds the pair (a crash between two writes) is left out, so a page may hold fewer than
 * `limit`; `after` still continues after the last entry read.
 */
export async function listByMetadata(deps: MetadataListDeps, accountId: string, pair: MetadataFilter, limit: number, after?: string): Promise<RecordPage> {
  const page = await deps.lookups.page(metadataPartition(accountId, pair), limit, after);
  if (page.entries.length === 0) return { records: [], after: page.after };
  const found = await deps.records.getMany(page.entries.map((entry) => entry.imageId));
  const records = page.entries.flatMap((entry) => {
    const record = found.get(entry.imageId);
    return record && record.accountId === accountId && record.metadata?.[pair.key] === pair.value ? [record] : [];
  });
  return { records, after: page.after };
}
